#include "tests/fuzz/safetensors_header_target.h"

#include <stdexcept>

#include "harness/io/safetensors_header.h"

namespace engram::fuzz {

int safetensors_header_one(const uint8_t* data, std::size_t size) {
  io::SafetensorsHeader header;
  try {
    header = io::parse_safetensors_header(data, size, "fuzz-input");
  } catch (const std::runtime_error&) {
    return 0;
  }
  // Read every byte the header claims, so ASan sees any range the checks let through.
  volatile uint8_t sink = 0;
  for (const auto& entry : header.entries) {
    if (header.data_offset + entry.end > size) __builtin_trap();
    if (entry.numel() * entry.dtype.bytes != entry.end - entry.begin) __builtin_trap();
    for (uint64_t i = entry.begin; i < entry.end; ++i) sink = sink ^ data[header.data_offset + i];
  }
  (void)sink;
  return 1;
}

}  // namespace engram::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size);
#ifdef ENGRAM_LIBFUZZER
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  engram::fuzz::safetensors_header_one(data, size);
  return 0;
}
#endif
