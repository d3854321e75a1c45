#include "harness/io/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace engram::io {
namespace {

namespace fs = std::filesystem;

constexpr const char* kIndexName = "model.safetensors.index.json";

fs::path resolve(const fs::path& path) {
  if (!fs::exists(path)) throw std::runtime_error(path.string() + ": no such file or directory");
  if (!fs::is_directory(path)) return path;
  if (fs::exists(path / kIndexName)) return path / kIndexName;
  if (fs::exists(path / "model.safetensors")) return path / "model.safetensors";
  std::vector<fs::path> candidates;
  for (const auto& item : fs::directory_iterator(path)) {
    if (item.path().extension() == ".safetensors") candidates.push_back(item.path());
  }
  if (candidates.size() == 1) return candidates.front();
  throw std::runtime_error(path.string() + ": expected " + kIndexName + ", model.safetensors or a single *.safetensors file, found " +
                           std::to_string(candidates.size()) + " safetensors files");
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& path_text) {
  const fs::path path = resolve(path_text);
  Checkpoint checkpoint;
  if (path.extension() != ".json") {
    checkpoint.files_.push_back(path.string());
    checkpoint.shards_.push_back(SafetensorsReader::open(path.string()));
    for (const auto& entry : checkpoint.shards_.back().header().entries) checkpoint.location_[entry.name] = 0;
    checkpoint.metadata_ = checkpoint.shards_.back().header().metadata;
    return checkpoint;
  }
  nlohmann::json index;
  try {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open");
    index = nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": cannot read the shard index: " + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw std::runtime_error(path.string() + ": field 'weight_map' is missing or not an object");
  }
  if (index.contains("metadata") && index["metadata"].is_object()) {
    for (auto it = index["metadata"].begin(); it != index["metadata"].end(); ++it) {
      checkpoint.metadata_[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
    }
  }
  std::map<std::string, std::size_t> shard_of_file;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
    if (!it->is_string()) throw std::runtime_error(path.string() + ": field 'weight_map." + it.key() + "' is not a file name");
    const std::string file = it->get<std::string>();
    if (fs::path(file).is_absolute() || file.find("..") != std::string::npos) {
      throw std::runtime_error(path.string() + ": field 'weight_map." + it.key() + "' names a file outside the checkpoint: " + file);
    }
    auto [shard, inserted] = shard_of_file.emplace(file, checkpoint.shards_.size());
    if (inserted) {
      const std::string shard_path = (path.parent_path() / file).string();
      checkpoint.files_.push_back(shard_path);
      checkpoint.shards_.push_back(SafetensorsReader::open(shard_path));
    }
    if (!checkpoint.shards_[shard->second].contains(it.key())) {
      throw std::runtime_error(path.string() + ": field 'weight_map." + it.key() + "' points to " + file +
                               ", which has no such tensor");
    }
    checkpoint.location_[it.key()] = shard->second;
  }
  return checkpoint;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, shard] : location_) out.push_back(name);
  return out;
}

const SafetensorsEntry& Checkpoint::entry(const std::string& name) const {
  const auto it = location_.find(name);
  if (it == location_.end()) throw std::runtime_error("checkpoint has no tensor named '" + name + "'");
  return *shards_[it->second].header().find(name);
}

at::Tensor Checkpoint::tensor(const std::string& name) const {
  const auto it = location_.find(name);
  if (it == location_.end()) throw std::runtime_error("checkpoint has no tensor named '" + name + "'");
  return shards_[it->second].tensor(name);
}

}  // namespace engram::io
