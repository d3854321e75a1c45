#pragma once
// The Engram table file: the disk tier's copy of every Engram layer's
// multi_head_embedding.embedding.weight, memory-mapped and read row by row.
//
// Layout (little-endian):
//   magic "ENGRMTBL" | u32 version (1) | u32 dtype | u32 layer count | u32 reserved (0) | u64 chunk rows
//   per layer: u64 layer id, rows, dim, heads | u64 head offsets[heads] | u64 data offset
//              | u64 chunk checksums[ceil(rows / chunk rows)]
//   u64 header checksum (of every byte before it)
//   each layer's rows, row-major, starting at its data offset (4096-aligned so rows map on page
//   boundaries and a cold read touches only the pages it needs)
// Checksums are checksum64 below. The header is always verified; the row chunks on request, since
// that reads the whole file (and would warm the page cache a cold-read benchmark wants empty).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace engram {

enum class TableDtype : uint32_t { kFloat32 = 1, kBFloat16 = 2, kFloat16 = 3 };

std::size_t table_dtype_size(TableDtype dtype);
std::string table_dtype_name(TableDtype dtype);

// One Engram layer's table: rows = the sum of its heads' table sizes; head h owns rows
// [head_offsets[h], head_offsets[h + 1]).
struct TableLayout {
  int64_t layer_id = 0;
  int64_t rows = 0;
  int64_t dim = 0;
  std::vector<int64_t> head_offsets;
};

inline constexpr int64_t kDefaultChunkRows = 4096;
inline constexpr uint32_t kTableFileVersion = 1;

// A 64-bit checksum that can be fed in pieces (the digest does not depend on how data is split).
class Checksum64 {
 public:
  void update(const void* data, std::size_t bytes);
  uint64_t digest() const;

 private:
  void mix_word(uint64_t word);
  uint64_t state_ = 0x6a09e667f3bcc909ULL;
  uint64_t length_ = 0;
  uint8_t tail_[8] = {};
  std::size_t tail_bytes_ = 0;
};

uint64_t checksum64(const void* data, std::size_t bytes);

// Streams tables into `path`: written to a temporary file beside it and renamed by commit(), so a
// crash never leaves a partial table under the real name.
class TableFileWriter {
 public:
  TableFileWriter(std::string path, TableDtype dtype, std::vector<TableLayout> layers,
                  int64_t chunk_rows = kDefaultChunkRows);
  ~TableFileWriter();  // removes the temporary file unless commit() succeeded
  TableFileWriter(const TableFileWriter&) = delete;
  TableFileWriter& operator=(const TableFileWriter&) = delete;

  // The next `rows` rows (rows * dim elements, row-major), filling the layers in the order given.
  void append_rows(const void* data, int64_t rows);
  // Throws naming the layer when rows are missing.
  void commit();

 private:
  void write_at(uint64_t offset, const void* data, std::size_t bytes);

  std::string path_, temporary_;
  TableDtype dtype_;
  std::vector<TableLayout> layers_;
  int64_t chunk_rows_;
  int fd_ = -1;
  std::vector<uint64_t> data_offsets_;
  std::vector<std::vector<uint64_t>> chunk_checksums_;
  uint64_t bytes_since_drop_ = 0;  // written since the page cache was last told to drop them
  std::size_t current_layer_ = 0;
  int64_t rows_written_ = 0;  // within the current layer
  Checksum64 chunk_;
  bool committed_ = false;
};

// Writes whole tables at once: data[i] holds layers[i].rows * dim elements.
void write_table_file(const std::string& path, TableDtype dtype, const std::vector<TableLayout>& layers,
                      const std::vector<const void*>& data, int64_t chunk_rows = kDefaultChunkRows);

class TableFile {
 public:
  // Maps the file and checks its header; verify_rows also checks every row chunk. Every error is a
  // std::runtime_error naming the file and the field.
  static std::shared_ptr<const TableFile> open(const std::string& path, bool verify_rows = true);
  ~TableFile();
  TableFile(const TableFile&) = delete;
  TableFile& operator=(const TableFile&) = delete;

  const std::string& path() const { return path_; }
  TableDtype dtype() const { return dtype_; }
  int64_t chunk_rows() const { return chunk_rows_; }
  std::size_t file_bytes() const { return size_; }
  const std::vector<TableLayout>& layers() const { return layers_; }
  const TableLayout& layer(int64_t layer_id) const;
  // The first byte of the layer's rows in the mapping.
  const uint8_t* rows(int64_t layer_id) const;
  // For reading rows with pread instead (the disk tier: no mapped pages count toward resident memory).
  int descriptor() const { return fd_; }
  uint64_t data_offset(int64_t layer_id) const;

  // Throws naming the file, the layer and the field where the file differs from what a model expects.
  void expect(TableDtype dtype, const std::vector<TableLayout>& expected) const;
  void verify_rows() const;
  // Drops this mapping's pages and asks the kernel to evict the file from the page cache, so that
  // the next reads come from the storage device (a cold read). Pages other processes map stay.
  void drop_cached_pages() const;

 private:
  TableFile() = default;
  std::size_t layer_index(int64_t layer_id) const;

  std::string path_;
  int fd_ = -1;
  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  TableDtype dtype_ = TableDtype::kFloat32;
  int64_t chunk_rows_ = 0;
  std::vector<TableLayout> layers_;
  std::vector<uint64_t> data_offsets_;
  std::vector<std::vector<uint64_t>> chunk_checksums_;
};

}  // namespace engram
