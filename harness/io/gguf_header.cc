#include "harness/io/gguf_header.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace engram::io {
namespace {

// Little-endian reads that never pass `end`; `what` names the field for the error.
class Cursor {
 public:
  Cursor(const uint8_t* begin, std::size_t size, const std::string& source)
      : data_(begin), size_(size), source_(source) {}

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return size_ - position_; }

  [[noreturn]] void fail(const std::string& what) const { throw std::runtime_error(source_ + ": " + what); }

  const uint8_t* take(std::size_t n, const std::string& what) {
    if (n > remaining()) {
      fail(what + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(position_) + " but the file has " +
           std::to_string(remaining()) + " left: truncated?");
    }
    const uint8_t* at = data_ + position_;
    position_ += n;
    return at;
  }

  uint64_t unsigned_value(std::size_t bytes, const std::string& what) {
    const uint8_t* at = take(bytes, what);
    uint64_t v = 0;
    for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | at[i];
    return v;
  }
  uint32_t u32(const std::string& what) { return static_cast<uint32_t>(unsigned_value(4, what)); }
  uint64_t u64(const std::string& what) { return unsigned_value(8, what); }

  std::string string(const std::string& what) {
    const uint64_t length = u64(what + " (string length)");
    if (length > remaining()) {
      fail(what + ": string length " + std::to_string(length) + " runs past the end of the file (" +
           std::to_string(remaining()) + " bytes left): truncated?");
    }
    const uint8_t* at = take(static_cast<std::size_t>(length), what);
    return std::string(reinterpret_cast<const char*>(at), static_cast<std::size_t>(length));
  }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t position_ = 0;
  const std::string& source_;
};

GgufValueType value_type(uint32_t code, Cursor& in, const std::string& where) {
  if (!gguf_value_type_name(code)) in.fail(where + ": unknown value type " + std::to_string(code));
  return static_cast<GgufValueType>(code);
}

// The fewest bytes one value of `type` can take, so a claimed element count can be checked against
// the bytes left before anything is allocated.
std::size_t smallest_encoding(GgufValueType type) {
  if (type == GgufValueType::kString) return 8;
  if (type == GgufValueType::kArray) return 12;
  return gguf_scalar_bytes(type);
}

GgufValue read_value(Cursor& in, GgufValueType type, const std::string& where, int depth) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufValueType::kUint8: case GgufValueType::kUint16: case GgufValueType::kUint32: case GgufValueType::kUint64:
      v.unsigned_value = in.unsigned_value(gguf_scalar_bytes(type), where);
      break;
    case GgufValueType::kInt8: case GgufValueType::kInt16: case GgufValueType::kInt32: case GgufValueType::kInt64: {
      const std::size_t bytes = gguf_scalar_bytes(type);
      const uint64_t raw = in.unsigned_value(bytes, where);
      const unsigned shift = static_cast<unsigned>(64 - 8 * bytes);
      v.signed_value = static_cast<int64_t>(raw << shift) >> shift;  // sign-extend
      break;
    }
    case GgufValueType::kBool: {
      v.unsigned_value = in.unsigned_value(1, where);
      if (v.unsigned_value > 1) in.fail(where + ": BOOL value " + std::to_string(v.unsigned_value) + " is neither 0 nor 1");
      break;
    }
    case GgufValueType::kFloat32: {
      const uint32_t bits = static_cast<uint32_t>(in.unsigned_value(4, where));
      float f;
      std::memcpy(&f, &bits, 4);
      v.float_value = f;
      break;
    }
    case GgufValueType::kFloat64: {
      const uint64_t bits = in.unsigned_value(8, where);
      std::memcpy(&v.float_value, &bits, 8);
      break;
    }
    case GgufValueType::kString:
      v.string_value = in.string(where);
      break;
    case GgufValueType::kArray: {
      if (depth >= kMaxGgufArrayDepth) {
        in.fail(where + ": arrays nested deeper than " + std::to_string(kMaxGgufArrayDepth) + " levels");
      }
      v.element_type = value_type(in.u32(where + " (array element type)"), in, where + " (array element type)");
      const uint64_t count = in.u64(where + " (array length)");
      const std::size_t smallest = smallest_encoding(v.element_type);
      if (count > in.remaining() / smallest) {
        in.fail(where + ": array length " + std::to_string(count) + " cannot fit in the " +
                std::to_string(in.remaining()) + " bytes left");
      }
      v.elements.reserve(static_cast<std::size_t>(count));
      for (uint64_t i = 0; i < count; ++i) {
        v.elements.push_back(read_value(in, v.element_type, where + "[" + std::to_string(i) + "]", depth + 1));
      }
      break;
    }
  }
  return v;
}

