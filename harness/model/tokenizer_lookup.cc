#include "harness/model/tokenizer_lookup.h"

#include <stdexcept>

#include "harness/shared_data.h"
#include "harness/tokenizer/tokenizer.h"

namespace engram::harness {
namespace {

namespace fs = std::filesystem;

fs::path shared_tokenizer_dir() { return shared_dir() / "tokenizers" / "deepseek-v3"; }

}  // namespace

std::optional<fs::path> find_tokenizer_dir(const std::optional<std::string>& requested,
                                           const std::optional<fs::path>& model_dir) {
  if (requested) {
    if (!fs::exists(fs::path(*requested) / "tokenizer.json")) {
      throw std::invalid_argument("--tokenizer " + *requested + ": no tokenizer.json there");
    }
    return fs::path(*requested);
  }
  if (model_dir && fs::exists(*model_dir / "tokenizer.json")) return *model_dir;
  if (fs::exists(shared_tokenizer_dir() / "tokenizer.json")) return shared_tokenizer_dir();
  return std::nullopt;
}

fs::path require_tokenizer_dir(const std::string& spec, const std::optional<std::string>& requested,
                               const std::optional<fs::path>& model_dir) {
  if (std::optional<fs::path> dir = find_tokenizer_dir(requested, model_dir)) return *dir;
  std::string looked = model_dir ? model_dir->string() + " and " : "";
  throw std::invalid_argument("--model " + spec + ": no tokenizer (looked in " + looked +
                              shared_tokenizer_dir().string() + "); pass --tokenizer DIR");
}

std::shared_ptr<const tokenizer::Tokenizer> load_tokenizer(const fs::path& dir) {
  return std::make_shared<const tokenizer::Tokenizer>(tokenizer::Tokenizer::load(dir.string()));
}

}  // namespace engram::harness
