//===- Importer.h - ONNX importer internals ---------------------*- C++ -*-===//
//
// The class that builds the float TOSA function out of an OnnxModel, shared
// by the importer's translation units:
//
//   OnnxImporter.cpp   driver, value bookkeeping, layouts, op-building helpers
//   ImportNN.cpp       Conv, ConvTranspose, pooling, normalisation, Resize
//   ImportMath.cpp     elementwise ops, activations, Gemm/MatMul, Softmax,
//                      reductions
//   ImportShape.cpp    Reshape-like ops, Transpose, Concat, Split, Slice, Pad,
//                      Gather, Expand, Tile, Cast, Identity
//   ConstantFolding.cpp  host evaluation of constant (shape) subgraphs
//
// Nothing that an input file controls may trip an assert: every index,
// attribute and shape is checked and reported through `fail`.
//
//===----------------------------------------------------------------------===//

#ifndef QC_LIB_IMPORT_IMPORTER_H
#define QC_LIB_IMPORT_IMPORTER_H

#include "qc/Import/OnnxImporter.h"
#include "qc/Import/OnnxModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"

#include <deque>
#include <optional>
#include <string>

namespace qc {
namespace onnx_import {

using Shape = llvm::SmallVector<int64_t, 4>;
using Perm = llvm::SmallVector<int64_t, 6>;

/// TOSA's rank limit (level 8K), which the float pipeline validates.
inline constexpr size_t kMaxRank = 6;
/// Runtime tensors must have fewer elements than this.
inline constexpr int64_t kMaxElements = int64_t(1) << 31;
/// Tensors computed at import time (folded constants, broadcast or index
/// tables) must have at most this many elements.
inline constexpr int64_t kMaxHostElements = int64_t(1) << 24;
/// Bound on sizes read from attributes (kernels, strides, pads, ...).
inline constexpr int64_t kMaxAttrValue = int64_t(1) << 24;

//===----------------------------------------------------------------------===//
// Shapes, permutations and host data
//===----------------------------------------------------------------------===//

std::string shapeStr(llvm::ArrayRef<int64_t> shape);

/// Product of `shape`; false if a dim is negative or the product exceeds
/// `limit`.
bool checkedProduct(llvm::ArrayRef<int64_t> shape, int64_t limit, int64_t &out);
/// Product of a shape already known to be small.
int64_t product(llvm::ArrayRef<int64_t> shape);

/// Numpy-style broadcast of two shapes; false if incompatible.
bool broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b,
                     Shape &out);
/// Shape `s` with leading 1s so that it has rank `rank` (>= s.size()).
Shape padRank(llvm::ArrayRef<int64_t> s, size_t rank);

/// perm applied to shape: result[i] = shape[perm[i]].
Shape permuteShape(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> perm);
/// Composition: permuting by `first`, then by `second`, equals permuting by
/// the result (result[i] = first[second[i]]).
Perm composePerms(llvm::ArrayRef<int64_t> first,
                  llvm::ArrayRef<int64_t> second);
Perm inversePerm(llvm::ArrayRef<int64_t> perm);
bool isIdentityPerm(llvm::ArrayRef<int64_t> perm);
/// True if `perm` is a permutation of 0..rank-1.
bool isValidPerm(llvm::ArrayRef<int64_t> perm, size_t rank);
/// True if transposing a tensor of `shape` by `perm` keeps the element
/// order (only size-1 dims move), i.e. it is a reshape.
bool permIsReshape(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> perm);

/// NCHW -> NHWC and back, as permutations.
inline constexpr int64_t kToNhwc[4] = {0, 2, 3, 1};
inline constexpr int64_t kToNchw[4] = {0, 3, 1, 2};
/// Position of plain (NCHW) axis `axis` in the NHWC layout.
inline int64_t nhwcAxis(int64_t axis) {
  static constexpr int64_t map[4] = {0, 3, 1, 2};
  return map[axis];
}

/// Row-major N-d transpose: result dim i is input dim perm[i].
template <typename T>
llvm::SmallVector<T> transposeData(llvm::ArrayRef<T> in,
                                   llvm::ArrayRef<int64_t> dims,
                                   llvm::ArrayRef<int64_t> perm) {
  size_t rank = dims.size();
  llvm::SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t i = int64_t(rank) - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * dims[i + 1];
  Shape outDims = permuteShape(dims, perm);
  llvm::SmallVector<T> out(in.size());
  llvm::SmallVector<int64_t> idx(rank, 0);
  for (size_t lin = 0; lin < in.size(); ++lin) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i)
      src += idx[i] * inStrides[perm[i]];
    out[lin] = in[src];
    for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
      if (++idx[i] < outDims[i])
        break;
      idx[i] = 0;
    }
  }
  return out;
}

