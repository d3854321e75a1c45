#pragma once
// The index of a hot-row cache: which table rows occupy which of `capacity` slots, with CLOCK
// replacement (a reference bit per slot, a hand that clears bits until it finds a clear one).
// N-gram lookups are Zipfian (paper 2.5), so a small cache on the faster tier catches the head.
// The storage the slots index lives with the table store; this class only decides placement.
// Not thread-safe: one table store calls it for one layer, one step at a time.

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace engram {

class ClockRowCache {
 public:
  explicit ClockRowCache(int64_t capacity);

  int64_t capacity() const { return static_cast<int64_t>(slot_rows_.size()); }
  int64_t size() const { return static_cast<int64_t>(row_slots_.size()); }

  // Starts a step: slots hit or filled during a step are never evicted in the same step, because
  // the step's gather still reads them.
  void begin_step() { ++step_; }
  // The slot holding `row`, or -1. A hit marks the slot recently used.
  int64_t find(int64_t row);
  // Places rows that missed; returns one slot per row, -1 where every slot is in use this step.
  // A row already cached keeps its slot.
  std::vector<int64_t> admit(const std::vector<int64_t>& rows);

 private:
  int64_t take_victim();

  std::vector<int64_t> slot_rows_;   // -1 when empty
  std::vector<uint8_t> referenced_;
  std::vector<uint64_t> used_in_step_;
  std::unordered_map<int64_t, int64_t> row_slots_;
  int64_t hand_ = 0;
  uint64_t step_ = 1;
};

}  // namespace engram
