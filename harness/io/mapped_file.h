#pragma once
// A read-only view of a whole file through mmap (private, copy-on-write), or of bytes in memory.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace engram::io {

class MappedFile {
 public:
  // Throws std::runtime_error naming the path when it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> map(const std::string& path);
  static std::shared_ptr<const MappedFile> hold(std::string bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  MappedFile() = default;
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::string owned_;
};

}  // namespace engram::io