/// Numpy-style broadcast of `in` (shape `dims`) to `target`.
template <typename T>
llvm::SmallVector<T> broadcastData(llvm::ArrayRef<T> in,
                                   llvm::ArrayRef<int64_t> dims,
                                   llvm::ArrayRef<int64_t> target) {
  size_t rank = target.size();
  Shape padded = padRank(dims, rank);
  llvm::SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
    strides[i] = padded[i] == 1 ? 0 : stride;
    stride *= padded[i];
  }
  llvm::SmallVector<T> out(product(target));
  llvm::SmallVector<int64_t> idx(rank, 0);
  for (size_t lin = 0; lin < out.size(); ++lin) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i)
      src += idx[i] * strides[i];
    out[lin] = in[src];
    for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
      if (++idx[i] < target[i])
        break;
      idx[i] = 0;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

/// One ONNX value in the function being built. It may be held in plain
/// (ONNX) layout, in NHWC layout (rank 4 only), and/or as a permutation of
/// another SSA value (`src`, set by Transpose): plain = transpose(src,
/// srcPerm). Conversions are created lazily, at most once per value, and a
/// conversion that composes to the identity (Transpose(0,3,1,2) of an NHWC
/// graph input feeding a Conv) costs nothing.
struct ImportedValue {
  Shape shape; ///< ONNX (plain) shape
  mlir::Value plain;
  mlir::Value nhwc;
  mlir::Value src;
  Perm srcPerm;
  /// Layout elementwise consumers should work in (NHWC if set).
  bool preferNhwc = false;
};

/// Sliding-window attributes of a 1-D or 2-D Conv/pool, as 2-D (a 1-D op
/// is a 2-D one with H == 1).
struct SpatialAttrs {
  int64_t kernel[2] = {1, 1};
  int64_t strides[2] = {1, 1};
  int64_t dilations[2] = {1, 1};
  /// ONNX order: begin H, begin W, end H, end W (from `pads`).
  int64_t pads[4] = {0, 0, 0, 0};
  std::string autoPad = "NOTSET";
};

/// Geometry of a 2-D sliding window (Conv / pooling) in TOSA terms.
struct Window {
  int64_t pad[4] = {0, 0, 0, 0}; ///< TOSA order: top, bottom, left, right
  int64_t outH = 0, outW = 0;
  /// Trailing input rows/columns that no window touches and that must be
  /// sliced off because TOSA requires exact division by the stride.
  int64_t cropH = 0, cropW = 0;
  /// End padding added by ceil_mode beyond the explicit padding.
  int64_t overhang[2] = {0, 0};
  /// ceil_mode dropped a last window that would start in the end padding.
  bool dropped[2] = {false, false};
};

/// An elementwise operand: a runtime value or a constant.
struct Operand {
  llvm::StringRef name;
  ImportedValue *value = nullptr;
  const OnnxTensor *constant = nullptr;
  Shape shape;
};

/// Parameters of a QuantizeLinear / DequantizeLinear.
struct QuantParams {
  llvm::SmallVector<float> scales;
  llvm::SmallVector<int64_t> zeroPoints;
  int64_t axis = -1; ///< -1: per-tensor
  int32_t storageType = 0; ///< OnnxDataType of the quantized tensor
};

/// Scales of a constant produced by DequantizeLinear.
struct WeightQuant {
  llvm::SmallVector<float> scales;
  int64_t axis = -1; ///< -1: per-tensor
};

/// Attribute on a weight tosa.const: the model's scale per index of the
/// dimension qc-quantize-constants quantizes along.
inline constexpr llvm::StringLiteral kWeightScalesAttr = "qc.weight_scales";

/// Kinds of n-ary elementwise ops with numpy broadcasting.
enum class EwKind { Add, Sub, Mul, Div, Max, Min, Pow, PRelu };

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

