// CI's regression run of the safetensors and GGUF fuzz corpora (tests/fuzz/corpus, grown by scripts/fuzz.sh):
// every input is either accepted with in-bounds ranges or rejected with a runtime_error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_support.h"
#include "tests/fuzz/gguf_header_target.h"
#include "tests/fuzz/safetensors_header_target.h"

namespace engram {
namespace {

// Every input of tests/fuzz/corpus/<name> through `one`: the count of inputs and of those accepted.
template <typename Target>
void replay(const std::string& name, Target one) {
  const auto dir = testing::source_dir() / "tests/fuzz/corpus" / name;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int inputs = 0, accepted = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(item.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    accepted += one(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++inputs;
  }
  EXPECT_GE(inputs, 50) << "the corpus should hold the seeds and what fuzzing found";
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, inputs);
}

TEST(FuzzCorpus, SafetensorsHeaderInputsNeverCrash) { replay("safetensors_header", fuzz::safetensors_header_one); }

TEST(FuzzCorpus, GgufHeaderInputsNeverCrash) { replay("gguf_header", fuzz::gguf_header_one); }

}  // namespace
}  // namespace engram
