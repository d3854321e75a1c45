#pragma once
// Which tokenizer a model uses, decided in one place for every verb: --tokenizer DIR when given,
// else the model's own folder when it has a tokenizer.json, else the shared DeepSeek-V3 tokenizer
// (the presets' vocabulary). A GGUF file carries its tokenizer and is not looked up here.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace engram::tokenizer {
class Tokenizer;
}

namespace engram::harness {

// The folder, or none when there is none to use. Throws std::invalid_argument when --tokenizer
// names a folder without tokenizer.json.
std::optional<std::filesystem::path> find_tokenizer_dir(const std::optional<std::string>& requested,
                                                        const std::optional<std::filesystem::path>& model_dir);

// The same, for models that cannot run without one: throws std::invalid_argument naming the spec and
// where it looked.
std::filesystem::path require_tokenizer_dir(const std::string& spec, const std::optional<std::string>& requested,
                                            const std::optional<std::filesystem::path>& model_dir);

std::shared_ptr<const tokenizer::Tokenizer> load_tokenizer(const std::filesystem::path& dir);

}  // namespace engram::harness
