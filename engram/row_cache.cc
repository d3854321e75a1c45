#include "engram/row_cache.h"

#include <stdexcept>
#include <string>

namespace engram {

ClockRowCache::ClockRowCache(int64_t capacity) {
  if (capacity < 0) throw std::invalid_argument("row cache capacity must be >= 0, got " + std::to_string(capacity));
  const auto slots = static_cast<std::size_t>(capacity);
  slot_rows_.assign(slots, -1);
  referenced_.assign(slots, 0);
  used_in_step_.assign(slots, 0);
  row_slots_.reserve(slots);
}

int64_t ClockRowCache::find(int64_t row) {
  const auto it = row_slots_.find(row);
  if (it == row_slots_.end()) return -1;
  const auto slot = static_cast<std::size_t>(it->second);
  referenced_[slot] = 1;
  used_in_step_[slot] = step_;
  return it->second;
}

int64_t ClockRowCache::take_victim() {
  const int64_t slots = capacity();
  // Two sweeps suffice: the first clears every reference bit it passes, so the second finds a clear
  // slot unless all of them are in use this step.
  for (int64_t visited = 0; visited < 2 * slots; ++visited) {
    const auto slot = static_cast<std::size_t>(hand_);
    hand_ = (hand_ + 1) % slots;
    if (used_in_step_[slot] == step_) continue;
    if (referenced_[slot]) {
      referenced_[slot] = 0;
      continue;
    }
    return static_cast<int64_t>(slot);
  }
  return -1;
}

std::vector<int64_t> ClockRowCache::admit(const std::vector<int64_t>& rows) {
  std::vector<int64_t> slots(rows.size(), -1);
  if (capacity() == 0) return slots;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto existing = row_slots_.find(rows[i]);
    if (existing != row_slots_.end()) {
      slots[i] = existing->second;
      continue;
    }
    const int64_t slot = take_victim();
    if (slot < 0) break;  // the rest cannot be placed either
    const auto index = static_cast<std::size_t>(slot);
    if (slot_rows_[index] >= 0) row_slots_.erase(slot_rows_[index]);
    slot_rows_[index] = rows[i];
    row_slots_[rows[i]] = slot;
    // A new row starts unreferenced: it must be hit again to survive the next sweep, which keeps
    // one-off rows of the long tail from pushing out the hot ones.
    referenced_[index] = 0;
    used_in_step_[index] = step_;
    slots[i] = slot;
  }
  return slots;
}

}  // namespace engram
