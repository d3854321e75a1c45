#include "harness/tokenizer/tokenizer.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "harness/tokenizer/added_vocabulary.h"
#include "harness/tokenizer/arena.h"
#include "harness/tokenizer/bpe_model.h"
#include "harness/tokenizer/byte_level.h"
#include "harness/tokenizer/decoder.h"
#include "harness/tokenizer/json_fields.h"
#include "harness/tokenizer/normalizer.h"
#include "harness/tokenizer/post_processor.h"
#include "harness/tokenizer/pre_tokenizer.h"
#include "harness/tokenizer/tokenizer_config.h"
#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

namespace fs = std::filesystem;

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<AddedVocabulary> added;
  TokenizerConfig config;

  int64_t vocab_size = 0;
  int64_t id_limit = 0;                    // one past the largest id of model or added tokens
  // Per id: 0 = no token, 1 = token, 2 = token that decode(..., skip_special_tokens=true) drops
  // (tokenizers drops a token when its string is the content of a special added token).
  std::vector<uint8_t> id_kind;
  std::vector<std::string> decoded_bytes;  // per id, for a ByteLevel decoder: the token's bytes
  std::optional<int64_t> bos, eos, pad;

  const std::string* token_of(int64_t id) const {
    if (const AddedToken* t = added->by_id(id)) return &t->decode_form;
    return model->id_to_token(id);
  }

  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens, bool fast) const;
  void tokenize_words(std::string_view text, Arena& arena, bool fast, std::vector<int64_t>& ids) const;
};

void Tokenizer::Impl::tokenize_words(std::string_view text, Arena& arena, bool fast, std::vector<int64_t>& ids) const {
  std::vector<std::string_view> pieces{text};
  if (pre_tokenizer) pre_tokenizer->pre_tokenize(pieces, arena, fast);
  std::vector<int32_t> scratch;
  for (const std::string_view w : pieces) {
    if (fast) {
      model->tokenize(w, ids);
    } else {
      scratch.clear();
      model->tokenize_uncached(w, scratch);
      ids.insert(ids.end(), scratch.begin(), scratch.end());
    }
  }
}

std::vector<int64_t> Tokenizer::Impl::encode(std::string_view text, bool add_special_tokens, bool fast) const {
  std::string repaired;
  if (!utf8::is_valid(text)) {
    repaired = utf8::lossy(text);
    text = repaired;
  }
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 8);
  Arena arena;
  std::vector<Segment> raw, normalized;
  added->split(text, /*normalized=*/false, raw);
  std::string buffer;
  for (const Segment& seg : raw) {
    if (seg.id >= 0) {
      ids.push_back(seg.id);
      continue;
    }
    std::string_view piece = seg.text;
    if (normalizer) {
      buffer.assign(piece);
      normalizer->normalize(buffer);
      piece = arena.copy(buffer);
    }
    normalized.clear();
    added->split(piece, /*normalized=*/true, normalized);
    for (const Segment& s : normalized) {
      if (s.id >= 0) {
        ids.push_back(s.id);
      } else {
        tokenize_words(s.text, arena, fast, ids);
      }
    }
  }
  if (post_processor) post_processor->process(ids, add_special_tokens);
  return ids;
}

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json parse_json(std::string_view text, const std::string& name) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw std::runtime_error(name + ": invalid JSON: " + e.what());
  }
}

std::shared_ptr<Tokenizer::Impl> build(const json& j, const json* config_json, const std::string& name,
                                       const std::string& config_name) {
  auto impl = std::make_shared<Tokenizer::Impl>();
  try {
    if (!j.is_object()) fail_field("(top level)", "must be a JSON object");
    if (optional_member(j, "truncation")) fail_field("truncation", "is not supported (must be null)");
    if (optional_member(j, "padding")) fail_field("padding", "is not supported (must be null)");

    const json& model = required(j, "model", "");
    // Files from old tokenizers versions may leave out model.type; one with merges is a BPE model.
    const std::string type = optional_member(model, "type") ? type_of(model, "model")
                             : optional_member(model, "merges") ? "BPE" : required_string(model, "type", "model");
    if (type != "BPE") unsupported_type("model", type);
    impl->model = std::make_unique<BpeModel>(model, "model");

    // Absent and null components are the same thing: that step does nothing.
    const json null_json;
    auto component = [&](const char* key) -> const json& {
      const json* v = optional_member(j, key);
      return v ? *v : null_json;
    };
    impl->normalizer = make_normalizer(component("normalizer"), "normalizer");
    impl->pre_tokenizer = make_pre_tokenizer(component("pre_tokenizer"), "pre_tokenizer");
    impl->post_processor = make_post_processor(component("post_processor"), "post_processor");
    impl->decoder = make_decoder(component("decoder"), "decoder");
    const BpeModel& m = *impl->model;
    impl->added = std::make_unique<AddedVocabulary>(
        component("added_tokens"), "added_tokens", impl->normalizer.get(),
        [&m](std::string_view s) { return m.token_to_id(s); }, static_cast<int64_t>(m.vocab().size()));
  } catch (const ConfigError& e) {
    throw std::runtime_error(name + ": " + e.what());
  }

  Tokenizer::Impl& t = *impl;
  // Vocabulary size and id range over model and added tokens.
  // (tokenizers counts the union of the two string -> id maps.)
  std::unordered_set<std::string> added_only;
  t.id_limit = t.model->id_limit();
  for (const AddedToken& a : t.added->tokens()) {
    if (!t.model->token_to_id(a.content)) added_only.insert(a.content);
    t.id_limit = std::max(t.id_limit, a.id + 1);
  }
  t.vocab_size = static_cast<int64_t>(t.model->vocab().size() + added_only.size());
  t.id_kind.assign(static_cast<size_t>(t.id_limit), 0);
  if (t.decoder && t.decoder->is_byte_level()) t.decoded_bytes.resize(static_cast<size_t>(t.id_limit));
  for (int64_t id = 0; id < t.id_limit; ++id) {
    const std::string* tok = t.token_of(id);
    if (!tok) continue;
    t.id_kind[static_cast<size_t>(id)] = t.added->is_special_content(*tok) ? 2 : 1;
    if (!t.decoded_bytes.empty()) {
      std::string& out = t.decoded_bytes[static_cast<size_t>(id)];
      if (!byte_level::unmap_token(*tok, out)) out = *tok;
    }
  }

  if (config_json) {
    try {
      t.config = TokenizerConfig::from_json(*config_json);
    } catch (const ConfigError& e) {
      throw std::runtime_error(config_name + ": " + e.what());
    }
  }
  auto id_of = [&](const std::optional<std::string>& token) -> std::optional<int64_t> {
    if (!token) return std::nullopt;
    if (auto id = t.added->id_of(*token)) return id;
    return t.model->token_to_id(*token);
  };
  t.bos = id_of(t.config.bos_token);
  t.eos = id_of(t.config.eos_token);
  t.pad = id_of(t.config.pad_token);
  return impl;
}

}  // namespace

