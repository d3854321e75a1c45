#include "engram/table_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace engram {
namespace {

constexpr char kMagic[8] = {'E', 'N', 'G', 'R', 'M', 'T', 'B', 'L'};
constexpr uint64_t kAlignment = 4096;
// Limits that only a corrupt header exceeds; they keep a bad count from allocating gigabytes.
constexpr uint64_t kMaxLayers = 1024;
constexpr uint64_t kMaxHeads = 4096;
// A table larger than memory is written through the page cache; flushing and dropping what was
// written every so often keeps the writer from filling the machine's memory with dirty pages.
constexpr uint64_t kDropWrittenEvery = uint64_t{256} << 20;

uint64_t align_up(uint64_t x) { return (x + kAlignment - 1) / kAlignment * kAlignment; }

uint64_t rotate_left(uint64_t x, int bits) { return (x << bits) | (x >> (64 - bits)); }

std::runtime_error file_error(const std::string& path, const std::string& field, const std::string& message) {
  return std::runtime_error(path + ": field '" + field + "': " + message);
}

bool valid_dtype(uint32_t code) { return code >= 1 && code <= 3; }

uint64_t chunk_count(int64_t rows, int64_t chunk_rows) {
  return static_cast<uint64_t>((rows + chunk_rows - 1) / chunk_rows);
}

uint64_t header_bytes(const std::vector<TableLayout>& layers, int64_t chunk_rows) {
  uint64_t bytes = sizeof(kMagic) + 4 * sizeof(uint32_t) + sizeof(uint64_t);
  for (const TableLayout& layer : layers) {
    bytes += 4 * sizeof(uint64_t) + layer.head_offsets.size() * sizeof(uint64_t) + sizeof(uint64_t) +
             chunk_count(layer.rows, chunk_rows) * sizeof(uint64_t);
  }
  return bytes + sizeof(uint64_t);
}

void validate_layout(const std::string& path, const TableLayout& layer, const std::string& prefix) {
  if (layer.rows <= 0) throw file_error(path, prefix + ".rows", "must be positive, got " + std::to_string(layer.rows));
  if (layer.dim <= 0) throw file_error(path, prefix + ".dim", "must be positive, got " + std::to_string(layer.dim));
  if (layer.head_offsets.empty() || layer.head_offsets.size() > kMaxHeads) {
    throw file_error(path, prefix + ".heads", "must be in 1.." + std::to_string(kMaxHeads) + ", got " +
                                                  std::to_string(layer.head_offsets.size()));
  }
  for (std::size_t h = 0; h < layer.head_offsets.size(); ++h) {
    const int64_t offset = layer.head_offsets[h];
    const int64_t previous = h == 0 ? -1 : layer.head_offsets[h - 1];
    if ((h == 0 && offset != 0) || (h > 0 && offset <= previous) || offset >= layer.rows) {
      throw file_error(path, prefix + ".head_offsets[" + std::to_string(h) + "]",
                       std::to_string(offset) + " is not an increasing row offset below rows " +
                           std::to_string(layer.rows) + " starting at 0");
    }
  }
}

void append_u32(std::string& out, uint32_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }
void append_u64(std::string& out, uint64_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); }

// Reads the header front to back, naming the field that runs past the end of the file.
class HeaderReader {
 public:
  HeaderReader(const std::string& path, const uint8_t* data, std::size_t size) : path_(path), data_(data), size_(size) {}
  uint32_t u32(const std::string& field) { return read<uint32_t>(field); }
  uint64_t u64(const std::string& field) { return read<uint64_t>(field); }
  std::size_t position() const { return position_; }

