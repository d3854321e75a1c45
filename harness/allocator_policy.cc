#include "harness/allocator_policy.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

extern char** environ;

namespace engram::harness {

bool keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "MALLOC_", 7) == 0) return false;
  }
  // 32 MiB is glibc's largest mmap threshold on 64-bit; larger blocks (weights) still get their own
  // mappings, which are allocated once.
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 &&
         mallopt(M_TOP_PAD, 64 << 20) == 1;
#else
  return false;
#endif
}

}  // namespace engram::harness
