#include "tests/fuzz/gguf_header_target.h"

#include <stdexcept>

#include "harness/io/gguf_header.h"

namespace engram::fuzz {
namespace {

std::size_t walk(const io::GgufValue& value) {
  std::size_t n = 1 + value.string_value.size();
  for (const auto& element : value.elements) n += walk(element);
  return n;
}

}  // namespace

int gguf_header_one(const uint8_t* data, std::size_t size) {
  io::GgufHeader header;
  try {
    header = io::parse_gguf_header(data, size, "fuzz-input");
    // The typed reads the loaders use must also fail only with runtime_error.
    for (const auto& [key, value] : header.metadata) {
      if (value.is_integer()) (void)header.integer(key);
      if (value.is_number()) (void)header.number(key);
      (void)walk(value);
    }
  } catch (const std::runtime_error&) {
    return 0;
  }
  // Read every byte the header claims, so ASan sees any range the checks let through.
  volatile uint8_t sink = 0;
  for (const auto& t : header.tensors) {
    if (header.data_offset + t.offset + t.bytes > size) __builtin_trap();
    if (t.offset % header.alignment != 0) __builtin_trap();
    for (uint64_t i = 0; i < t.bytes; ++i) sink = sink ^ data[header.data_offset + t.offset + i];
  }
  (void)sink;
  return 1;
}

}  // namespace engram::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size);
#ifdef ENGRAM_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  engram::fuzz::gguf_header_one(data, size);
  return 0;
}
#endif
