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

RulerSample split_answer_prefix(const std::string& filled, const std::string& answer_prefix_template,
                                std::vector<std::string> outputs) {
  RulerSample sample;
  const size_t at = filled.rfind(answer_prefix_template.substr(0, 10));
  // Python's rfind gives -1 when absent, and text[:-1] / text[-1:] then split off the last character.
  const size_t cut = at == std::string::npos ? (filled.empty() ? 0 : filled.size() - 1) : at;
  sample.input = filled.substr(0, cut);
  sample.answer_prefix = filled.substr(cut);
  sample.outputs = std::move(outputs);
  return sample;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace engram::tasks::ruler
