#include "tasks/ruler/qa_data.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tasks/data_dir.h"
#include "tasks/data_error.h"
#include "tasks/ruler/ruler_sources.h"
#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks::ruler {
namespace {

using nlohmann::json;

json parse(const std::string& text, const std::string& name) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw DataError(name, line_of_offset(text, e.byte), json_error_reason(e.what()));
  }
}

const json& field(const json& object, const char* key, const std::string& name, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) throw DataError(name, 0, "missing", where + key);
  return object[key];
}

std::string string_field(const json& object, const char* key, const std::string& name, const std::string& where) {
  const auto& value = field(object, key, name, where);
  if (!value.is_string()) throw DataError(name, 0, "expected a string", where + key);
  return value.get<std::string>();
}

// The sorted set of documents and each document's index in it.
std::map<std::string, size_t> index_documents(std::vector<std::string> all, QaData& data) {
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < all.size(); ++i) index.emplace(all[i], i);
  data.docs = std::move(all);
  return index;
}

}  // namespace

std::filesystem::path qa_data_path(const std::filesystem::path& data_dir, const std::string& dataset) {
  return ruler_data_dir(data_dir) / "json" / (dataset + ".json");
}

std::string qa_how_to_get(const std::string& dataset) {
  if (dataset == "squad") {
    return "qa_1 reads SQuAD v2.0 dev: download https://rajpurkar.github.io/SQuAD-explorer/dataset/dev-v2.0.json "
           "and save it as ruler/json/squad.json under the data dir (RULER's download_qa_dataset.sh does the same).";
  }
  return "qa_2 reads HotpotQA dev distractor: download "
         "http://curtis.ml.cmu.edu/datasets/hotpot/hotpot_dev_distractor_v1.json and save it as "
         "ruler/json/hotpotqa.json under the data dir (RULER's download_qa_dataset.sh does the same).";
}

QaData parse_squad(const std::string& text, const std::string& name) {
  const json doc = parse(text, name);
  const auto& articles = field(doc, "data", name, "");
  if (!articles.is_array()) throw DataError(name, 0, "expected an array", "data");
  std::vector<std::string> all;
  for (size_t a = 0; a < articles.size(); ++a) {
    const std::string where = "data[" + std::to_string(a) + "].";
    const auto& paragraphs = field(articles[a], "paragraphs", name, where);
    if (!paragraphs.is_array()) throw DataError(name, 0, "expected an array", where + "paragraphs");
    for (size_t p = 0; p < paragraphs.size(); ++p) {
      all.push_back(string_field(paragraphs[p], "context", name, where + "paragraphs[" + std::to_string(p) + "]."));
    }
  }
  QaData data;
  data.dataset = "squad";
  const auto index = index_documents(std::move(all), data);
  for (size_t a = 0; a < articles.size(); ++a) {
    const auto& paragraphs = articles[a]["paragraphs"];
    std::vector<size_t> article_docs;
    for (const auto& p : paragraphs) article_docs.push_back(index.at(p["context"].get<std::string>()));
    for (size_t p = 0; p < paragraphs.size(); ++p) {
      const std::string where = "data[" + std::to_string(a) + "].paragraphs[" + std::to_string(p) + "].";
      const size_t gold = article_docs[p];
      const auto& qas = field(paragraphs[p], "qas", name, where);
      if (!qas.is_array()) throw DataError(name, 0, "expected an array", where + "qas");
      for (size_t q = 0; q < qas.size(); ++q) {
        const std::string qwhere = where + "qas[" + std::to_string(q) + "].";
        const auto& impossible = field(qas[q], "is_impossible", name, qwhere);
        if (!impossible.is_boolean()) throw DataError(name, 0, "expected true or false", qwhere + "is_impossible");
        if (impossible.get<bool>()) continue;
        QaQuestion question;
        question.query = string_field(qas[q], "question", name, qwhere);
        const auto& answers = field(qas[q], "answers", name, qwhere);
        if (!answers.is_array() || answers.empty()) throw DataError(name, 0, "expected a non-empty array", qwhere + "answers");
        for (size_t i = 0; i < answers.size(); ++i) {
          question.answers.push_back(string_field(answers[i], "text", name, qwhere + "answers[" + std::to_string(i) + "]."));
        }
        question.gold_docs = {gold};
        for (size_t d : article_docs) {
          if (d != gold) question.more_docs.push_back(d);
        }
        data.questions.push_back(std::move(question));
      }
    }
  }
  return data;
}

QaData parse_hotpotqa(const std::string& text, const std::string& name) {
  const json doc = parse(text, name);
  if (!doc.is_array()) throw DataError(name, 0, "expected a JSON array of questions");
  auto document = [&](const json& entry, const std::string& where) {
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_array()) {
      throw DataError(name, 0, "expected [title, [sentences]]", where);
    }
    std::string out = entry[0].get<std::string>() + "\n";
    for (const auto& s : entry[1]) {
      if (!s.is_string()) throw DataError(name, 0, "expected sentence strings", where);
      out += s.get<std::string>();
    }
    return out;
  };
  std::vector<std::string> all;
  for (size_t q = 0; q < doc.size(); ++q) {
    const std::string where = "[" + std::to_string(q) + "].";
    const auto& context = field(doc[q], "context", name, where);
    if (!context.is_array()) throw DataError(name, 0, "expected an array", where + "context");
    for (size_t c = 0; c < context.size(); ++c) all.push_back(document(context[c], where + "context[" + std::to_string(c) + "]"));
  }
  QaData data;
  data.dataset = "hotpotqa";
  const auto index = index_documents(std::move(all), data);
  for (size_t q = 0; q < doc.size(); ++q) {
    const std::string where = "[" + std::to_string(q) + "].";
    QaQuestion question;
    question.query = string_field(doc[q], "question", name, where);
    question.answers = {string_field(doc[q], "answer", name, where)};
    for (const auto& c : doc[q]["context"]) question.gold_docs.push_back(index.at(document(c, where + "context")));
    data.questions.push_back(std::move(question));
  }
  return data;
}

QaData load_qa_data(const std::filesystem::path& data_dir, const std::string& dataset) {
  const auto path = qa_data_path(data_dir, dataset);
  require_files(dataset == "squad" ? "RULER qa_1" : "RULER qa_2", data_dir, {path}, qa_how_to_get(dataset));
  const std::string text = read_text_file(path);
  QaData data = dataset == "squad" ? parse_squad(text, path.string()) : parse_hotpotqa(text, path.string());
  data.path = path;
  data.sha256 = sha256_hex(text);
  if (data.questions.empty()) throw DataError(path.string(), 0, "no usable questions");
  return data;
}

}  // namespace engram::tasks::ruler