class Importer {
public:
  Importer(mlir::MLIRContext &ctx, const OnnxModel &model, llvm::StringRef file,
           const ImportOptions &options);

  mlir::OwningOpRef<mlir::ModuleOp> run(std::string &error);

  //===--------------------------------------------------------------------===//
  // Diagnostics and bookkeeping (OnnxImporter.cpp)
  //===--------------------------------------------------------------------===//

  mlir::LogicalResult fail(const llvm::Twine &reason);
  mlir::Location locFor(llvm::StringRef name) {
    return mlir::NameLoc::get(mlir::StringAttr::get(&ctx, name), fileLoc);
  }
  int64_t opset() const { return model.opsetVersion; }

  llvm::StringRef input(const OnnxNode &n, unsigned idx) const {
    return idx < n.inputs.size() ? llvm::StringRef(n.inputs[idx])
                                 : llvm::StringRef();
  }
  bool hasInput(const OnnxNode &n, unsigned idx) const {
    return !input(n, idx).empty();
  }
  const OnnxTensor *lookupConst(llvm::StringRef name) const;
  /// Required float32 constant input `idx` (nullptr + error otherwise).
  const OnnxTensor *getFloatConst(const OnnxNode &n, unsigned idx,
                                  llvm::StringRef what);
  /// Required constant integer input `idx`.
  const OnnxTensor *getIntConst(const OnnxNode &n, unsigned idx,
                                llvm::StringRef what);
  /// Reads a list of integers from constant input `idx`, or, when the model's
  /// opset is below `inputSince`, from attribute `attr`. `present` is false
  /// if neither is given.
  mlir::LogicalResult getIntsInputOrAttr(const OnnxNode &n, unsigned idx,
                                         llvm::StringRef attr,
                                         int64_t inputSince,
                                         llvm::SmallVectorImpl<int64_t> &out,
                                         bool &present);
  /// Scalar float from optional constant input `idx` (keeps `value` if
  /// absent).
  mlir::LogicalResult getScalarInput(const OnnxNode &n, unsigned idx,
                                     llvm::StringRef what, float &value);
  ImportedValue *getValue(llvm::StringRef name);
  /// Shape of a runtime value or constant.
  mlir::FailureOr<Shape> shapeOf(llvm::StringRef name);
  /// Runtime value or constant as an elementwise operand.
  mlir::LogicalResult getOperand(llvm::StringRef name, Operand &op);
  mlir::LogicalResult define(const OnnxNode &n, unsigned idx, ImportedValue v);
  mlir::LogicalResult defineConst(const OnnxNode &n, unsigned idx,
                                  OnnxTensor t);
  /// Alias output `idx` to an existing value (Identity, no-op Cast).
  mlir::LogicalResult alias(const OnnxNode &n, unsigned idx, ImportedValue *v);
  /// Checks a computed shape against the file's value info; `quantized`
  /// values may be declared int8/uint8.
  mlir::LogicalResult checkShape(llvm::StringRef name,
                                 llvm::ArrayRef<int64_t> shape,
                                 bool quantized = false);
  /// Outputs from `numSupported` on must be absent or unused.
  mlir::LogicalResult checkExtraOutputs(const OnnxNode &n,
                                        unsigned numSupported);
  mlir::LogicalResult checkRuntimeShape(llvm::ArrayRef<int64_t> shape,
                                        llvm::StringRef what);
  /// Normalises `axis` for `rank` (negative counts from the end).
  mlir::LogicalResult normalizeAxis(int64_t &axis, int64_t rank,
                                    llvm::StringRef what);
  mlir::LogicalResult checkAttrRange(llvm::StringRef what, int64_t v,
                                     int64_t lo, int64_t hi);

  //===--------------------------------------------------------------------===//
  // Layouts
  //===--------------------------------------------------------------------===//

