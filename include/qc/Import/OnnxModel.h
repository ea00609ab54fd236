//===- OnnxModel.h - Protobuf-free view of an ONNX model --------*- C++ -*-===//
//
// Loads an ONNX file with the system libonnx (checker, version converter) and
// converts it into plain C++ structs. This header deliberately exposes no
// protobuf or ONNX types, so it can be included from code built with
// -fno-exceptions; the implementation (OnnxModel.cpp) is the only place in qc
// where C++ exceptions are used, and none escape from it.
//
//===----------------------------------------------------------------------===//

#ifndef QC_IMPORT_ONNXMODEL_H
#define QC_IMPORT_ONNXMODEL_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qc {

/// ONNX TensorProto.DataType values that qc cares about (same numbering).
enum class OnnxDataType : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
};

/// Human readable name of an ONNX data type ("float32", "int64", ...).
std::string onnxDataTypeName(int32_t dataType);

/// A constant tensor: a graph initializer, the output of a `Constant` node or
/// a tensor-valued attribute.
struct OnnxTensor {
  std::string name;
  std::vector<int64_t> dims; ///< empty = scalar
  /// Raw ONNX element type (OnnxDataType numbering).
  int32_t dataType = 0;
  /// Filled when dataType is Float (float32).
  std::vector<float> floatData;
  /// Filled when dataType is Int64, Int32, Int16, Int8, UInt8, UInt16 or
  /// Bool (values widened to int64).
  std::vector<int64_t> intData;

  bool isFloat() const { return dataType == int32_t(OnnxDataType::Float); }
  bool isInt() const {
    switch (OnnxDataType(dataType)) {
    case OnnxDataType::Int64:
    case OnnxDataType::Int32:
    case OnnxDataType::Int16:
    case OnnxDataType::Int8:
    case OnnxDataType::UInt8:
    case OnnxDataType::UInt16:
    case OnnxDataType::Bool:
      return true;
    default:
      return false;
    }
  }
  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : dims)
      n *= d;
    return n;
  }
};

/// A node attribute. Kinds other than the ones listed are kept with kind
/// Unsupported so that the importer can name them in a diagnostic.
struct OnnxAttribute {
  enum class Kind { Int, Float, String, Ints, Floats, Tensor, Unsupported };
  std::string name;
  Kind kind = Kind::Unsupported;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  OnnxTensor t;
};

struct OnnxNode {
  std::string name;
  std::string opType;
  std::string domain;               ///< "" for the default ONNX domain
  std::vector<std::string> inputs;  ///< "" marks an omitted optional input
  std::vector<std::string> outputs; ///< "" marks an omitted optional output
  std::vector<OnnxAttribute> attributes;

  const OnnxAttribute *getAttr(const std::string &attrName) const {
    for (const OnnxAttribute &a : attributes)
      if (a.name == attrName)
        return &a;
    return nullptr;
  }
  bool hasAttr(const std::string &attrName) const {
    return getAttr(attrName) != nullptr;
  }
  /// Typed accessors; return the default when absent or of another kind.
  int64_t getInt(const std::string &attrName, int64_t dflt) const {
    const OnnxAttribute *a = getAttr(attrName);
    return a && a->kind == OnnxAttribute::Kind::Int ? a->i : dflt;
  }
  float getFloat(const std::string &attrName, float dflt) const {
    const OnnxAttribute *a = getAttr(attrName);
    return a && a->kind == OnnxAttribute::Kind::Float ? a->f : dflt;
  }
  std::string getString(const std::string &attrName,
                        const std::string &dflt) const {
    const OnnxAttribute *a = getAttr(attrName);
    return a && a->kind == OnnxAttribute::Kind::String ? a->s : dflt;
  }
  std::vector<int64_t> getInts(const std::string &attrName,
                               const std::vector<int64_t> &dflt) const {
    const OnnxAttribute *a = getAttr(attrName);
    return a && a->kind == OnnxAttribute::Kind::Ints ? a->ints : dflt;
  }
  std::vector<float> getFloats(const std::string &attrName,
                               const std::vector<float> &dflt) const {
    const OnnxAttribute *a = getAttr(attrName);
    return a && a->kind == OnnxAttribute::Kind::Floats ? a->floats : dflt;
  }
};

