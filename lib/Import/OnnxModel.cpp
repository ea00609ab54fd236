//===- OnnxModel.cpp - Load an ONNX file into plain C++ structs -----------===//
//
// This is the only translation unit in qc that is compiled with exceptions:
// protobuf and libonnx (checker, version converter) report errors by
// throwing.
//
// libonnx's shape inference is deliberately not run: in onnx 1.12 it reads
// out of bounds on malformed models (found by tools/qc-import-fuzzer, e.g.
// convPoolShapeInference with a weight of higher rank than the input), and
// the importer computes every shape itself. Shapes the file declares (graph
// outputs, value_info) are still checked against the computed ones.
// Every exception is caught here and turned into an error string.
//
//===----------------------------------------------------------------------===//

#include "qc/Import/OnnxModel.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/version_converter/convert.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
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

/// Number of elements of a tensor with `dims`; false when a dim is negative
/// or the count exceeds 2^40 (more than any file qc can read).
bool countElements(const ::google::protobuf::RepeatedField<int64_t> &dims,
                   int64_t &count) {
  count = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d != 0 && count > (int64_t(1) << 40) / d))
      return false;
    count *= d;
  }
  return count <= (int64_t(1) << 40);
}

std::string dimsStr(const ::google::protobuf::RepeatedField<int64_t> &dims) {
  std::string s = "[";
  for (int i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

/// Why the data of `tp` does not match its dims and type ("" if it does).
/// Only the element types qc decodes are checked.
std::string tensorProblem(const ::onnx::TensorProto &tp) {
  if (tp.data_location() == ::onnx::TensorProto::EXTERNAL)
    return "stores its data in an external file; not supported";
  int64_t expected = 0;
  if (!countElements(tp.dims(), expected))
    return "has an invalid shape " + dimsStr(tp.dims());
  const int32_t dt = tp.data_type();
  const std::string type = onnxDataTypeName(dt);
  if (tp.has_raw_data()) {
    size_t es = elementSize(dt);
    if (es != 0 && tp.raw_data().size() != size_t(expected) * es)
      return "has " + std::to_string(tp.raw_data().size()) + " bytes of raw " +
             type + " data, but its shape " + dimsStr(tp.dims()) + " needs " +
             std::to_string(size_t(expected) * es);
    return "";
  }
  int64_t have = -1;
  switch (OnnxDataType(dt)) {
  case OnnxDataType::Float:
    have = tp.float_data_size();
    break;
  case OnnxDataType::Int64:
    have = tp.int64_data_size();
    break;
  case OnnxDataType::Int32:
  case OnnxDataType::Int16:
  case OnnxDataType::Int8:
  case OnnxDataType::UInt8:
  case OnnxDataType::UInt16:
  case OnnxDataType::Bool:
    have = tp.int32_data_size();
    break;
  default:
    return "";
  }
  if (have != expected)
    return "has " + std::to_string(have) + " " + type +
           " values, but its shape " + dimsStr(tp.dims()) + " needs " +
           std::to_string(expected);
  return "";
}

OnnxTensor convertTensor(const ::onnx::TensorProto &tp,
                         const std::string &nameOverride = "") {
  OnnxTensor t;
  t.name = nameOverride.empty() ? tp.name() : nameOverride;
  t.dataType = tp.data_type();
  std::string problem = tensorProblem(tp);
  if (!problem.empty())
    throw ConvertError("tensor '" + t.name + "' " + problem);
  t.dims.assign(tp.dims().begin(), tp.dims().end());

  const bool hasRaw = tp.has_raw_data();
  const std::string &raw = tp.raw_data();
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

//===----------------------------------------------------------------------===//
// Checks and rewrites before the ONNX checker
//===----------------------------------------------------------------------===//

/// The name a node goes by in messages: its name, else its first output.
std::string nodeLabel(const ::onnx::NodeProto &np) {
  if (!np.name().empty())
    return np.name();
  for (const std::string &out : np.output())
    if (!out.empty())
      return out;
  return "";
}

/// "<file>: node '<name>' (<OpType>): <reason> (opset <N>)".
std::string nodeError(const std::string &path, const ::onnx::NodeProto &np,
                      int64_t opset, const std::string &reason) {
  return path + ": node '" + nodeLabel(np) + "' (" + np.op_type() +
         "): " + reason + " (opset " + std::to_string(opset) + ")";
}

bool isDefaultDomain(const std::string &domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// Why a `Constant` node cannot be read ("" if it can).
std::string constantNodeProblem(const ::onnx::NodeProto &np) {
  if (np.output_size() != 1 || np.output(0).empty())
    return "must have exactly one output";
  if (np.attribute_size() != 1)
    return "must have exactly one attribute, has " +
           std::to_string(np.attribute_size());
  const ::onnx::AttributeProto &ap = np.attribute(0);
  const std::string &n = ap.name();
  if (n == "value") {
    std::string problem = tensorProblem(ap.t());
    return problem.empty() ? "" : "value " + problem;
  }
  if (n == "value_float" || n == "value_floats" || n == "value_int" ||
      n == "value_ints")
    return "";
  return "uses attribute '" + n + "'; not supported";
}

/// Tensors in the graph by name: initializers and `Constant` values.
std::map<std::string, const ::onnx::TensorProto *>
graphTensors(const ::onnx::GraphProto &g) {
  std::map<std::string, const ::onnx::TensorProto *> tensors;
  for (const auto &tp : g.initializer())
    tensors[tp.name()] = &tp;
  for (const auto &np : g.node())
    if (isDefaultDomain(np.domain()) && np.op_type() == "Constant" &&
        np.output_size() == 1 && np.attribute_size() == 1 &&
        np.attribute(0).name() == "value")
      tensors[np.output(0)] = &np.attribute(0).t();
  return tensors;
}

/// Checks what the ONNX checker would report without naming a node, or not
/// at all: tensors whose data does not match their shape, operators of
/// other domains, unknown operators, unreadable `Constant` nodes.
bool validateNodes(const ::onnx::ModelProto &mp, const std::string &path,
                   int64_t opset, std::string &error) {
  const ::onnx::GraphProto &g = mp.graph();
  for (const auto &tp : g.initializer()) {
    std::string problem = tensorProblem(tp);
    if (problem.empty())
      continue;
    for (const auto &np : g.node())
      for (const std::string &in : np.input())
        if (in == tp.name()) {
          error = nodeError(path, np, opset,
                            "initializer '" + tp.name() + "' " + problem);
          return false;
        }
    error = path + ": initializer '" + tp.name() + "' " + problem;
    return false;
  }
  // Every graph output must be defined (the checker does not ensure it, and
  // libonnx's IR import, used by the version converter, dereferences it).
  std::set<std::string> defined;
  for (const auto &vp : g.input())
    defined.insert(vp.name());
  for (const auto &tp : g.initializer())
    defined.insert(tp.name());
  for (const auto &np : g.node())
    for (const std::string &out : np.output())
      defined.insert(out);
  for (const auto &vp : g.output())
    if (!defined.count(vp.name())) {
      error = path + ": graph output '" + vp.name() +
              "' is not produced by any node";
      return false;
    }
  for (const auto &np : g.node()) {
    if (!isDefaultDomain(np.domain())) {
      error = nodeError(path, np, opset,
                        "unsupported operator (domain '" + np.domain() + "')");
      return false;
    }
    if (np.op_type() == "Constant") {
      std::string problem = constantNodeProblem(np);
      if (!problem.empty()) {
        error = nodeError(path, np, opset, problem);
        return false;
      }
      continue;
    }
    if (!::onnx::OpSchemaRegistry::Schema(
            np.op_type(), int(std::min<int64_t>(opset, 17)), "")) {
      error = nodeError(path, np, opset,
                        "unknown operator in the default ONNX domain");
      return false;
    }
  }
  return true;
}

/// Reads a constant 1-D integer tensor (axes) by value name.
bool readIntTensor(
    const std::map<std::string, const ::onnx::TensorProto *> &tensors,
    const std::string &name, std::vector<int64_t> &out) {
  auto it = tensors.find(name);
  if (it == tensors.end() || !tensorProblem(*it->second).empty())
    return false;
  OnnxTensor t = convertTensor(*it->second);
  if (!t.isInt() || t.dims.size() > 1)
    return false;
  out = t.intData;
  return true;
}

/// Rewrites the opset-18 forms onnx 1.12 does not know into their opset-17
/// equivalents (the importer follows `opsetVersion`, still 18, where the
/// semantics differ), so that the checker accepts them.
bool downgradeOpset18(::onnx::ModelProto &mp, const std::string &path,
                      std::string &error) {
  ::onnx::GraphProto *g = mp.mutable_graph();
  auto tensors = graphTensors(*g);
  auto removeAttr = [](::onnx::NodeProto &np, const std::string &name) {
    auto *attrs = np.mutable_attribute();
    for (int i = 0; i < attrs->size(); ++i)
      if (attrs->Get(i).name() == name) {
        attrs->DeleteSubrange(i, 1);
        return;
      }
  };
  auto findAttr =
      [](const ::onnx::NodeProto &np,
         const std::string &name) -> const ::onnx::AttributeProto * {
    for (const auto &ap : np.attribute())
      if (ap.name() == name)
        return &ap;
    return nullptr;
  };
  static const std::set<std::string> reduceOps = {
      "ReduceMean",   "ReduceMax",       "ReduceMin",
      "ReduceProd",   "ReduceL1",        "ReduceL2",
      "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};
  for (::onnx::NodeProto &np : *g->mutable_node()) {
    if (!isDefaultDomain(np.domain()))
      continue;
    const std::string &op = np.op_type();
    if (reduceOps.count(op)) {
      if (const auto *a = findAttr(np, "noop_with_empty_axes")) {
        if (a->i() != 0 && (np.input_size() < 2 || np.input(1).empty())) {
          error = nodeError(path, np, 18,
                            "noop_with_empty_axes=1 without "
                            "axes is not supported");
          return false;
        }
        removeAttr(np, "noop_with_empty_axes");
      }
      if (np.input_size() >= 2) {
        if (!np.input(1).empty()) {
          std::vector<int64_t> axes;
          if (!readIntTensor(tensors, np.input(1), axes)) {
            error = nodeError(path, np, 18,
                              "axes '" + np.input(1) +
                                  "' must be a constant 1-D "
                                  "integer tensor");
            return false;
          }
          ::onnx::AttributeProto *a = np.add_attribute();
          a->set_name("axes");
          a->set_type(::onnx::AttributeProto::INTS);
          for (int64_t x : axes)
            a->add_ints(x);
        }
        np.mutable_input()->DeleteSubrange(1, np.input_size() - 1);
      }
    } else if (op == "Split") {
      // num_outputs: the importer reads the number of outputs instead.
      removeAttr(np, "num_outputs");
    } else if (op == "Pad") {
      if (np.input_size() >= 4 && !np.input(3).empty()) {
        error = nodeError(path, np, 18, "the axes input is not supported");
        return false;
      }
      if (np.input_size() >= 4)
        np.mutable_input()->DeleteSubrange(3, np.input_size() - 3);
    } else if (op == "Resize") {
      if (const auto *a = findAttr(np, "antialias")) {
        if (a->i() != 0) {
          error = nodeError(path, np, 18, "antialias=1 is not supported");
          return false;
        }
        removeAttr(np, "antialias");
      }
      if (findAttr(np, "axes")) {
        error = nodeError(path, np, 18, "the axes attribute is not supported");
        return false;
      }
      if (const auto *a = findAttr(np, "keep_aspect_ratio_policy")) {
        if (a->s() != "stretch") {
          error = nodeError(path, np, 18,
                            "keep_aspect_ratio_policy '" + a->s() +
                                "' is not supported");
          return false;
        }
        removeAttr(np, "keep_aspect_ratio_policy");
      }
    }
  }
  for (auto &op : *mp.mutable_opset_import())
    if (isDefaultDomain(op.domain()))
      op.set_version(17);
  return true;
}

} // namespace

/// Binds graph inputs to the shapes the user gave; false with `error` set
/// when a name, rank or fixed dim disagrees with the file.
static bool
bindInputShapes(::onnx::ModelProto &mp, const std::string &path,
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
                ", but the model fixes it to " +
                std::to_string(dim->dim_value());
        return false;
      }
      dim->set_dim_value(dims[i]);
    }
  }
  return true;
}

/// Parses, checks and converts a model held in memory.
static bool
loadFromBytes(const std::string &path, const void *data, size_t size,
              OnnxModel &model, std::string &error,
              const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  model = OnnxModel();
  model.path = path;
  if (size == 0) {
    error = path + ": not a valid ONNX model: file is empty";
    return false;
  }
  if (size > size_t(INT_MAX)) {
    error = path + ": not a valid ONNX model: file larger than 2 GiB";
    return false;
  }

  try {
    ::onnx::ModelProto mp;
    {
      google::protobuf::io::ArrayInputStream ais(data, int(size));
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

    // The default-domain opset decides which node forms are valid.
    int64_t opset = -1;
    for (const auto &op : mp.opset_import())
      if (isDefaultDomain(op.domain()))
        opset = op.version();
    if (opset < 0) {
      error = path + ": not a valid ONNX model: no opset of the default "
                     "ONNX domain is imported";
      return false;
    }
    if (opset < 1 || opset > kMaxOnnxOpset) {
      error = path + ": opset " + std::to_string(opset) +
              " of the default ONNX domain is not supported (qc supports "
              "opsets " +
              std::to_string(kMinOnnxOpset) + " to " +
              std::to_string(kMaxOnnxOpset) + ", and upgrades 1 to " +
              std::to_string(kMinOnnxOpset - 1) + ")";
      return false;
    }
    model.fileOpsetVersion = opset;

    if (!validateNodes(mp, path, opset, error))
      return false;
    if (!bindInputShapes(mp, path, inputShapes, error))
      return false;
    if (opset == 18 && !downgradeOpset18(mp, path, error))
      return false;

    try {
      ::onnx::checker::check_model(mp);
    } catch (const std::exception &e) {
      error = path + ": not a valid ONNX model: " + oneLine(e.what());
      return false;
    }

    if (opset < kMinOnnxOpset) {
      // Old attribute forms (broadcast flags, consumed_inputs, ...) are
      // left to libonnx's version converter.
      try {
        mp =
            ::onnx::version_conversion::ConvertVersion(mp, int(kUpgradedOpset));
      } catch (const std::exception &e) {
        error = path + ": cannot upgrade opset " + std::to_string(opset) +
                " to " + std::to_string(kUpgradedOpset) + ": " +
                oneLine(e.what());
        return false;
      }
      opset = kUpgradedOpset;
    }
    model.opsetVersion = opset;
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

bool loadOnnxModelFromBuffer(
    const std::string &displayName, const void *data, size_t size,
    OnnxModel &model, std::string &error,
    const std::map<std::string, std::vector<int64_t>> &inputShapes) {
  return loadFromBytes(displayName, data, size, model, error, inputShapes);
}

bool loadOnnxModel(
    const std::string &path, OnnxModel &model, std::string &error,
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
  return loadFromBytes(path, bytes.data(), bytes.size(), model, error,
                       inputShapes);
}

} // namespace qc