  mlir::Value plainOf(ImportedValue &v);
  mlir::Value nhwcOf(ImportedValue &v);
  mlir::Value layoutOf(ImportedValue &v, bool nhwc) {
    return nhwc ? nhwcOf(v) : plainOf(v);
  }
  /// NHWC (plain) is available without a transpose.
  bool nhwcIsFree(const ImportedValue &v) const;
  bool plainIsFree(const ImportedValue &v) const;
  /// Layout a unary consumer of `v` should work in.
  bool useNhwc(const ImportedValue &v) const;
  /// Reshape in plain element order, straight from an available layout if
  /// that has the plain element order already.
  mlir::Value reshapeFrom(ImportedValue &v, llvm::ArrayRef<int64_t> shape);
  /// A value of plain shape `shape`, held as `v` in NHWC or plain layout.
  static ImportedValue makeValue(llvm::ArrayRef<int64_t> shape, mlir::Value v,
                                 bool nhwc);
  /// Layout axis of plain axis `axis` (identity unless nhwc).
  static int64_t layoutAxis(int64_t axis, bool nhwc) {
    return nhwc ? nhwcAxis(axis) : axis;
  }
  /// A constant of plain shape `dims` (rank <= `rank`), padded to `rank` and
  /// permuted to NHWC if `nhwc` (then rank must be 4).
  mlir::Value constInLayout(llvm::ArrayRef<float> data,
                            llvm::ArrayRef<int64_t> dims, size_t rank,
                            bool nhwc);
  /// Operand `op`, rank-padded to `rank`, in the given layout.
  mlir::Value operandInLayout(Operand &op, size_t rank, bool nhwc);
  /// Whether an elementwise op over `ops` with result rank `rank` should be
  /// computed in NHWC.
  bool chooseNhwc(llvm::MutableArrayRef<Operand> ops, size_t rank);

  //===--------------------------------------------------------------------===//
  // Op-building helpers
  //===--------------------------------------------------------------------===//

  mlir::RankedTensorType f32(llvm::ArrayRef<int64_t> shape) {
    return mlir::RankedTensorType::get(shape, b.getF32Type());
  }
  static Shape shapeOfValue(mlir::Value v) {
    auto type = llvm::cast<mlir::RankedTensorType>(v.getType());
    return Shape(type.getShape().begin(), type.getShape().end());
  }
  mlir::Value constF32(llvm::ArrayRef<int64_t> shape,
                       llvm::ArrayRef<float> data);
  /// A splat of `value` with `rank` dims of size 1.
  mlir::Value scalarF32(float value, size_t rank);
  mlir::Value splatF32(llvm::ArrayRef<int64_t> shape, float value);
  mlir::Value constI32(llvm::ArrayRef<int64_t> shape,
                       llvm::ArrayRef<int32_t> data);
  mlir::Value zeroPoint();
  mlir::Value mulShift();
  mlir::Value constShape(llvm::ArrayRef<int64_t> shape);
  mlir::Value reshape(mlir::Value v, llvm::ArrayRef<int64_t> shape);
  /// Transpose; a reshape when only size-1 dims move; nothing if identity.
  mlir::Value permute(mlir::Value v, llvm::ArrayRef<int64_t> perm);
  mlir::Value slice(mlir::Value v, llvm::ArrayRef<int64_t> start,
                    llvm::ArrayRef<int64_t> size);
  /// Slice [begin, end) of `axis`.
  mlir::Value sliceAxis(mlir::Value v, int64_t axis, int64_t begin,
                        int64_t end);
  mlir::Value concat(llvm::ArrayRef<mlir::Value> parts, int64_t axis);
  /// Elements begin, begin+step, ... (count of them) of `axis`, step >= 1.
  mlir::Value stridedSliceAxis(mlir::Value v, int64_t axis, int64_t begin,
                               int64_t step, int64_t count);
  /// Elements `indices` (each in range) of `axis`, in that order.
  mlir::FailureOr<mlir::Value> gatherAxis(mlir::Value v, int64_t axis,
                                          llvm::ArrayRef<int64_t> indices);
  /// Pads `axis` with `before`/`after` copies of `value`.
  mlir::Value padConstAxis(mlir::Value v, int64_t axis, int64_t before,
                           int64_t after, float value);
  /// Equalises ranks by reshaping the lower-rank operand.
  void equalizeRanks(mlir::Value &x, mlir::Value &y);
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value sub(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, mlir::Value y);
  mlir::Value maximum(mlir::Value x, mlir::Value y);
  mlir::Value minimum(mlir::Value x, mlir::Value y);
  mlir::Value select(mlir::Value pred, mlir::Value x, mlir::Value y);
  mlir::Value greaterEqual(mlir::Value x, mlir::Value y);
  mlir::Value reciprocal(mlir::Value x);
  mlir::Value clamp(mlir::Value x, float lo, float hi);
  mlir::Value exp(mlir::Value x);
  mlir::Value log(mlir::Value x);
  mlir::Value erf(mlir::Value x);
  mlir::Value sqrt(mlir::Value x);
  /// Sum over `axis`, keeping it as size 1.
  mlir::Value reduceSum(mlir::Value x, int64_t axis);
  mlir::Value reduceMax(mlir::Value x, int64_t axis);
  mlir::Value reduceMin(mlir::Value x, int64_t axis);
  /// tosa.conv2d on NHWC input with OHWI weights.
  mlir::Value conv2d(mlir::Value in, mlir::Value w, mlir::Value bias,
                     llvm::ArrayRef<int64_t> pad,
                     llvm::ArrayRef<int64_t> stride,
                     llvm::ArrayRef<int64_t> dilation, int64_t outH,
                     int64_t outW);

