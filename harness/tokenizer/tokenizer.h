#pragma once
// Hugging Face tokenizer.json (+ tokenizer_config.json) loader with encode/decode that give the
// same ids and text as the Python `tokenizers` package (checked id for id by tests/tokenizer).
//
// Pipeline of encode, as in `tokenizers`: added tokens with normalized=false are cut out of the raw
// text; each stretch between them is normalized and searched for the normalized=true added tokens;
// the rest is pre-tokenized into words, each word goes through the BPE model, and the post-processor
// adds special tokens when add_special_tokens is true.
//
// A Tokenizer is immutable after load and safe to use from many threads; copies share state.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::tokenizer {

class Tokenizer {
 public:
  // path: a directory holding tokenizer.json and optionally tokenizer_config.json (and
  // chat_template.jinja), or the path of a tokenizer.json (its directory is searched for the
  // others). Throws std::runtime_error naming the file and the field or type on any problem, e.g.
  // "…/tokenizer.json: model.type 'Unigram' is not supported".
  static Tokenizer load(const std::string& path);

  // The same from JSON text already in memory; `name` stands in for the file name in errors.
  static Tokenizer from_json_text(std::string_view tokenizer_json, std::string_view config_json = {},
                                  const std::string& name = "tokenizer.json");

  // = tokenizers' Tokenizer.encode(text, add_special_tokens=...).ids. Invalid UTF-8 in text is first
  // replaced the way Python's bytes.decode("utf-8", "replace") does.
  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens = true) const;

  // What transformers 4.x LlamaTokenizerFast returns with add_special_tokens=True: encode(text,
  // false) with BOS in front when tokenizer_config.json's add_bos_token is true and EOS at the end
  // when add_eos_token is true. For DeepSeek-V3 this is [0] + encode(text, false), while
  // tokenizers (and transformers 5) give encode(text, true) == encode(text, false).
  std::vector<int64_t> encode_with_config_specials(std::string_view text) const;

  // = tokenizers' Tokenizer.decode(ids, skip_special_tokens=...). Ids outside the vocabulary are
  // ignored, as tokenizers ignores them; invalid UTF-8 becomes U+FFFD exactly where HF puts it.
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const;

  // = tokenizers' id_to_token (the raw token string, e.g. "Ġthe"); "" for an unknown id (HF: None).
  // For an added token with normalized=true that is its normalized form, as in tokenizers 0.23.
  std::string id_to_token(int64_t id) const;
  std::optional<int64_t> token_to_id(std::string_view token) const;
  // = get_vocab_size(with_added_tokens=True): distinct token strings of model and added tokens.
  int64_t vocab_size() const;
  // True for ids of added tokens marked special (the ones decode(..., true) drops).
  bool is_special(int64_t id) const;

  // From tokenizer_config.json (nullopt / false / "" when absent or when there is no such file).
  std::optional<int64_t> bos_id() const;
  std::optional<int64_t> eos_id() const;
  std::optional<int64_t> pad_id() const;
  bool add_bos() const;
  bool add_eos() const;
  const std::string& chat_template() const;

  // For tests: encode with the ICU regex engine for every pattern and without the word cache, the
  // slow but obviously faithful path the fast one is compared with.
  std::vector<int64_t> encode_reference(std::string_view text, bool add_special_tokens = true) const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace engram::tokenizer
