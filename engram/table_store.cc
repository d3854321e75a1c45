#include "engram/table_store.h"

#include <stdexcept>

namespace engram {

std::string table_tier_name(TableTier tier) {
  switch (tier) {
    case TableTier::kDevice: return "device";
    case TableTier::kHost: return "host";
    case TableTier::kDisk: return "disk";
  }
  return "unknown";
}

TableTier parse_table_tier(const std::string& name) {
  if (name == "device") return TableTier::kDevice;
  if (name == "host") return TableTier::kHost;
  if (name == "disk") return TableTier::kDisk;
  throw std::invalid_argument("unknown Engram table tier '" + name + "' (choose device, host or disk)");
}

}  // namespace engram
