#include "engram/engram_tables.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <stdexcept>

#include "engram/offloaded_table_store.h"
#include "engram/table_init.h"

namespace engram {
namespace {

const Engram& layer_with_id(const std::vector<Engram>& layers, int64_t layer_id) {
  for (const Engram& layer : layers) {
    if (layer->layer_id() == layer_id) return layer;
  }
  throw std::out_of_range("no Engram layer " + std::to_string(layer_id));
}

// Has `source` fill one reused block buffer with each block of `layout`'s rows in turn, and hands
// every filled block to `sink`: a table of any size passes through one block of memory.
void for_each_block(const TableLayout& layout, c10::ScalarType dtype, const TableRowSource& source,
                    const std::function<void(const at::Tensor&)>& sink) {
  at::Tensor buffer = at::empty({std::min(kInitBlockRows, layout.rows), layout.dim}, dtype);
  for (int64_t first = 0; first < layout.rows; first += kInitBlockRows) {
    at::Tensor block = buffer.narrow(0, 0, std::min(kInitBlockRows, layout.rows - first));
    source(layout, first, block);
    sink(block);
  }
}

}  // namespace

TableDtype table_dtype_of(c10::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return TableDtype::kFloat32;
    case at::kBFloat16: return TableDtype::kBFloat16;
    case at::kHalf: return TableDtype::kFloat16;
    default: throw std::invalid_argument(std::string("Engram tables cannot be stored as ") + c10::toString(dtype));
  }
}

c10::ScalarType scalar_type_of(TableDtype dtype) {
  switch (dtype) {
    case TableDtype::kFloat32: return at::kFloat;
    case TableDtype::kBFloat16: return at::kBFloat16;
    case TableDtype::kFloat16: return at::kHalf;
  }
  throw std::invalid_argument("unknown table dtype " + table_dtype_name(dtype));
}

std::vector<TableLayout> table_layouts(const std::vector<Engram>& layers) {
  std::vector<TableLayout> out;
  for (const Engram& layer : layers) {
    const MultiHeadEmbedding& embedding = layer->multi_head_embedding;
    const at::Tensor offsets = embedding->offsets.to(at::kCPU).contiguous();
    TableLayout layout;
    layout.layer_id = layer->layer_id();
    layout.rows = embedding->table_rows();
    layout.dim = embedding->head_dim();
    layout.head_offsets.assign(offsets.data_ptr<int64_t>(), offsets.data_ptr<int64_t>() + offsets.numel());
    out.push_back(std::move(layout));
  }
  return out;
}

c10::ScalarType engram_table_dtype(const std::vector<Engram>& layers, const std::string& context) {
  if (layers.empty()) throw std::invalid_argument(context + ": the model has no Engram layers");
  const c10::ScalarType dtype = layers.front()->multi_head_embedding->table_dtype();
  for (const Engram& layer : layers) {
    if (layer->multi_head_embedding->table_dtype() != dtype) {
      throw std::invalid_argument(context + ": Engram layers disagree on dtype; convert the model to one dtype first");
    }
  }
  return dtype;
}

int64_t engram_table_bytes(const std::vector<Engram>& layers) {
  int64_t bytes = 0;
  for (const Engram& layer : layers) {
    const MultiHeadEmbedding& embedding = layer->multi_head_embedding;
    bytes += embedding->table_rows() * embedding->head_dim() *
             static_cast<int64_t>(c10::elementSize(embedding->table_dtype()));
  }
  return bytes;
}

TableRowSource module_rows(const std::vector<Engram>& layers) {
  return [layers](const TableLayout& layout, int64_t first_row, at::Tensor& block) {
    const MultiHeadEmbedding& embedding = layer_with_id(layers, layout.layer_id)->multi_head_embedding;
    if (!embedding->holds_table()) {
      throw std::invalid_argument("Engram layer " + std::to_string(layout.layer_id) +
                                  " holds no table to copy (it lives in a table store)");
    }
    block.copy_(embedding->embedding->weight.detach().narrow(0, first_row, block.size(0)));
  };
}

TableRowSource initial_rows(uint64_t seed, double std) {
  return [seed, std](const TableLayout& layout, int64_t first_row, at::Tensor& block) {
    fill_initial_rows(block, seed, layout.layer_id, first_row, std);
  };
}

void stream_table_file(const std::string& path, const std::vector<TableLayout>& layouts, c10::ScalarType dtype,
                       const TableRowSource& source, int64_t chunk_rows) {
  TableFileWriter writer(path, table_dtype_of(dtype), layouts, chunk_rows);
  for (const TableLayout& layout : layouts) {
    for_each_block(layout, dtype, source, [&](const at::Tensor& block) { writer.append_rows(block.data_ptr(), block.size(0)); });
  }
  writer.commit();
}

void export_engram_tables(const std::string& path, const std::vector<Engram>& layers, int64_t chunk_rows) {
  const c10::ScalarType dtype = engram_table_dtype(layers, path);
  stream_table_file(path, table_layouts(layers), dtype, module_rows(layers), chunk_rows);
}

std::shared_ptr<TableStore> make_host_table_store(const std::vector<Engram>& layers, const TableStoreOptions& options,
                                                  const TableRowSource& source) {
  const c10::ScalarType dtype = engram_table_dtype(layers, "host table store");
  const TableRowSource& rows_from = source ? source : module_rows(layers);
  auto owned = std::make_shared<std::vector<at::Tensor>>();
  std::vector<HostRows> rows;
  for (const TableLayout& layout : table_layouts(layers)) {
    // Pinned pages let the copy engine read them directly, which is what lets the transfer overlap.
    at::Tensor table =
        at::empty({layout.rows, layout.dim}, at::TensorOptions().dtype(dtype).pinned_memory(options.device.is_cuda()));
    // Blocks are independent, so a table of billions of rows fills on every core.
    const int64_t blocks = (layout.rows + kInitBlockRows - 1) / kInitBlockRows;
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        at::Tensor block = table.narrow(0, b * kInitBlockRows, std::min(kInitBlockRows, layout.rows - b * kInitBlockRows));
        rows_from(layout, b * kInitBlockRows, block);
      }
    });
    HostRows layer_rows;
    layer_rows.layout = layout;
    layer_rows.data = static_cast<const uint8_t*>(table.data_ptr());
    rows.push_back(std::move(layer_rows));
    owned->push_back(std::move(table));
  }
  return std::make_shared<OffloadedTableStore>("host", dtype, std::move(rows), owned, options);
}

std::shared_ptr<TableStore> make_disk_table_store(std::shared_ptr<const TableFile> file,
                                                  const std::vector<Engram>& layers, const TableStoreOptions& options) {
  const c10::ScalarType dtype = engram_table_dtype(layers, file->path());
  const std::vector<TableLayout> layouts = table_layouts(layers);
  file->expect(table_dtype_of(dtype), layouts);
  std::vector<HostRows> rows;
  for (const TableLayout& layout : layouts) {
    HostRows layer_rows;
    layer_rows.layout = layout;
    layer_rows.fd = file->descriptor();
    layer_rows.file_offset = file->data_offset(layout.layer_id);
    layer_rows.source = file->path();
    rows.push_back(std::move(layer_rows));
  }
  return std::make_shared<OffloadedTableStore>("disk", dtype, std::move(rows), file, options);
}

void attach_table_store(const std::vector<Engram>& layers, const std::shared_ptr<TableStore>& store) {
  for (Engram layer : layers) layer->attach_table_store(store);  // copies the holder, not the module
}

}  // namespace engram