void read_metadata(Cursor& in, uint64_t kv_count, GgufHeader& header,
                   std::map<std::string, std::size_t>& key_index) {
  for (uint64_t k = 0; k < kv_count; ++k) {
    const std::string ordinal = "metadata entry " + std::to_string(k);
    std::string key = in.string(ordinal + " key");
    const std::string where = "key '" + key + "'";
    if (key.empty()) in.fail(ordinal + ": empty key");
    if (key_index.count(key)) in.fail(where + ": appears twice");
    const GgufValueType type = value_type(in.u32(where + " (value type)"), in, where);
    GgufValue value = read_value(in, type, where, 0);
    key_index[key] = header.metadata.size();
    header.metadata.emplace_back(std::move(key), std::move(value));
  }
}

GgufTensorInfo read_tensor_info(Cursor& in, uint64_t index) {
  GgufTensorInfo t;
  t.name = in.string("tensor info " + std::to_string(index) + " name");
  const std::string where = "tensor '" + t.name + "'";
  if (t.name.empty()) in.fail("tensor info " + std::to_string(index) + ": empty name");
  const uint32_t n_dims = in.u32(where + " (dimension count)");
  if (n_dims == 0 || n_dims > kMaxGgufDims) {
    in.fail(where + ": dimension count " + std::to_string(n_dims) + " is not in [1, " + std::to_string(kMaxGgufDims) + "]");
  }
  uint64_t numel = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    const uint64_t dim = in.u64(where + " (dimension " + std::to_string(d) + ")");
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (dim != 0 && numel > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / dim)) {
      in.fail(where + ": dimensions overflow");
    }
    numel *= dim;
    t.dims.push_back(static_cast<int64_t>(dim));
  }
  const uint32_t code = in.u32(where + " (type)");
  const auto type = ggml_type(code);
  if (!type) in.fail(where + ": unknown ggml type " + std::to_string(code));
  t.type = *type;
  if (t.dims[0] % t.type.block_elements != 0) {
    in.fail(where + ": row length " + std::to_string(t.dims[0]) + " is not a multiple of the " + t.type.name +
            " block size " + std::to_string(t.type.block_elements));
  }
  const uint64_t blocks = numel / static_cast<uint64_t>(t.type.block_elements);
  if (blocks > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(t.type.block_bytes)) {
    in.fail(where + ": byte size overflows");
  }
  t.bytes = blocks * static_cast<uint64_t>(t.type.block_bytes);
  t.offset = in.u64(where + " (offset)");
  return t;
}

void check_alignment(const GgufHeader& header, uint64_t& alignment) {
  const GgufValue* value = header.find("general.alignment");
  if (!value) return;
  if (value->type != GgufValueType::kUint32) {
    header.fail("key 'general.alignment' has type " + value->type_name() + ", expected UINT32");
  }
  alignment = value->unsigned_value;
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    header.fail("key 'general.alignment' is " + std::to_string(alignment) + ", not a power of two");
  }
}

// Every tensor's bytes lie inside the data section, aligned, and no two overlap.
void check_tensor_ranges(const GgufHeader& header) {
  std::vector<const GgufTensorInfo*> by_offset;
  for (const auto& t : header.tensors) {
    const std::string where = "tensor '" + t.name + "'";
    if (t.offset % header.alignment != 0) {
      header.fail(where + ": offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                  std::to_string(header.alignment));
    }
    if (t.offset > header.data_size || t.bytes > header.data_size - t.offset) {
      header.fail(where + ": bytes [" + std::to_string(t.offset) + ", " + std::to_string(t.offset + t.bytes) +
                  ") run past the data section (" + std::to_string(header.data_size) + " bytes): truncated?");
    }
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i - 1]->offset + by_offset[i - 1]->bytes > by_offset[i]->offset) {
      header.fail("tensor '" + by_offset[i]->name + "': bytes overlap tensor '" + by_offset[i - 1]->name + "'");
    }
  }
}

}  // namespace

GgufHeader parse_gguf_header(const uint8_t* file, std::size_t file_size, const std::string& source) {
  GgufHeader header;
  header.source = source;
  Cursor in(file, file_size, source);
  const uint8_t* magic = in.take(4, "magic");
  if (std::memcmp(magic, "GGUF", 4) != 0) in.fail("not a GGUF file (the first 4 bytes are not 'GGUF')");
  header.version = in.u32("version");
  if (header.version == 1) in.fail("GGUF version 1 is not supported (32-bit counts; convert the file again)");
  if (header.version != 2 && header.version != 3) {
    if ((header.version & 0xffffu) == 0) in.fail("a big-endian GGUF file is not supported");
    in.fail("GGUF version " + std::to_string(header.version) + " is not supported (2 and 3 are)");
  }
  const uint64_t tensor_count = in.u64("tensor count");
  const uint64_t kv_count = in.u64("metadata count");
  // A key/value takes at least 13 bytes and a tensor info at least 28: refuse counts the file
  // cannot hold before reserving anything.
  if (kv_count > in.remaining() / 13) in.fail("metadata count " + std::to_string(kv_count) + " cannot fit in the file: truncated?");
  if (tensor_count > in.remaining() / 28) in.fail("tensor count " + std::to_string(tensor_count) + " cannot fit in the file: truncated?");
  read_metadata(in, kv_count, header, header.key_index_);
  check_alignment(header, header.alignment);
  header.tensors.reserve(static_cast<std::size_t>(tensor_count));
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo info = read_tensor_info(in, i);
    if (header.tensor_index_.count(info.name)) in.fail("tensor '" + info.name + "': appears twice");
    header.tensor_index_[info.name] = header.tensors.size();
    header.tensors.push_back(std::move(info));
  }
  const uint64_t end_of_infos = in.position();
  const uint64_t padding = (header.alignment - end_of_infos % header.alignment) % header.alignment;
  header.data_offset = end_of_infos + padding;
  // A file with no tensors may end right after its metadata, without padding.
  header.data_size = header.data_offset <= file_size ? file_size - header.data_offset : 0;
  if (!header.tensors.empty() && header.data_offset > file_size) {
    in.fail("the data section would start at " + std::to_string(header.data_offset) + ", past the end of the file");
  }
  check_tensor_ranges(header);
  return header;
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufValueType::kUint8: case GgufValueType::kUint16: case GgufValueType::kUint32: case GgufValueType::kUint64:
    case GgufValueType::kInt8: case GgufValueType::kInt16: case GgufValueType::kInt32: case GgufValueType::kInt64:
      return true;
    default:
      return false;
  }
}