 private:
  template <typename T>
  T read(const std::string& field) {
    if (position_ + sizeof(T) > size_) {
      throw file_error(path_, field, "file is truncated: the header needs byte " + std::to_string(position_ + sizeof(T)) +
                                         " but the file has " + std::to_string(size_) + " bytes");
    }
    T value;
    std::memcpy(&value, data_ + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  const std::string& path_;
  const uint8_t* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

// One layer's id, rows, dim and head offsets, each checked before the next is read.
TableLayout read_layout(HeaderReader& header, const std::string& path, const std::string& prefix) {
  TableLayout layer;
  layer.layer_id = static_cast<int64_t>(header.u64(prefix + ".layer_id"));
  const uint64_t rows = header.u64(prefix + ".rows");
  const uint64_t dim = header.u64(prefix + ".dim");
  const uint64_t heads = header.u64(prefix + ".heads");
  if (rows == 0 || rows > (uint64_t{1} << 40)) throw file_error(path, prefix + ".rows", "out of range: " + std::to_string(rows));
  if (dim == 0 || dim > (uint64_t{1} << 20)) throw file_error(path, prefix + ".dim", "out of range: " + std::to_string(dim));
  if (heads == 0 || heads > kMaxHeads) throw file_error(path, prefix + ".heads", "out of range: " + std::to_string(heads));
  layer.rows = static_cast<int64_t>(rows);
  layer.dim = static_cast<int64_t>(dim);
  for (uint64_t h = 0; h < heads; ++h) {
    layer.head_offsets.push_back(static_cast<int64_t>(header.u64(prefix + ".head_offsets[" + std::to_string(h) + "]")));
  }
  validate_layout(path, layer, prefix);
  return layer;
}

}  // namespace

std::size_t table_dtype_size(TableDtype dtype) {
  switch (dtype) {
    case TableDtype::kFloat32: return 4;
    case TableDtype::kBFloat16: return 2;
    case TableDtype::kFloat16: return 2;
  }
  throw std::invalid_argument("unknown table dtype " + std::to_string(static_cast<uint32_t>(dtype)));
}

std::string table_dtype_name(TableDtype dtype) {
  switch (dtype) {
    case TableDtype::kFloat32: return "float32";
    case TableDtype::kBFloat16: return "bfloat16";
    case TableDtype::kFloat16: return "float16";
  }
  return "unknown(" + std::to_string(static_cast<uint32_t>(dtype)) + ")";
}

void Checksum64::mix_word(uint64_t word) {
  state_ = rotate_left(state_ ^ (word * 0x9e3779b97f4a7c15ULL), 29) * 0xbf58476d1ce4e5b9ULL;
}

void Checksum64::update(const void* data, std::size_t bytes) {
  const auto* in = static_cast<const uint8_t*>(data);
  length_ += bytes;
  while (tail_bytes_ > 0 && tail_bytes_ < sizeof tail_ && bytes > 0) {
    tail_[tail_bytes_++] = *in++;
    --bytes;
    if (tail_bytes_ == sizeof tail_) {
      uint64_t word;
      std::memcpy(&word, tail_, 8);
      mix_word(word);
      tail_bytes_ = 0;
    }
  }
  for (; bytes >= 8; bytes -= 8, in += 8) {
    uint64_t word;
    std::memcpy(&word, in, 8);
    mix_word(word);
  }
  std::memcpy(tail_, in, bytes);
  tail_bytes_ = bytes;
}

uint64_t Checksum64::digest() const {
  uint64_t h = state_;
  if (tail_bytes_ > 0) {
    uint64_t word = 0;
    std::memcpy(&word, tail_, tail_bytes_);
    h = rotate_left(h ^ (word * 0x9e3779b97f4a7c15ULL), 29) * 0xbf58476d1ce4e5b9ULL;
  }
  // The length goes in last so that data differing only by trailing zero bytes differs.
  h ^= length_ * 0x94d049bb133111ebULL;
  h ^= h >> 31;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return h;
}

uint64_t checksum64(const void* data, std::size_t bytes) {
  Checksum64 sum;
  sum.update(data, bytes);
  return sum.digest();
}

TableFileWriter::TableFileWriter(std::string path, TableDtype dtype, std::vector<TableLayout> layers,
                                 int64_t chunk_rows)
    : path_(std::move(path)), dtype_(dtype), layers_(std::move(layers)), chunk_rows_(chunk_rows) {
  if (!valid_dtype(static_cast<uint32_t>(dtype_))) throw file_error(path_, "dtype", "unknown dtype");
  if (chunk_rows_ <= 0) throw file_error(path_, "chunk_rows", "must be positive");
  if (layers_.empty() || layers_.size() > kMaxLayers) throw file_error(path_, "layer_count", "must be in 1..1024");
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    validate_layout(path_, layers_[i], "layers[" + std::to_string(i) + "]");
    for (std::size_t j = 0; j < i; ++j) {
      if (layers_[j].layer_id == layers_[i].layer_id) {
        throw file_error(path_, "layers[" + std::to_string(i) + "].layer_id",
                         "layer " + std::to_string(layers_[i].layer_id) + " appears twice");
      }
    }
  }
  uint64_t offset = align_up(header_bytes(layers_, chunk_rows_));
  for (const TableLayout& layer : layers_) {
    data_offsets_.push_back(offset);
    offset = align_up(offset + static_cast<uint64_t>(layer.rows * layer.dim) * table_dtype_size(dtype_));
  }
  chunk_checksums_.resize(layers_.size());
  temporary_ = path_ + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(temporary_ + ": cannot create: " + std::strerror(errno));
}

TableFileWriter::~TableFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

void TableFileWriter::write_at(uint64_t offset, const void* data, std::size_t bytes) {
  const auto* in = static_cast<const uint8_t*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd_, in, bytes, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(temporary_ + ": write failed: " + std::strerror(errno));
    }
    in += n;
    offset += static_cast<uint64_t>(n);
    bytes -= static_cast<std::size_t>(n);
    bytes_since_drop_ += static_cast<uint64_t>(n);
  }
  if (bytes_since_drop_ >= kDropWrittenEvery) {
    bytes_since_drop_ = 0;
    if (::fdatasync(fd_) != 0) throw std::runtime_error(temporary_ + ": flush failed: " + std::strerror(errno));
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);  // advice only: a failure leaves the pages cached
  }
}