/// Static type information of a value (graph input/output or an
/// intermediate value the file annotates).
struct OnnxValueInfo {
  std::string name;
  int32_t elemType = 0;  ///< OnnxDataType numbering, 0 = unknown
  bool hasShape = false; ///< false: rank unknown
  /// One entry per dimension; -1 when the dimension is not a fixed number.
  std::vector<int64_t> dims;
  /// Parallel to dims: the symbolic name (dim_param), "" if none.
  std::vector<std::string> dimParams;

  bool isStatic() const {
    if (!hasShape)
      return false;
    for (int64_t d : dims)
      if (d < 0)
        return false;
    return true;
  }
};

/// Opsets of the default ONNX domain that qc imports. Models of opsets 1-6
/// are upgraded with libonnx's version converter first (to
/// kUpgradedOpset); opset 18 nodes are rewritten to their opset-17 form
/// before the (onnx 1.12) checker runs.
inline constexpr int64_t kMinOnnxOpset = 7;
inline constexpr int64_t kMaxOnnxOpset = 18;
inline constexpr int64_t kUpgradedOpset = 9;

struct OnnxModel {
  std::string path;
  int64_t irVersion = 0;
  /// Opset version of the default ONNX domain ("" / "ai.onnx") that the node
  /// semantics follow (after an upgrade of a pre-7 model, the new version).
  int64_t opsetVersion = 0;
  /// The default-domain opset the file declared.
  int64_t fileOpsetVersion = 0;
  /// All opset imports, domain -> version ("" for the default domain).
  std::map<std::string, int64_t> opsetImports;
  std::string producerName;
  std::string graphName;

  /// Graph inputs in order, initializers excluded.
  std::vector<OnnxValueInfo> inputs;
  /// Graph outputs in order.
  std::vector<OnnxValueInfo> outputs;
  /// Initializers and the outputs of `Constant` nodes, keyed by value name.
  std::map<std::string, OnnxTensor> constants;
  /// Nodes in (topological) file order, `Constant` nodes removed.
  std::vector<OnnxNode> nodes;
  /// Types of all values the file declares (inputs, outputs and
  /// intermediates), keyed by value name.
  std::map<std::string, OnnxValueInfo> valueInfos;

  const OnnxTensor *getConstant(const std::string &name) const {
    auto it = constants.find(name);
    return it == constants.end() ? nullptr : &it->second;
  }
  const OnnxValueInfo *getValueInfo(const std::string &name) const {
    auto it = valueInfos.find(name);
    return it == valueInfos.end() ? nullptr : &it->second;
  }
};

/// Parses `path`, runs the ONNX checker and fills
/// `model`. On failure returns false and sets `error` to a one-line message
/// that starts with the file name, e.g.
///   "net.onnx: not a valid ONNX model: protobuf parse error (truncated or
///   corrupt file)"
///   "net.onnx: node 'conv' (Conv): initializer 'w' has 5 float32 values, but
///   its shape [4, 1, 3, 3] needs 36 (opset 13)".
/// Problems that belong to a node (its tensors, an unknown operator or
/// domain, an opset-18 form qc cannot rewrite) name the node, its op type and
/// the opset.
/// `inputShapes` binds graph inputs (by name) to fixed shapes before shape
/// inference; each must have the input's rank and agree with its fixed dims.
bool loadOnnxModel(
    const std::string &path, OnnxModel &model, std::string &error,
    const std::map<std::string, std::vector<int64_t>> &inputShapes = {});

/// Like loadOnnxModel, from `size` bytes in memory; `displayName` stands for
/// the file name in messages.
bool loadOnnxModelFromBuffer(
    const std::string &displayName, const void *data, size_t size,
    OnnxModel &model, std::string &error,
    const std::map<std::string, std::vector<int64_t>> &inputShapes = {});

} // namespace qc

#endif // QC_IMPORT_ONNXMODEL_H