bool GgufValue::is_number() const {
  return is_integer() || type == GgufValueType::kFloat32 || type == GgufValueType::kFloat64;
}

std::string GgufValue::type_name() const {
  std::string name = *gguf_value_type_name(static_cast<uint32_t>(type));
  if (type == GgufValueType::kArray) name += "[" + *gguf_value_type_name(static_cast<uint32_t>(element_type)) + "]";
  return name;
}

nlohmann::json gguf_value_json(const GgufValue& v, std::size_t max_elements) {
  switch (v.type) {
    case GgufValueType::kString: return v.string_value;
    case GgufValueType::kBool: return v.unsigned_value != 0;
    case GgufValueType::kFloat32: case GgufValueType::kFloat64: return v.float_value;
    case GgufValueType::kInt8: case GgufValueType::kInt16: case GgufValueType::kInt32: case GgufValueType::kInt64:
      return v.signed_value;
    case GgufValueType::kArray: {
      nlohmann::json items = nlohmann::json::array();
      for (std::size_t i = 0; i < v.elements.size() && i < max_elements; ++i) {
        items.push_back(gguf_value_json(v.elements[i], max_elements));
      }
      if (v.elements.size() <= max_elements) return items;
      return {{"type", v.type_name()}, {"length", v.elements.size()}, {"first", items}};
    }
    default: return v.unsigned_value;
  }
}

int64_t GgufTensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> GgufTensorInfo::torch_shape() const { return std::vector<int64_t>(dims.rbegin(), dims.rend()); }

void GgufHeader::fail(const std::string& what) const { throw std::runtime_error(source + ": " + what); }

const GgufValue* GgufHeader::find(const std::string& key) const {
  const auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata[it->second].second;
}

const GgufTensorInfo* GgufHeader::find_tensor(const std::string& name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors[it->second];
}

std::optional<int64_t> GgufHeader::integer(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_integer()) fail("key '" + key + "' has type " + v->type_name() + ", expected an integer");
  const bool is_signed = v->type == GgufValueType::kInt8 || v->type == GgufValueType::kInt16 ||
                         v->type == GgufValueType::kInt32 || v->type == GgufValueType::kInt64;
  if (is_signed) return v->signed_value;
  if (v->unsigned_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    fail("key '" + key + "' value " + std::to_string(v->unsigned_value) + " is out of range");
  }
  return static_cast<int64_t>(v->unsigned_value);
}

std::optional<double> GgufHeader::number(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type == GgufValueType::kFloat32 || v->type == GgufValueType::kFloat64) return v->float_value;
  if (!v->is_integer()) fail("key '" + key + "' has type " + v->type_name() + ", expected a number");
  return static_cast<double>(*integer(key));
}

std::optional<std::string> GgufHeader::string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::kString) fail("key '" + key + "' has type " + v->type_name() + ", expected STRING");
  return v->string_value;
}

std::optional<bool> GgufHeader::boolean(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::kBool) fail("key '" + key + "' has type " + v->type_name() + ", expected BOOL");
  return v->unsigned_value != 0;
}

const std::vector<GgufValue>* GgufHeader::array(const std::string& key, GgufValueType element_type) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  GgufValue expected;
  expected.type = GgufValueType::kArray;
  expected.element_type = element_type;
  if (v->type != GgufValueType::kArray || v->element_type != element_type) {
    fail("key '" + key + "' has type " + v->type_name() + ", expected " + expected.type_name());
  }
  return &v->elements;
}

int64_t GgufHeader::required_integer(const std::string& key) const {
  const auto v = integer(key);
  if (!v) fail("required key '" + key + "' is missing");
  return *v;
}

std::string GgufHeader::required_string(const std::string& key) const {
  const auto v = string(key);
  if (!v) fail("required key '" + key + "' is missing");
  return *v;
}

}  // namespace engram::io