void TableFileWriter::append_rows(const void* data, int64_t rows) {
  const auto* in = static_cast<const uint8_t*>(data);
  const std::size_t element = table_dtype_size(dtype_);
  while (rows > 0) {
    if (current_layer_ >= layers_.size()) throw std::runtime_error(path_ + ": more rows appended than the tables hold");
    const TableLayout& layer = layers_[current_layer_];
    const std::size_t row_bytes = static_cast<std::size_t>(layer.dim) * element;
    // Never cross a checksum chunk or a layer in one piece.
    const int64_t chunk_left = chunk_rows_ - rows_written_ % chunk_rows_;
    const int64_t take = std::min({rows, chunk_left, layer.rows - rows_written_});
    const std::size_t bytes = static_cast<std::size_t>(take) * row_bytes;
    write_at(data_offsets_[current_layer_] + static_cast<uint64_t>(rows_written_) * row_bytes, in, bytes);
    chunk_.update(in, bytes);
    in += bytes;
    rows -= take;
    rows_written_ += take;
    if (rows_written_ % chunk_rows_ == 0 || rows_written_ == layer.rows) {
      chunk_checksums_[current_layer_].push_back(chunk_.digest());
      chunk_ = Checksum64();
    }
    if (rows_written_ == layer.rows) {
      ++current_layer_;
      rows_written_ = 0;
    }
  }
}

void TableFileWriter::commit() {
  if (current_layer_ < layers_.size()) {
    throw std::runtime_error(path_ + ": layer " + std::to_string(layers_[current_layer_].layer_id) + " has " +
                             std::to_string(rows_written_) + " of its " + std::to_string(layers_[current_layer_].rows) +
                             " rows; the table file is incomplete");
  }
  std::string header(kMagic, sizeof kMagic);
  append_u32(header, kTableFileVersion);
  append_u32(header, static_cast<uint32_t>(dtype_));
  append_u32(header, static_cast<uint32_t>(layers_.size()));
  append_u32(header, 0);
  append_u64(header, static_cast<uint64_t>(chunk_rows_));
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const TableLayout& layer = layers_[i];
    append_u64(header, static_cast<uint64_t>(layer.layer_id));
    append_u64(header, static_cast<uint64_t>(layer.rows));
    append_u64(header, static_cast<uint64_t>(layer.dim));
    append_u64(header, layer.head_offsets.size());
    for (int64_t offset : layer.head_offsets) append_u64(header, static_cast<uint64_t>(offset));
    append_u64(header, data_offsets_[i]);
    for (uint64_t sum : chunk_checksums_[i]) append_u64(header, sum);
  }
  append_u64(header, checksum64(header.data(), header.size()));
  write_at(0, header.data(), header.size());
  // The last layer's rows may end before its aligned size; the file ends where its data ends.
  if (::fsync(fd_) != 0) throw std::runtime_error(temporary_ + ": flush failed: " + std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw std::runtime_error(temporary_ + ": close failed: " + std::strerror(errno));
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error(path_ + ": rename failed: " + std::strerror(errno));
  }
  committed_ = true;
}

void write_table_file(const std::string& path, TableDtype dtype, const std::vector<TableLayout>& layers,
                      const std::vector<const void*>& data, int64_t chunk_rows) {
  if (data.size() != layers.size()) throw std::invalid_argument(path + ": one data pointer per layer is needed");
  TableFileWriter writer(path, dtype, layers, chunk_rows);
  for (std::size_t i = 0; i < layers.size(); ++i) writer.append_rows(data[i], layers[i].rows);
  writer.commit();
}

