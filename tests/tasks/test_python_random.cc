// CPython's random.Random and numpy's legacy RandomState ported for RULER: every call of
// tests/data/python_random_cases.json (written by CPython and numpy themselves, see
// scripts/gen_python_random_cases.py) replayed in order on one stream per seed.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tasks/ruler/numpy_legacy_random.h"
#include "tasks/ruler/python_random.h"

namespace engram::tasks::ruler {
namespace {

const nlohmann::json& cases() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(ENGRAM_SOURCE_DIR) + "/tests/data/python_random_cases.json");
    EXPECT_TRUE(in) << "missing tests/data/python_random_cases.json";
    return nlohmann::json::parse(in);
  }();
  return doc;
}

std::string hex_of(const std::vector<uint32_t>& words) {
  std::string out;
  for (size_t i = words.size(); i-- > 0;) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", words[i]);
    out += buf;
  }
  const size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? "0" : out.substr(first);
}

std::vector<size_t> shuffled_range(PythonRandom& random, size_t n) {
  std::vector<size_t> items(n);
  for (size_t i = 0; i < n; ++i) items[i] = i;
  random.shuffle(items);
  return items;
}

// Our answer to one recorded call, as JSON comparable with CPython's result.
nlohmann::json replay(PythonRandom& random, const nlohmann::json& call) {
  const std::string op = call.at("op");
  const auto& a = call.at("args");
  if (op == "random") return random.random();
  if (op == "getrandbits") return random.getrandbits(a[0].get<int>());
  if (op == "getrandbits_hex") return hex_of(random.getrandbits_words(a[0].get<int>()));
  if (op == "uuid4") return python_uuid4(random);
  if (op == "randint") return random.randint(a[0].get<int64_t>(), a[1].get<int64_t>());
  if (op == "randbelow") return random.randbelow(a[0].get<uint64_t>());
  if (op == "choice") return random.randbelow(a[0].get<uint64_t>());  // choice(range(n)) is range[_randbelow(n)]
  if (op == "choices_index") {
    nlohmann::json out = nlohmann::json::array();
    for (int i = 0; i < 4; ++i) out.push_back(random.choices_index(a[0].get<size_t>()));
    return out;
  }
  if (op == "sample") return random.sample_indices(a[0].get<size_t>(), a[1].get<size_t>());
  if (op == "shuffle") return shuffled_range(random, a[0].get<size_t>());
  ADD_FAILURE() << "unknown op " << op;
  return nullptr;
}

TEST(PythonRandom, ReplaysCPythonCallByCall) {
  size_t checked = 0;
  for (const auto& stream : cases().at("python_random")) {
    PythonRandom random(stream.at("seed").get<uint64_t>());
    for (const auto& call : stream.at("calls")) {
      const nlohmann::json ours = replay(random, call);
      ASSERT_EQ(ours, call.at("result")) << "seed " << stream.at("seed") << ", " << call.at("op") << call.at("args");
      ++checked;
    }
  }
  EXPECT_GE(checked, 200u);
}

TEST(PythonRandom, DoublesAreBitIdentical) {
  PythonRandom random(cases().at("python_random")[2].at("seed").get<uint64_t>());
  const double expected = cases().at("python_random")[2].at("calls")[0].at("result").get<double>();
  const double ours = random.random();
  EXPECT_EQ(std::memcmp(&ours, &expected, sizeof ours), 0);
}

TEST(NumpyLegacyRandom, ReplaysNumpyRandint) {
  size_t checked = 0;
  for (const auto& stream : cases().at("numpy_legacy")) {
    NumpyLegacyRandom random(stream.at("seed").get<uint32_t>());
    for (const auto& call : stream.at("calls")) {
      const auto& a = call.at("args");
      ASSERT_EQ(random.randint(a[0].get<int64_t>(), a[1].get<int64_t>()), call.at("result").get<int64_t>())
          << "seed " << stream.at("seed") << " randint" << a;
      ++checked;
    }
  }
  EXPECT_GE(checked, 40u);
}

TEST(PythonRandom, RejectsImpossibleCalls) {
  PythonRandom random(1);
  EXPECT_THROW(random.randbelow(0), std::invalid_argument);
  EXPECT_THROW(random.sample_indices(3, 4), std::invalid_argument);
  EXPECT_THROW(random.randrange(5, 5), std::invalid_argument);
  NumpyLegacyRandom numpy(1);
  EXPECT_THROW(numpy.randint(0, int64_t{1} << 40), std::invalid_argument);
}

}  // namespace
}  // namespace engram::tasks::ruler