  /// Reads kernel_shape (unless `kernel` is given), strides, dilations,
  /// pads and auto_pad of a node with `spatial` (1 or 2) spatial dims.
  mlir::LogicalResult readSpatialAttrs(const OnnxNode &n, unsigned spatial,
                                       llvm::ArrayRef<int64_t> kernel,
                                       SpatialAttrs &attrs);
  mlir::LogicalResult computeWindow(const SpatialAttrs &attrs, int64_t h,
                                    int64_t w, bool ceilMode, Window &win);
  /// Rank-3 [N, C, L] or rank-4 [N, C, H, W] input as NHWC [N, H, W, C]
  /// (H = 1 for rank 3).
  mlir::Value spatialInput(ImportedValue &x);
  /// Defines output `idx` from an NHWC [N, H, W, C] result of a 1-D (rank
  /// 3, H == 1) or 2-D op.
  mlir::LogicalResult defineSpatial(const OnnxNode &n, unsigned idx,
                                    mlir::Value nhwc, size_t rank);

  //===--------------------------------------------------------------------===//
  // Node importers
  //===--------------------------------------------------------------------===//

  mlir::LogicalResult importNode(const OnnxNode &n);

  // ImportNN.cpp
  mlir::LogicalResult importConv(const OnnxNode &n);
  mlir::LogicalResult importConvTranspose(const OnnxNode &n);
  mlir::LogicalResult importPool(const OnnxNode &n);
  mlir::LogicalResult importGlobalPool(const OnnxNode &n);
  mlir::LogicalResult importBatchNorm(const OnnxNode &n);
  mlir::LogicalResult importLayerNorm(const OnnxNode &n);
  mlir::LogicalResult importInstanceNorm(const OnnxNode &n);
  mlir::LogicalResult importResize(const OnnxNode &n);

  // ImportMath.cpp
  mlir::LogicalResult importElementwise(const OnnxNode &n, EwKind kind);
  mlir::LogicalResult importVariadic(const OnnxNode &n, EwKind kind);
  mlir::LogicalResult importUnary(const OnnxNode &n);
  mlir::LogicalResult importClip(const OnnxNode &n);
  mlir::LogicalResult importGemm(const OnnxNode &n);
  mlir::LogicalResult importMatMul(const OnnxNode &n);
  mlir::LogicalResult importSoftmax(const OnnxNode &n);
  mlir::LogicalResult importReduce(const OnnxNode &n);

  // ImportShape.cpp
  mlir::LogicalResult importReshapeLike(const OnnxNode &n,
                                        llvm::ArrayRef<int64_t> outShape);
  mlir::LogicalResult importFlatten(const OnnxNode &n);
  mlir::LogicalResult importReshape(const OnnxNode &n);
  mlir::LogicalResult importSqueeze(const OnnxNode &n);
  mlir::LogicalResult importUnsqueeze(const OnnxNode &n);
  mlir::LogicalResult importTranspose(const OnnxNode &n);
  mlir::LogicalResult importConcat(const OnnxNode &n);
  mlir::LogicalResult importSplit(const OnnxNode &n);
  mlir::LogicalResult importSlice(const OnnxNode &n);
  mlir::LogicalResult importPad(const OnnxNode &n);
  mlir::LogicalResult importGather(const OnnxNode &n);
  mlir::LogicalResult importExpand(const OnnxNode &n);
  mlir::LogicalResult importTile(const OnnxNode &n);
  mlir::LogicalResult importCast(const OnnxNode &n);
  mlir::LogicalResult importIdentity(const OnnxNode &n);

