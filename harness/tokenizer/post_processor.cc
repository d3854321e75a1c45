#include "harness/tokenizer/post_processor.h"

namespace engram::tokenizer {

namespace {

class NoOpProcessor final : public PostProcessor {
 public:
  void process(std::vector<int64_t>&, bool) const override {}
};

// The single-sequence template as a list of pieces: the sequence itself (-1 marker) or fixed ids.
class TemplateProcessor final : public PostProcessor {
 public:
  explicit TemplateProcessor(std::vector<std::vector<int64_t>> pieces) : pieces_(std::move(pieces)) {}
  void process(std::vector<int64_t>& ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    std::vector<int64_t> out;
    out.reserve(ids.size() + 8);
    for (const auto& p : pieces_) {
      if (p.empty()) {
        out.insert(out.end(), ids.begin(), ids.end());
      } else {
        out.insert(out.end(), p.begin(), p.end());
      }
    }
    ids.swap(out);
  }

 private:
  std::vector<std::vector<int64_t>> pieces_;  // empty vector = the sequence
};

class SequenceProcessor final : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  void process(std::vector<int64_t>& ids, bool add_special_tokens) const override {
    for (const auto& s : steps_) s->process(ids, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

std::unique_ptr<PostProcessor> make_template(const json& j, const std::string& where) {
  const json& single = required(j, "single", where);
  const std::string single_where = join_field(where, "single");
  if (!single.is_array()) fail_field(single_where, "must be an array");
  const json& specials = required(j, "special_tokens", where);
  const std::string specials_where = join_field(where, "special_tokens");
  std::vector<std::vector<int64_t>> pieces;
  for (size_t i = 0; i < single.size(); ++i) {
    const json& item = single[i];
    const std::string w = index_field(single_where, i);
    if (const json* seq = optional_member(item, "Sequence")) {
      const std::string id = required_string(*seq, "id", join_field(w, "Sequence"));
      if (id != "A") fail_field(join_field(w, "Sequence.id"), "'" + id + "' cannot appear in a single-sequence template");
      pieces.emplace_back();
    } else if (const json* sp = optional_member(item, "SpecialToken")) {
      const std::string name = required_string(*sp, "id", join_field(w, "SpecialToken"));
      const json* entry = specials.is_object() ? optional_member(specials, name) : nullptr;
      if (!entry) fail_field(specials_where, "has no entry for '" + name + "'");
      const json& ids = required(*entry, "ids", join_field(specials_where, name));
      if (!ids.is_array() || ids.empty()) fail_field(join_field(specials_where, name + ".ids"), "must be a non-empty array");
      std::vector<int64_t> v;
      for (const json& id : ids) {
        if (!id.is_number_integer()) fail_field(join_field(specials_where, name + ".ids"), "must hold integers");
        v.push_back(id.get<int64_t>());
      }
      pieces.push_back(std::move(v));
    } else {
      fail_field(w, "must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
  }
  return std::make_unique<TemplateProcessor>(std::move(pieces));
}

// BertProcessing / RobertaProcessing: [cls] A [sep] for one sequence; "cls"/"sep" are [token, id].
std::unique_ptr<PostProcessor> make_cls_sep(const json& j, const std::string& where) {
  auto id_of = [&](const char* key) {
    const json& v = required(j, key, where);
    if (!v.is_array() || v.size() != 2 || !v[1].is_number_integer())
      fail_field(join_field(where, key), "must be [token, id]");
    return v[1].get<int64_t>();
  };
  const int64_t cls = id_of("cls"), sep = id_of("sep");
  return std::make_unique<TemplateProcessor>(std::vector<std::vector<int64_t>>{{cls}, {}, {sep}});
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = type_of(j, where);
  if (type == "ByteLevel") return std::make_unique<NoOpProcessor>();  // it only trims offsets
  if (type == "TemplateProcessing") return make_template(j, where);
  if (type == "BertProcessing" || type == "RobertaProcessing") return make_cls_sep(j, where);
  if (type == "Sequence") {
    const json& list = required(j, "processors", where);
    const std::string list_where = join_field(where, "processors");
    if (!list.is_array()) fail_field(list_where, "must be an array");
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = make_post_processor(list[i], index_field(list_where, i));
      if (step) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceProcessor>(std::move(steps));
  }
  unsupported_type(where, type);
}

}  // namespace engram::tokenizer