std::shared_ptr<const TableFile> TableFile::open(const std::string& path, bool verify_rows) {
  std::shared_ptr<TableFile> file(new TableFile());
  file->path_ = path;
  file->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file->fd_ < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(file->fd_, &info) != 0 || !S_ISREG(info.st_mode)) throw std::runtime_error(path + ": not a regular file");
  file->size_ = static_cast<std::size_t>(info.st_size);
  if (file->size_ < sizeof kMagic) {
    throw file_error(path, "magic", "file is truncated: " + std::to_string(file->size_) + " bytes");
  }
  void* address = ::mmap(nullptr, file->size_, PROT_READ, MAP_SHARED, file->fd_, 0);
  if (address == MAP_FAILED) throw std::runtime_error(path + ": cannot map: " + std::strerror(errno));
  file->data_ = static_cast<uint8_t*>(address);
  // Lookups are random rows: read-ahead would only pull in pages no lookup asked for.
  ::madvise(file->data_, file->size_, MADV_RANDOM);
  ::posix_fadvise(file->fd_, 0, 0, POSIX_FADV_RANDOM);

  if (std::memcmp(file->data_, kMagic, sizeof kMagic) != 0) {
    throw file_error(path, "magic", "not an Engram table file (expected \"ENGRMTBL\")");
  }
  HeaderReader header(path, file->data_ + sizeof kMagic, file->size_ - sizeof kMagic);
  const uint32_t version = header.u32("version");
  if (version != kTableFileVersion) {
    throw file_error(path, "version", "unsupported version " + std::to_string(version) + " (this build reads " +
                                          std::to_string(kTableFileVersion) + ")");
  }
  const uint32_t dtype = header.u32("dtype");
  if (!valid_dtype(dtype)) throw file_error(path, "dtype", "unknown dtype code " + std::to_string(dtype));
  file->dtype_ = static_cast<TableDtype>(dtype);
  const uint32_t layer_count = header.u32("layer_count");
  if (layer_count == 0 || layer_count > kMaxLayers) {
    throw file_error(path, "layer_count", "must be in 1.." + std::to_string(kMaxLayers) + ", got " + std::to_string(layer_count));
  }
  if (header.u32("reserved") != 0) throw file_error(path, "reserved", "must be 0");
  const uint64_t chunk_rows = header.u64("chunk_rows");
  if (chunk_rows == 0 || chunk_rows > (uint64_t{1} << 40)) {
    throw file_error(path, "chunk_rows", "must be positive and sane, got " + std::to_string(chunk_rows));
  }
  file->chunk_rows_ = static_cast<int64_t>(chunk_rows);
  for (uint32_t i = 0; i < layer_count; ++i) {
    const std::string prefix = "layers[" + std::to_string(i) + "]";
    TableLayout layer = read_layout(header, path, prefix);
    const auto rows = static_cast<uint64_t>(layer.rows), dim = static_cast<uint64_t>(layer.dim);
    for (const TableLayout& earlier : file->layers_) {
      if (earlier.layer_id == layer.layer_id) {
        throw file_error(path, prefix + ".layer_id", "layer " + std::to_string(layer.layer_id) + " appears twice");
      }
    }
    const uint64_t data_offset = header.u64(prefix + ".data_offset");
    const uint64_t data_bytes = rows * dim * table_dtype_size(file->dtype_);
    if (data_offset % kAlignment != 0 || data_offset > file->size_ || file->size_ - data_offset < data_bytes) {
      throw file_error(path, prefix + ".data",
                       "file is truncated or the offset is wrong: layer " + std::to_string(layer.layer_id) + " needs " +
                           std::to_string(data_bytes) + " bytes at offset " + std::to_string(data_offset) +
                           ", the file has " + std::to_string(file->size_) + " bytes");
    }
    std::vector<uint64_t> checksums;
    const uint64_t chunks = chunk_count(layer.rows, file->chunk_rows_);
    for (uint64_t c = 0; c < chunks; ++c) checksums.push_back(header.u64(prefix + ".chunk_checksums[" + std::to_string(c) + "]"));
    file->layers_.push_back(std::move(layer));
    file->data_offsets_.push_back(data_offset);
    file->chunk_checksums_.push_back(std::move(checksums));
  }
  const std::size_t checked_bytes = sizeof kMagic + header.position();
  const uint64_t stored = header.u64("header_checksum");
  if (stored != checksum64(file->data_, checked_bytes)) {
    throw file_error(path, "header_checksum", "mismatch: the header is corrupt");
  }
  for (std::size_t i = 0; i < file->layers_.size(); ++i) {
    if (file->data_offsets_[i] < checked_bytes + sizeof(uint64_t)) {
      throw file_error(path, "layers[" + std::to_string(i) + "].data_offset", "points into the header");
    }
  }
  if (verify_rows) file->verify_rows();
  return file;
}

