//===- OnnxModel.cpp - Load an ONNX file into plain C++ structs -----------===//
//
// This is the only translation unit in qc that is compiled with exceptions:
// protobuf and libonnx (checker, shape inference) report errors by throwing.
// Every exception is caught here and turned into an error string.
//
//===----------------------------------------------------------------------===//

#include "qc/Import/OnnxModel.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <exception>
#include <set>
#include <stdexcept>

namespace qc {

std::string onnxDataTypeName(int32_t dataType) {
  switch (OnnxDataType(dataType)) {
  case OnnxDataType::Undefined:
    return "undefined";
  case OnnxDataType::Float:
    return "float32";
  case OnnxDataType::UInt8:
    return "uint8";
  case OnnxDataType::Int8:
    return "int8";
  case OnnxDataType::UInt16:
    return "uint16";
  case OnnxDataType::Int16:
    return "int16";
  case OnnxDataType::Int32:
    return "int32";
  case OnnxDataType::Int64:
    return "int64";
  case OnnxDataType::String:
    return "string";
  case OnnxDataType::Bool:
    return "bool";
  case OnnxDataType::Float16:
    return "float16";
  case OnnxDataType::Double:
    return "float64";
  case OnnxDataType::UInt32:
    return "uint32";
  case OnnxDataType::UInt64:
    return "uint64";
  case OnnxDataType::BFloat16:
    return "bfloat16";
  }
  return "data type " + std::to_string(dataType);
}

namespace {

/// Thrown (and caught in loadOnnxModel) for problems found while converting
/// an already parsed and checked model.
struct ConvertError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Collapses the multi-line messages of the ONNX checker into one line.
std::string oneLine(const std::string &msg) {
  std::string out;
  bool pendingSpace = false;
  for (char c : msg) {
    if (c == '\n' || c == '\r') {
      pendingSpace = !out.empty();
      continue;
    }
    if (pendingSpace) {
      out += ' ';
      pendingSpace = false;
    }
    out += c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

/// Reads a little-endian value of N bytes from `p`.
template <typename T> T readLE(const unsigned char *p) {
  uint64_t bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    bits |= uint64_t(p[i]) << (8 * i);
  T value;
  if constexpr (sizeof(T) == 8) {
    std::memcpy(&value, &bits, sizeof(T));
  } else if constexpr (sizeof(T) == 4) {
    uint32_t b32 = uint32_t(bits);
    std::memcpy(&value, &b32, sizeof(T));
  } else if constexpr (sizeof(T) == 2) {
    uint16_t b16 = uint16_t(bits);
    std::memcpy(&value, &b16, sizeof(T));
  } else {
    uint8_t b8 = uint8_t(bits);
    std::memcpy(&value, &b8, sizeof(T));
  }
  return value;
}

template <typename T>
void decodeRawInts(const std::string &raw, std::vector<int64_t> &out) {
  size_t n = raw.size() / sizeof(T);
  out.resize(n);
  const auto *p = reinterpret_cast<const unsigned char *>(raw.data());
  for (size_t i = 0; i < n; ++i)
    out[i] = int64_t(readLE<T>(p + i * sizeof(T)));
}

size_t elementSize(int32_t dt) {
  switch (OnnxDataType(dt)) {
  case OnnxDataType::Float:
  case OnnxDataType::Int32:
  case OnnxDataType::UInt32:
    return 4;
  case OnnxDataType::Int64:
  case OnnxDataType::UInt64:
  case OnnxDataType::Double:
    return 8;
  case OnnxDataType::Int16:
  case OnnxDataType::UInt16:
  case OnnxDataType::Float16:
  case OnnxDataType::BFloat16:
    return 2;
  case OnnxDataType::Int8:
  case OnnxDataType::UInt8:
  case OnnxDataType::Bool:
    return 1;
  default:
    return 0;
  }
}

OnnxTensor convertTensor(const ::onnx::TensorProto &tp,
                         const std::string &nameOverride = "") {
  OnnxTensor t;
  t.name = nameOverride.empty() ? tp.name() : nameOverride;
  t.dataType = tp.data_type();
  for (int64_t d : tp.dims()) {
    if (d < 0)
      throw ConvertError("tensor '" + t.name + "' has negative dimension");
    t.dims.push_back(d);
  }
  if (tp.data_location() == ::onnx::TensorProto::EXTERNAL)
    throw ConvertError("tensor '" + t.name +
                       "' stores its data in an external file; not supported");

  const int64_t expected = t.numElements();
  const bool hasRaw = tp.has_raw_data();
  const std::string &raw = tp.raw_data();
  if (hasRaw) {
    size_t es = elementSize(t.dataType);
    if (es != 0 && raw.size() != size_t(expected) * es)
      throw ConvertError("tensor '" + t.name + "' has " +
                         std::to_string(raw.size()) +
                         " bytes of raw data, expected " +
                         std::to_string(size_t(expected) * es));
  }

  switch (OnnxDataType(t.dataType)) {
  case OnnxDataType::Float:
    if (hasRaw) {
      t.floatData.resize(raw.size() / 4);
      const auto *p = reinterpret_cast<const unsigned char *>(raw.data());
      for (size_t i = 0; i < t.floatData.size(); ++i)
        t.floatData[i] = readLE<float>(p + 4 * i);
    } else {
      t.floatData.assign(tp.float_data().begin(), tp.float_data().end());
    }
    if (int64_t(t.floatData.size()) != expected)
      throw ConvertError("tensor '" + t.name + "' has " +
                         std::to_string(t.floatData.size()) +
                         " values, expected " + std::to_string(expected));
    break;
  case OnnxDataType::Int64:
    if (hasRaw)
      decodeRawInts<int64_t>(raw, t.intData);
    else
      t.intData.assign(tp.int64_data().begin(), tp.int64_data().end());
    break;
  case OnnxDataType::Int32:
  case OnnxDataType::Int16:
  case OnnxDataType::Int8:
  case OnnxDataType::UInt8:
  case OnnxDataType::UInt16:
  case OnnxDataType::Bool:
    if (hasRaw) {
      switch (OnnxDataType(t.dataType)) {
      case OnnxDataType::Int32:
        decodeRawInts<int32_t>(raw, t.intData);
        break;
      case OnnxDataType::Int16:
        decodeRawInts<int16_t>(raw, t.intData);
        break;
      case OnnxDataType::UInt16:
        decodeRawInts<uint16_t>(raw, t.intData);
        break;
      case OnnxDataType::Int8:
        decodeRawInts<int8_t>(raw, t.intData);
        break;
      default: // UInt8, Bool
        decodeRawInts<uint8_t>(raw, t.intData);
        break;
      }
    } else {
      // Small integer types are stored widened in int32_data.
      t.intData.assign(tp.int32_data().begin(), tp.int32_data().end());
    }
    break;
  default:
    // Kept without data; the importer rejects it if it is ever used.
    return t;
  }
  if (t.isInt() && int64_t(t.intData.size()) != expected)
    throw ConvertError("tensor '" + t.name + "' has " +
                       std::to_string(t.intData.size()) + " values, expected " +
                       std::to_string(expected));
  return t;
}

OnnxAttribute convertAttribute(const ::onnx::AttributeProto &ap) {
  OnnxAttribute a;
  a.name = ap.name();
  using AP = ::onnx::AttributeProto;
  int type = ap.type();
  if (type == AP::UNDEFINED) {
    // Very old models may omit the type; infer it from the populated field.
    if (ap.has_f())
      type = AP::FLOAT;
    else if (ap.has_i())
      type = AP::INT;
    else if (ap.has_s())
      type = AP::STRING;
    else if (ap.has_t())
      type = AP::TENSOR;
    else if (ap.floats_size())
      type = AP::FLOATS;
    else if (ap.ints_size())
      type = AP::INTS;
  }
  switch (type) {
  case AP::INT:
    a.kind = OnnxAttribute::Kind::Int;
    a.i = ap.i();
    break;
  case AP::FLOAT:
    a.kind = OnnxAttribute::Kind::Float;
    a.f = ap.f();
    break;
  case AP::STRING:
    a.kind = OnnxAttribute::Kind::String;
    a.s = ap.s();
    break;
  case AP::INTS:
    a.kind = OnnxAttribute::Kind::Ints;
    a.ints.assign(ap.ints().begin(), ap.ints().end());
    break;
  case AP::FLOATS:
    a.kind = OnnxAttribute::Kind::Floats;
    a.floats.assign(ap.floats().begin(), ap.floats().end());
    break;
  case AP::TENSOR:
    a.kind = OnnxAttribute::Kind::Tensor;
    a.t = convertTensor(ap.t());
    break;
  default:
    a.kind = OnnxAttribute::Kind::Unsupported;
    break;
  }
  return a;
}

OnnxValueInfo convertValueInfo(const ::onnx::ValueInfoProto &vp) {
  OnnxValueInfo v;
  v.name = vp.name();
  if (!vp.has_type() || !vp.type().has_tensor_type())
    return v;
  const auto &tt = vp.type().tensor_type();
  v.elemType = tt.elem_type();
  if (!tt.has_shape())
    return v;
  v.hasShape = true;
  for (const auto &d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      v.dims.push_back(d.dim_value());
      v.dimParams.push_back("");
    } else {
      v.dims.push_back(-1);
      v.dimParams.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
  }
  return v;
}

/// `Constant` node -> tensor named after the node's output.
OnnxTensor convertConstantNode(const ::onnx::NodeProto &np) {
  if (np.output_size() != 1)
    throw ConvertError("Constant node '" + np.name() +
                       "' must have exactly one output");
  const std::string &out = np.output(0);
  for (const auto &ap : np.attribute()) {
    const std::string &n = ap.name();
    if (n == "value")
      return convertTensor(ap.t(), out);
    OnnxTensor t;
    t.name = out;
    if (n == "value_float") {
      t.dataType = int32_t(OnnxDataType::Float);
      t.floatData.push_back(ap.f());
      return t;
    }
    if (n == "value_floats") {
      t.dataType = int32_t(OnnxDataType::Float);
      t.floatData.assign(ap.floats().begin(), ap.floats().end());
      t.dims.push_back(int64_t(t.floatData.size()));
      return t;
    }
    if (n == "value_int") {
      t.dataType = int32_t(OnnxDataType::Int64);
      t.intData.push_back(ap.i());
      return t;
    }
    if (n == "value_ints") {
      t.dataType = int32_t(OnnxDataType::Int64);
      t.intData.assign(ap.ints().begin(), ap.ints().end());
      t.dims.push_back(int64_t(t.intData.size()));
      return t;
    }
    throw ConvertError("Constant node '" + np.name() + "' uses attribute '" +
                       n + "'; not supported");
  }
  throw ConvertError("Constant node '" + np.name() + "' has no value");
}

void convertModel(const ::onnx::ModelProto &mp, OnnxModel &model) {
  model.irVersion = mp.ir_version();
  model.producerName = mp.producer_name();
  for (const auto &op : mp.opset_import()) {
    std::string domain = op.domain() == "ai.onnx" ? "" : op.domain();
    model.opsetImports[domain] = op.version();
    if (domain.empty())
      model.opsetVersion = op.version();
  }
  const ::onnx::GraphProto &g = mp.graph();
  model.graphName = g.name();

  std::set<std::string> initNames;
  for (const auto &tp : g.initializer()) {
    initNames.insert(tp.name());
    model.constants[tp.name()] = convertTensor(tp);
  }
  if (g.sparse_initializer_size() != 0)
    throw ConvertError("sparse initializers are not supported");

  for (const auto &vp : g.input()) {
    OnnxValueInfo vi = convertValueInfo(vp);
    model.valueInfos[vi.name] = vi;
    if (!initNames.count(vp.name()))
      model.inputs.push_back(std::move(vi));
  }
  for (const auto &vp : g.output()) {
    OnnxValueInfo vi = convertValueInfo(vp);
    model.valueInfos[vi.name] = vi;
    model.outputs.push_back(std::move(vi));
  }
  for (const auto &vp : g.value_info()) {
    OnnxValueInfo vi = convertValueInfo(vp);
    model.valueInfos[vi.name] = vi;
  }

  for (const auto &np : g.node()) {
    std::string domain = np.domain() == "ai.onnx" ? "" : np.domain();
    if (domain.empty() && np.op_type() == "Constant") {
      OnnxTensor t = convertConstantNode(np);
      std::string name = t.name;
      model.constants[name] = std::move(t);
      continue;
    }
    OnnxNode n;
    n.name = np.name();
    n.opType = np.op_type();
    n.domain = domain;
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto &ap : np.attribute())
      n.attributes.push_back(convertAttribute(ap));
    model.nodes.push_back(std::move(n));
  }
}

} // namespace

/// Binds graph inputs to the shapes the user gave; false with `error` set
/// when a name, rank or fixed dim disagrees with the file.
static bool bindInputShapes(
    ::onnx::ModelProto &mp, const std::string &path,
    const std::map<std::string, std::vector<int64_t>> &shapes,
    std::string &error) {
  ::onnx::GraphProto *graph = mp.mutable_graph();
  std::set<std::string> initializers;
  for (const auto &init : graph->initializer())
    initializers.insert(init.name());
  for (const auto &[name, dims] : shapes) {
    ::onnx::ValueInfoProto *input = nullptr;
    std::string known;
    for (auto &in : *graph->mutable_input()) {
      if (initializers.count(in.name()))
        continue;
      known += (known.empty() ? "" : ", ") + in.name();
      if (in.name() == name)
        input = &in;
    }
    if (!input) {
      error = path + ": --input-shape names '" + name +
              "', which is not a graph input (inputs: " + known + ")";
      return false;
    }
    auto *shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != 0 && shape->dim_size() != int(dims.size())) {
      error = path + ": --input-shape gives input '" + name + "' rank " +
              std::to_string(dims.size()) + ", but the model says rank " +
              std::to_string(shape->dim_size());
      return false;
    }
    if (shape->dim_size() == 0)
      for (size_t i = 0; i < dims.size(); ++i)
        shape->add_dim();
    for (size_t i = 0; i < dims.size(); ++i) {
      auto *dim = shape->mutable_dim(int(i));
      if (dim->has_dim_value() && dim->dim_value() != dims[i]) {
        error = path + ": --input-shape gives input '" + name + "' dim " +
                std::to_string(i) + " = " + std::to_string(dims[i]) +
                ", but the model fixes it to " + std::to_string(dim->dim_value());
        return false;
      }
      dim->set_dim_value(dims[i]);
    }
  }
  return true;
}

bool loadOnnxModel(const std::string &path, OnnxModel &model,
                   std::string &error,
                   const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  model = OnnxModel();
  model.path = path;

  // Read the whole file.
  std::string bytes;
  {
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (!f) {
      error = path + ": cannot open file: " + std::strerror(errno);
      return false;
    }
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
      bytes.append(buf, n);
    bool readError = std::ferror(f) != 0;
    int savedErrno = errno;
    std::fclose(f);
    if (readError) {
      error = path + ": cannot read file: " + std::strerror(savedErrno);
      return false;
    }
  }
  if (bytes.empty()) {
    error = path + ": not a valid ONNX model: file is empty";
    return false;
  }
  if (bytes.size() > size_t(INT_MAX)) {
    error = path + ": not a valid ONNX model: file larger than 2 GiB";
    return false;
  }

  try {
    ::onnx::ModelProto mp;
    {
      google::protobuf::io::ArrayInputStream ais(bytes.data(),
                                                 int(bytes.size()));
      google::protobuf::io::CodedInputStream cis(&ais);
      cis.SetTotalBytesLimit(INT_MAX);
      if (!mp.ParseFromCodedStream(&cis) || !cis.ConsumedEntireMessage()) {
        error = path + ": not a valid ONNX model: protobuf parse error "
                       "(truncated or corrupt file)";
        return false;
      }
    }
    if (!mp.has_graph()) {
      error = path + ": not a valid ONNX model: no graph";
      return false;
    }

    if (!bindInputShapes(mp, path, inputShapes, error))
      return false;

    try {
      ::onnx::checker::check_model(mp);
    } catch (const std::exception &e) {
      error = path + ": not a valid ONNX model: " + oneLine(e.what());
      return false;
    }

    try {
      ::onnx::shape_inference::InferShapes(mp);
    } catch (const std::exception &e) {
      error = path + ": ONNX shape inference failed: " + oneLine(e.what());
      return false;
    }

    convertModel(mp, model);
  } catch (const ConvertError &e) {
    error = path + ": " + e.what();
    return false;
  } catch (const std::exception &e) {
    error = path + ": not a valid ONNX model: " + oneLine(e.what());
    return false;
  } catch (...) {
    error = path + ": not a valid ONNX model: unknown error";
    return false;
  }
  return true;
}

} // namespace qc
