#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

std::string fill_template(const std::string& text, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      const size_t close = text.find('}', i);
      if (close != std::string::npos) {
        const std::string_view name(text.data() + i + 1, close - i - 1);
        bool replaced = false;
        for (const auto& [key, value] : fields) {
          if (key == name) {
            out += value;
            replaced = true;
            break;
          }
        }
        if (replaced) {
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace engram::tasks::ruler
