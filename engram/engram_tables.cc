#include "engram/engram_tables.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "engram/offloaded_table_store.h"

namespace engram {
namespace {

at::Tensor host_weight(const Engram& layer) {
  return layer->multi_head_embedding->embedding->weight.detach().to(at::kCPU).contiguous();
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
    const at::Tensor& weight = layer->multi_head_embedding->embedding->weight;
    const at::Tensor offsets = layer->multi_head_embedding->offsets.to(at::kCPU).contiguous();
    TableLayout layout;
    layout.layer_id = layer->layer_id();
    layout.rows = weight.size(0);
    layout.dim = weight.size(1);
    layout.head_offsets.assign(offsets.data_ptr<int64_t>(), offsets.data_ptr<int64_t>() + offsets.numel());
    out.push_back(std::move(layout));
  }
  return out;
}

void export_engram_tables(const std::string& path, const std::vector<Engram>& layers, int64_t chunk_rows) {
  if (layers.empty()) throw std::invalid_argument(path + ": the model has no Engram layers to export");
  const c10::ScalarType dtype = layers.front()->multi_head_embedding->embedding->weight.scalar_type();
  std::vector<at::Tensor> weights;
  std::vector<const void*> data;
  for (const Engram& layer : layers) {
    weights.push_back(host_weight(layer));
    if (weights.back().scalar_type() != dtype) {
      throw std::invalid_argument(path + ": Engram layers disagree on dtype; convert the model to one dtype first");
    }
    data.push_back(weights.back().data_ptr());
  }
  write_table_file(path, table_dtype_of(dtype), table_layouts(layers), data, chunk_rows);
}

std::shared_ptr<TableStore> make_host_table_store(const std::vector<Engram>& layers, const TableStoreOptions& options) {
  if (layers.empty()) throw std::invalid_argument("host table store: the model has no Engram layers");
  const c10::ScalarType dtype = layers.front()->multi_head_embedding->embedding->weight.scalar_type();
  auto owned = std::make_shared<std::vector<at::Tensor>>();
  std::vector<HostRows> rows;
  const std::vector<TableLayout> layouts = table_layouts(layers);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    at::Tensor weight = host_weight(layers[i]);
    if (weight.scalar_type() != dtype) throw std::invalid_argument("host table store: Engram layers disagree on dtype");
    // Pinned pages let the copy engine read them directly, which is what lets the transfer overlap.
    if (options.device.is_cuda()) weight = weight.pin_memory();
    // A CPU model's weight would otherwise be shared: the tier must own its copy, as it would in host
    // memory beside a GPU model.
    else weight = weight.clone();
    rows.push_back({layouts[i], static_cast<const uint8_t*>(weight.data_ptr())});
    owned->push_back(std::move(weight));
  }
  return std::make_shared<OffloadedTableStore>("host", dtype, std::move(rows), owned, options);
}

std::shared_ptr<TableStore> make_disk_table_store(std::shared_ptr<const TableFile> file,
                                                  const std::vector<Engram>& layers, const TableStoreOptions& options) {
  if (layers.empty()) throw std::invalid_argument(file->path() + ": the model has no Engram layers");
  const c10::ScalarType dtype = layers.front()->multi_head_embedding->embedding->weight.scalar_type();
  const std::vector<TableLayout> layouts = table_layouts(layers);
  file->expect(table_dtype_of(dtype), layouts);
  std::vector<HostRows> rows;
  for (const TableLayout& layout : layouts) rows.push_back({layout, file->rows(layout.layer_id)});
  return std::make_shared<OffloadedTableStore>("disk", dtype, std::move(rows), file, options);
}

void attach_table_store(const std::vector<Engram>& layers, const std::shared_ptr<TableStore>& store) {
  for (Engram layer : layers) layer->attach_table_store(store);  // copies the holder, not the module
}

}  // namespace engram