  // ImportQuant.cpp
  mlir::LogicalResult importQuantizeLinear(const OnnxNode &n);
  mlir::LogicalResult importDequantizeLinear(const OnnxNode &n);
  /// Scale, zero point and axis of a Q/DQ node whose input has `xShape`.
  mlir::LogicalResult readQuantParams(const OnnxNode &n,
                                      llvm::ArrayRef<int64_t> xShape,
                                      bool dequantize, QuantParams &p);
  /// The model's scales for indices [begin, begin + count) of dim `axis` of
  /// constant `name`, if it came from DequantizeLinear per-tensor or per-axis
  /// along `axis`.
  std::optional<llvm::SmallVector<double>>
  weightScales(llvm::StringRef name, int64_t axis, int64_t begin,
               int64_t count) const;
  /// A weight constant, annotated with `scales` (kWeightScalesAttr) if known.
  mlir::Value weightConst(llvm::ArrayRef<int64_t> shape,
                          llvm::ArrayRef<float> data,
                          const std::optional<llvm::SmallVector<double>> &scales);

  // ConstantFolding.cpp
  /// Evaluates `n` at import time if all its inputs are constants (or it
  /// only reads shapes) and the op is one the folder knows: true if done.
  mlir::FailureOr<bool> tryFold(const OnnxNode &n);

  /// Squeeze/Unsqueeze axes and Reshape targets, shared with folding.
  mlir::LogicalResult squeezeShape(const OnnxNode &n,
                                   llvm::ArrayRef<int64_t> inShape,
                                   Shape &outShape);
  mlir::LogicalResult unsqueezeShape(const OnnxNode &n,
                                     llvm::ArrayRef<int64_t> inShape,
                                     Shape &outShape);
  mlir::LogicalResult reshapeTarget(const OnnxNode &n,
                                    llvm::ArrayRef<int64_t> inShape,
                                    Shape &outShape);
  mlir::LogicalResult flattenShape(const OnnxNode &n,
                                   llvm::ArrayRef<int64_t> inShape,
                                   Shape &outShape);
  /// Slice parameters normalised per ONNX: per input axis, start, step and
  /// element count.
  struct SliceSpec {
    Shape start, step, count;
  };
  mlir::LogicalResult sliceSpec(const OnnxNode &n,
                                llvm::ArrayRef<int64_t> inShape,
                                SliceSpec &spec);
  mlir::LogicalResult splitSizes(const OnnxNode &n,
                                 llvm::ArrayRef<int64_t> inShape, int64_t &axis,
                                 llvm::SmallVectorImpl<int64_t> &sizes);

  //===--------------------------------------------------------------------===//
  // State
  //===--------------------------------------------------------------------===//

  mlir::MLIRContext &ctx;
  const OnnxModel &model;
  std::string file;
  const ImportOptions &options;
  mlir::OpBuilder b;
  mlir::Location fileLoc;
  mlir::Location curLoc;
  const OnnxNode *curNode = nullptr;
  std::string error;

  std::deque<ImportedValue> storage;
  llvm::StringMap<ImportedValue *> values;
  /// Constants produced at import time, in addition to model.constants.
  llvm::StringMap<OnnxTensor> folded;
  /// QuantizeLinear outputs on runtime values (only DequantizeLinear may
  /// read them) and their parameters.
  llvm::StringMap<QuantParams> quantizedValues;
  /// Constants produced by DequantizeLinear and their scales.
  llvm::StringMap<WeightQuant> weightQuant;
  /// Names read by some node or returned by the graph.
  llvm::StringSet<> usedNames;
  /// Rank-4 graph inputs whose consumers want the plain layout.
  llvm::StringSet<> plainInputs;
  mlir::Value zpCache, shiftCache;
};

} // namespace onnx_import
} // namespace qc

#endif // QC_LIB_IMPORT_IMPORTER_H