Tokenizer Tokenizer::from_json_text(std::string_view tokenizer_json, std::string_view config_json,
                                    const std::string& name) {
  const json j = parse_json(tokenizer_json, name);
  const std::string config_name = "tokenizer_config.json";
  json config;
  if (!config_json.empty()) config = parse_json(config_json, config_name);
  return Tokenizer(build(j, config_json.empty() ? nullptr : &config, name, config_name));
}

Tokenizer Tokenizer::load(const std::string& path) {
  fs::path file(path);
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "tokenizer.json";
  if (!fs::exists(file, ec)) throw std::runtime_error(file.string() + ": no such file");
  const fs::path dir = file.parent_path();
  const json j = parse_json(read_file(file), file.string());

  const fs::path config_path = dir / "tokenizer_config.json";
  json config;
  const bool has_config = fs::exists(config_path, ec);
  if (has_config) config = parse_json(read_file(config_path), config_path.string());
  auto impl = build(j, has_config ? &config : nullptr, file.string(), config_path.string());
  // Newer transformers keep the chat template in its own file.
  const fs::path jinja = dir / "chat_template.jinja";
  if (impl->config.chat_template.empty() && fs::exists(jinja, ec)) impl->config.chat_template = read_file(jinja);
  return Tokenizer(std::move(impl));
}

std::vector<int64_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return impl_->encode(text, add_special_tokens, /*fast=*/true);
}

std::vector<int64_t> Tokenizer::encode_reference(std::string_view text, bool add_special_tokens) const {
  return impl_->encode(text, add_special_tokens, /*fast=*/false);
}

std::vector<int64_t> Tokenizer::encode_with_config_specials(std::string_view text) const {
  std::vector<int64_t> body = impl_->encode(text, false, true);
  std::vector<int64_t> ids;
  ids.reserve(body.size() + 2);
  if (add_bos() && impl_->bos) ids.push_back(*impl_->bos);
  ids.insert(ids.end(), body.begin(), body.end());
  if (add_eos() && impl_->eos) ids.push_back(*impl_->eos);
  return ids;
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  const Impl& t = *impl_;
  const uint8_t max_kind = skip_special_tokens ? 1 : 2;
  auto keep = [&](int64_t id) {
    if (id < 0 || id >= t.id_limit) return false;
    const uint8_t kind = t.id_kind[static_cast<size_t>(id)];
    return kind != 0 && kind <= max_kind;
  };
  if (!t.decoded_bytes.empty()) {
    // ByteLevel: concatenate every token's bytes, then one lossy UTF-8 pass (decoder.cc explains).
    std::string bytes;
    for (const int64_t id : ids)
      if (keep(id)) bytes += t.decoded_bytes[static_cast<size_t>(id)];
    return utf8::lossy(bytes);
  }
  std::vector<std::string> tokens;
  for (const int64_t id : ids)
    if (keep(id)) tokens.push_back(*t.token_of(id));
  std::string out;
  if (!t.decoder) {  // tokenizers joins raw tokens with spaces when there is no decoder
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  t.decoder->decode_chain(tokens);
  for (const std::string& s : tokens) out += s;
  return out;
}

std::string Tokenizer::id_to_token(int64_t id) const {
  const std::string* t = impl_->token_of(id);
  return t ? *t : std::string();
}

std::optional<int64_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = impl_->added->id_of(token)) return id;
  return impl_->model->token_to_id(token);
}

int64_t Tokenizer::vocab_size() const { return impl_->vocab_size; }

bool Tokenizer::is_special(int64_t id) const {
  const AddedToken* t = impl_->added->by_id(id);
  return t && t->special;
}

std::optional<int64_t> Tokenizer::bos_id() const { return impl_->bos; }
std::optional<int64_t> Tokenizer::eos_id() const { return impl_->eos; }
std::optional<int64_t> Tokenizer::pad_id() const { return impl_->pad; }
bool Tokenizer::add_bos() const { return impl_->config.add_bos_token.value_or(false); }
bool Tokenizer::add_eos() const { return impl_->config.add_eos_token.value_or(false); }
const std::string& Tokenizer::chat_template() const { return impl_->config.chat_template; }

}  // namespace engram::tokenizer