TableFile::~TableFile() {
  if (data_) ::munmap(data_, size_);
  if (fd_ >= 0) ::close(fd_);
}

std::size_t TableFile::layer_index(int64_t layer_id) const {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i].layer_id == layer_id) return i;
  }
  throw std::runtime_error(path_ + ": no table for Engram layer " + std::to_string(layer_id));
}

const TableLayout& TableFile::layer(int64_t layer_id) const { return layers_[layer_index(layer_id)]; }

const uint8_t* TableFile::rows(int64_t layer_id) const { return data_ + data_offsets_[layer_index(layer_id)]; }

uint64_t TableFile::data_offset(int64_t layer_id) const { return data_offsets_[layer_index(layer_id)]; }

void TableFile::expect(TableDtype dtype, const std::vector<TableLayout>& expected) const {
  if (dtype != dtype_) {
    throw file_error(path_, "dtype", "the file holds " + table_dtype_name(dtype_) + " rows, the model computes in " +
                                         table_dtype_name(dtype));
  }
  if (expected.size() != layers_.size()) {
    throw file_error(path_, "layer_count", "the file has " + std::to_string(layers_.size()) +
                                               " Engram layers, the model has " + std::to_string(expected.size()));
  }
  for (const TableLayout& want : expected) {
    const std::string prefix = "layer " + std::to_string(want.layer_id);
    const auto found = std::find_if(layers_.begin(), layers_.end(), [&](const TableLayout& l) { return l.layer_id == want.layer_id; });
    if (found == layers_.end()) throw file_error(path_, "layer_id", "no table for Engram " + prefix);
    const auto mismatch = [&](const std::string& field, int64_t have, int64_t need) {
      return file_error(path_, prefix + "." + field,
                        "the file has " + std::to_string(have) + ", the model expects " + std::to_string(need));
    };
    if (found->rows != want.rows) throw mismatch("rows", found->rows, want.rows);
    if (found->dim != want.dim) throw mismatch("dim", found->dim, want.dim);
    if (found->head_offsets.size() != want.head_offsets.size()) {
      throw mismatch("heads", static_cast<int64_t>(found->head_offsets.size()), static_cast<int64_t>(want.head_offsets.size()));
    }
    for (std::size_t h = 0; h < want.head_offsets.size(); ++h) {
      if (found->head_offsets[h] != want.head_offsets[h]) {
        throw mismatch("head_offsets[" + std::to_string(h) + "]", found->head_offsets[h], want.head_offsets[h]);
      }
    }
  }
}

void TableFile::verify_rows() const {
  const std::size_t element = table_dtype_size(dtype_);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const TableLayout& layer = layers_[i];
    const std::size_t row_bytes = static_cast<std::size_t>(layer.dim) * element;
    for (std::size_t c = 0; c < chunk_checksums_[i].size(); ++c) {
      const int64_t first = static_cast<int64_t>(c) * chunk_rows_;
      const int64_t count = std::min(chunk_rows_, layer.rows - first);
      const uint8_t* start = data_ + data_offsets_[i] + static_cast<std::size_t>(first) * row_bytes;
      if (checksum64(start, static_cast<std::size_t>(count) * row_bytes) != chunk_checksums_[i][c]) {
        throw file_error(path_, "layers[" + std::to_string(i) + "].chunk_checksums[" + std::to_string(c) + "]",
                         "mismatch: rows " + std::to_string(first) + ".." + std::to_string(first + count - 1) +
                             " of layer " + std::to_string(layer.layer_id) + " are corrupt");
      }
    }
  }
}

void TableFile::drop_cached_pages() const {
  if (::madvise(data_, size_, MADV_DONTNEED) != 0) {
    throw std::runtime_error(path_ + ": madvise(DONTNEED) failed: " + std::strerror(errno));
  }
  const int error = ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
  if (error != 0) throw std::runtime_error(path_ + ": posix_fadvise(DONTNEED) failed: " + std::strerror(error));
}

}  // namespace engram
