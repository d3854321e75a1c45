#pragma once
// The GGUF header fuzz target, shared by the libFuzzer binary (scripts/fuzz.sh gguf) and the corpus
// regression test that CI runs: any input must either parse into tensor ranges that lie inside the
// buffer, or be rejected with std::runtime_error. Anything else (a crash, another exception, an
// out-of-bounds read under ASan, unbounded allocation) is a bug.

#include <cstddef>
#include <cstdint>

namespace engram::fuzz {

// Returns 1 when the input parsed, 0 when it was rejected.
int gguf_header_one(const uint8_t* data, std::size_t size);

}  // namespace engram::fuzz
