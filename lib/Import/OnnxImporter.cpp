//===- OnnxImporter.cpp - ONNX model -> float TOSA module -----------------===//
//
// Builds `func.func @main` out of TOSA ops on f32 tensors from the
// protobuf-free OnnxModel (see OnnxModel.h). See OnnxImporter.h for the
// conventions of the produced "float graph".
//
// Layout tracking: every ONNX value maps to an ImportedValue which may hold
// the value in plain (ONNX) layout, in NHWC layout (rank 4 only), or both.
// Layout conversions are created lazily, at most once per value.
//
//===----------------------------------------------------------------------===//

#include "qc/Import/OnnxImporter.h"
#include "qc/Import/OnnxModel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <cfloat>
#include <cmath>
#include <deque>

using namespace mlir;

namespace qc {

void registerOnnxImporterDialects(MLIRContext &ctx) {
  ctx.loadDialect<func::FuncDialect, tosa::TosaDialect>();
}

namespace {

using Shape = SmallVector<int64_t, 4>;

//===----------------------------------------------------------------------===//
// Small helpers on shapes and constant data
//===----------------------------------------------------------------------===//

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleave(shape, os, ", ");
  os << ']';
  return s;
}

int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// NCHW shape -> NHWC shape.
Shape toNhwcShape(ArrayRef<int64_t> s) { return {s[0], s[2], s[3], s[1]}; }

/// Row-major N-d transpose: result dim i is input dim perm[i].
template <typename T>
SmallVector<T> transposeData(ArrayRef<T> in, ArrayRef<int64_t> dims,
                             ArrayRef<int64_t> perm) {
  size_t rank = dims.size();
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t i = int64_t(rank) - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * dims[i + 1];
  Shape outDims;
  for (int64_t p : perm)
    outDims.push_back(dims[p]);
  SmallVector<T> out(in.size());
  SmallVector<int64_t> idx(rank, 0);
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

/// Numpy-style broadcast of two shapes; false if incompatible.
bool broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b, Shape &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

/// Shape `s` with leading 1s so that it has rank `rank`.
Shape padRank(ArrayRef<int64_t> s, size_t rank) {
  Shape out(rank - s.size(), 1);
  out.append(s.begin(), s.end());
  return out;
}

/// Numpy-style broadcast of `in` (shape `dims`) to `target`.
SmallVector<float> broadcastData(ArrayRef<float> in, ArrayRef<int64_t> dims,
                                 ArrayRef<int64_t> target) {
  size_t rank = target.size();
  Shape padded = padRank(dims, rank);
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
    strides[i] = padded[i] == 1 ? 0 : stride;
    stride *= padded[i];
  }
  SmallVector<float> out(product(target));
  SmallVector<int64_t> idx(rank, 0);
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

/// One ONNX value in the function being built.
struct ImportedValue {
  Shape shape; ///< ONNX (plain) shape
  Value plain; ///< value in ONNX layout, if materialised
  Value nhwc;  ///< rank 4 only: value in NHWC layout, if materialised
  /// Layout elementwise consumers should work in (NHWC if set).
  bool preferNhwc = false;
};

/// Geometry of a 2-D sliding window (Conv / pooling) in TOSA terms.
struct Window {
  int64_t pad[4] = {0, 0, 0, 0}; ///< TOSA order: top, bottom, left, right
  int64_t outH = 0, outW = 0;
  /// Trailing input rows/columns that no window touches and that must be
  /// sliced off because TOSA requires exact division by the stride.
  int64_t cropH = 0, cropW = 0;
};

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

class Importer {
public:
  Importer(MLIRContext &ctx, const OnnxModel &model, StringRef file)
      : ctx(ctx), model(model), file(file.str()), b(&ctx),
        fileLoc(FileLineColLoc::get(&ctx, file, 1, 1)), curLoc(fileLoc) {}

  OwningOpRef<ModuleOp> run(std::string &error);

private:
  // Diagnostics.
  LogicalResult fail(const Twine &reason);
  Location locFor(StringRef name) {
    return NameLoc::get(StringAttr::get(&ctx, name), fileLoc);
  }

  // Value bookkeeping.
  const OnnxTensor *lookupConst(StringRef name) const;
  const OnnxTensor *getFloatConst(const OnnxNode &n, unsigned idx,
                                  StringRef what);
  ImportedValue *getValue(StringRef name);
  LogicalResult define(const OnnxNode &n, unsigned idx, ImportedValue v);
  LogicalResult defineConst(const OnnxNode &n, unsigned idx, OnnxTensor t);
  LogicalResult checkShape(StringRef name, ArrayRef<int64_t> shape);
  LogicalResult checkExtraOutputs(const OnnxNode &n, unsigned numSupported);
  StringRef input(const OnnxNode &n, unsigned idx) const {
    return idx < n.inputs.size() ? StringRef(n.inputs[idx]) : StringRef();
  }

  // Op builders.
  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  Value constF32(ArrayRef<int64_t> shape, ArrayRef<float> data);
  Value zeroPoint();
  Value mulShift();
  Value constShape(ArrayRef<int64_t> shape);
  Value reshape(Value v, ArrayRef<int64_t> shape);
  Value transpose(Value v, ArrayRef<int32_t> perms);
  Value slice(Value v, ArrayRef<int64_t> start, ArrayRef<int64_t> size);
  Value plainOf(ImportedValue &v);
  Value nhwcOf(ImportedValue &v);
  Value reshapeFrom(ImportedValue &v, ArrayRef<int64_t> shape);
  LogicalResult computeWindow(const OnnxNode &n, int64_t h, int64_t w,
                              int64_t kh, int64_t kw, ArrayRef<int64_t> strides,
                              ArrayRef<int64_t> dilations, Window &win);
  LogicalResult getInts2(const OnnxNode &n, StringRef attr,
                         SmallVectorImpl<int64_t> &out);

  // Node importers.
  LogicalResult importNode(const OnnxNode &n);
  LogicalResult importConv(const OnnxNode &n);
  LogicalResult importGemm(const OnnxNode &n);
  LogicalResult importMatMul(const OnnxNode &n);
  LogicalResult importMatMulConstB(const OnnxNode &n, ImportedValue &a,
                                   ArrayRef<float> bKN, int64_t k, int64_t nn,
                                   const OnnxTensor *c, float beta);
  LogicalResult importAdd(const OnnxNode &n);
  LogicalResult importClamp(const OnnxNode &n, float lo, float hi);
  LogicalResult importClip(const OnnxNode &n);
  LogicalResult importPool(const OnnxNode &n);
  LogicalResult importGlobalAveragePool(const OnnxNode &n);
  LogicalResult importBatchNorm(const OnnxNode &n);
  LogicalResult importReshapeLike(const OnnxNode &n, ArrayRef<int64_t> inShape,
                                  ArrayRef<int64_t> outShape);
  LogicalResult importFlatten(const OnnxNode &n);
  LogicalResult importReshape(const OnnxNode &n);
  LogicalResult importIdentity(const OnnxNode &n);

  MLIRContext &ctx;
  const OnnxModel &model;
  std::string file;
  OpBuilder b;
  Location fileLoc;
  Location curLoc;
  const OnnxNode *curNode = nullptr;
  std::string error;

  std::deque<ImportedValue> storage;
  llvm::StringMap<ImportedValue *> values;
  /// Constants produced at import time (Reshape/Flatten/Identity of
  /// constants), in addition to model.constants.
  llvm::StringMap<OnnxTensor> folded;
  Value zpCache, shiftCache;
};

LogicalResult Importer::fail(const Twine &reason) {
  if (!error.empty())
    return failure(); // keep the first (innermost) message
  if (curNode) {
    std::string name = curNode->name;
    if (name.empty() && !curNode->outputs.empty())
      name = curNode->outputs[0];
    error =
        (file + ": node '" + name + "' (" + curNode->opType + "): " + reason)
            .str();
  } else {
    error = (file + ": " + reason).str();
  }
  return failure();
}

const OnnxTensor *Importer::lookupConst(StringRef name) const {
  auto it = folded.find(name);
  if (it != folded.end())
    return &it->second;
  return model.getConstant(name.str());
}

const OnnxTensor *Importer::getFloatConst(const OnnxNode &n, unsigned idx,
                                          StringRef what) {
  StringRef name = input(n, idx);
  const OnnxTensor *t = lookupConst(name);
  if (!t) {
    (void)fail(what + " '" + name + "' must be a constant");
    return nullptr;
  }
  if (!t->isFloat()) {
    (void)fail(what + " '" + name + "' has element type " +
               onnxDataTypeName(t->dataType) + "; only float32 is supported");
    return nullptr;
  }
  return t;
}

ImportedValue *Importer::getValue(StringRef name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  if (const OnnxTensor *t = lookupConst(name)) {
    if (!t->isFloat()) {
      (void)fail("value '" + name + "' is a constant of element type " +
                 onnxDataTypeName(t->dataType) +
                 "; only float32 is supported here");
      return nullptr;
    }
    ImportedValue v;
    v.shape.assign(t->dims.begin(), t->dims.end());
    Location saved = curLoc;
    curLoc = locFor(name);
    v.plain = constF32(v.shape, t->floatData);
    curLoc = saved;
    storage.push_back(std::move(v));
    values[name] = &storage.back();
    return &storage.back();
  }
  (void)fail("value '" + name + "' is not defined");
  return nullptr;
}

LogicalResult Importer::checkShape(StringRef name, ArrayRef<int64_t> shape) {
  const OnnxValueInfo *vi = model.getValueInfo(name.str());
  if (!vi)
    return success();
  if (vi->elemType != 0 && vi->elemType != int32_t(OnnxDataType::Float))
    return fail("output '" + name + "' has element type " +
                onnxDataTypeName(vi->elemType) + "; only float32 is supported");
  if (vi->hasShape) {
    bool ok = vi->dims.size() == shape.size();
    for (size_t i = 0; ok && i < shape.size(); ++i)
      ok = vi->dims[i] < 0 || vi->dims[i] == shape[i];
    if (!ok)
      return fail("computed shape " + shapeStr(shape) + " of '" + name +
                  "' does not match the ONNX shape " + shapeStr(vi->dims));
  }
  return success();
}

LogicalResult Importer::define(const OnnxNode &n, unsigned idx,
                               ImportedValue v) {
  const std::string &name = n.outputs[idx];
  if (failed(checkShape(name, v.shape)))
    return failure();
  storage.push_back(std::move(v));
  values[name] = &storage.back();
  return success();
}

LogicalResult Importer::defineConst(const OnnxNode &n, unsigned idx,
                                    OnnxTensor t) {
  const std::string &name = n.outputs[idx];
  t.name = name;
  if (t.isFloat() && failed(checkShape(name, t.dims)))
    return failure();
  folded[name] = std::move(t);
  return success();
}

LogicalResult Importer::checkExtraOutputs(const OnnxNode &n,
                                          unsigned numSupported) {
  for (unsigned i = numSupported; i < n.outputs.size(); ++i)
    if (!n.outputs[i].empty())
      return fail("output #" + Twine(i) + " ('" + n.outputs[i] +
                  "') is not supported");
  return success();
}

//===----------------------------------------------------------------------===//
// Op building helpers
//===----------------------------------------------------------------------===//

Value Importer::constF32(ArrayRef<int64_t> shape, ArrayRef<float> data) {
  RankedTensorType type = f32(shape);
  return tosa::ConstOp::create(b, curLoc, type,
                               DenseElementsAttr::get(type, data));
}

Value Importer::zeroPoint() {
  if (!zpCache) {
    RankedTensorType type = f32({1});
    zpCache = tosa::ConstOp::create(b, fileLoc, type,
                                    cast<ElementsAttr>(b.getZeroAttr(type)));
  }
  return zpCache;
}

Value Importer::mulShift() {
  if (!shiftCache) {
    auto type = RankedTensorType::get({1}, b.getI8Type());
    shiftCache = tosa::ConstOp::create(b, fileLoc, type,
                                       cast<ElementsAttr>(b.getZeroAttr(type)));
  }
  return shiftCache;
}

Value Importer::constShape(ArrayRef<int64_t> shape) {
  int64_t rank = int64_t(shape.size());
  auto attrType = RankedTensorType::get({rank}, b.getIndexType());
  return tosa::ConstShapeOp::create(b, curLoc,
                                    tosa::shapeType::get(&ctx, int(rank)),
                                    DenseIntElementsAttr::get(attrType, shape));
}

Value Importer::reshape(Value v, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  return tosa::ReshapeOp::create(b, curLoc, f32(shape), v, constShape(shape));
}

Value Importer::transpose(Value v, ArrayRef<int32_t> perms) {
  auto type = cast<RankedTensorType>(v.getType());
  Shape outShape;
  for (int32_t p : perms)
    outShape.push_back(type.getDimSize(p));
  return tosa::TransposeOp::create(b, curLoc, f32(outShape), v, perms);
}

Value Importer::slice(Value v, ArrayRef<int64_t> start,
                      ArrayRef<int64_t> size) {
  return tosa::SliceOp::create(b, curLoc, f32(size), v, constShape(start),
                               constShape(size));
}

Value Importer::plainOf(ImportedValue &v) {
  if (v.plain)
    return v.plain;
  assert(v.nhwc && v.shape.size() == 4 && "value without any layout");
  if (v.shape[2] == 1 && v.shape[3] == 1)
    v.plain = reshape(v.nhwc, v.shape); // same element order
  else
    v.plain = transpose(v.nhwc, {0, 3, 1, 2});
  return v.plain;
}

Value Importer::nhwcOf(ImportedValue &v) {
  if (v.nhwc)
    return v.nhwc;
  assert(v.plain && v.shape.size() == 4 && "NHWC needs a rank-4 value");
  v.nhwc = transpose(v.plain, {0, 2, 3, 1});
  return v.nhwc;
}

/// Reshape in plain element order. An NHWC value with H == W == 1 has the
/// plain element order already, so it is reshaped directly.
Value Importer::reshapeFrom(ImportedValue &v, ArrayRef<int64_t> shape) {
  if (!v.plain && v.shape.size() == 4 && v.shape[2] == 1 && v.shape[3] == 1)
    return reshape(v.nhwc, shape);
  return reshape(plainOf(v), shape);
}

LogicalResult Importer::getInts2(const OnnxNode &n, StringRef attr,
                                 SmallVectorImpl<int64_t> &out) {
  std::vector<int64_t> vals = n.getInts(attr.str(), {1, 1});
  if (vals.size() != 2)
    return fail("attribute '" + attr + "' must have 2 values, has " +
                Twine(vals.size()));
  for (int64_t x : vals)
    if (x < 1)
      return fail("attribute '" + attr + "' must be positive");
  out.assign(vals.begin(), vals.end());
  return success();
}

LogicalResult Importer::computeWindow(const OnnxNode &n, int64_t h, int64_t w,
                                      int64_t kh, int64_t kw,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> dilations,
                                      Window &win) {
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  int64_t in[2] = {h, w};
  int64_t k[2] = {kh, kw};
  int64_t begin[2] = {0, 0}, end[2] = {0, 0};
  if (autoPad == "NOTSET") {
    std::vector<int64_t> pads = n.getInts("pads", {0, 0, 0, 0});
    if (pads.size() != 4)
      return fail("attribute 'pads' must have 4 values, has " +
                  Twine(pads.size()));
    for (int64_t p : pads)
      if (p < 0)
        return fail("negative pads are not supported");
    // ONNX: [x1_begin, x2_begin, x1_end, x2_end].
    begin[0] = pads[0];
    begin[1] = pads[1];
    end[0] = pads[2];
    end[1] = pads[3];
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int i = 0; i < 2; ++i) {
      int64_t effK = (k[i] - 1) * dilations[i] + 1;
      int64_t out = (in[i] + strides[i] - 1) / strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * strides[i] + effK - in[i]);
      if (autoPad == "SAME_UPPER") {
        begin[i] = total / 2;
        end[i] = total - begin[i];
      } else {
        end[i] = total / 2;
        begin[i] = total - end[i];
      }
    }
  } else if (autoPad != "VALID") {
    return fail("unknown auto_pad '" + autoPad + "'");
  }

  int64_t out[2], crop[2];
  for (int i = 0; i < 2; ++i) {
    int64_t effK = (k[i] - 1) * dilations[i] + 1;
    int64_t span = in[i] + begin[i] + end[i] - effK;
    if (span < 0)
      return fail("kernel (" + Twine(effK) + ") is larger than the padded " +
                  "input (" + Twine(in[i] + begin[i] + end[i]) + ")");
    out[i] = span / strides[i] + 1;
    // TOSA requires (in + pads - effK) to be a multiple of the stride. The
    // remainder rows are never read: drop end padding first, then input.
    int64_t rem = span % strides[i];
    int64_t fromPad = std::min(rem, end[i]);
    end[i] -= fromPad;
    crop[i] = rem - fromPad;
  }
  win.pad[0] = begin[0];
  win.pad[1] = end[0];
  win.pad[2] = begin[1];
  win.pad[3] = end[1];
  win.outH = out[0];
  win.outW = out[1];
  win.cropH = crop[0];
  win.cropW = crop[1];
  return success();
}

//===----------------------------------------------------------------------===//
// Node importers
//===----------------------------------------------------------------------===//

LogicalResult Importer::importNode(const OnnxNode &n) {
  curNode = &n;
  std::string name =
      n.name.empty() && !n.outputs.empty() ? n.outputs[0] : n.name;
  curLoc = locFor(name);

  if (!n.domain.empty())
    return fail("unsupported operator (domain '" + n.domain + "')");
  if (n.outputs.empty() || n.outputs[0].empty())
    return fail("node has no output");

  const std::string &op = n.opType;
  if (op == "Conv")
    return importConv(n);
  if (op == "Gemm")
    return importGemm(n);
  if (op == "MatMul")
    return importMatMul(n);
  if (op == "Add")
    return importAdd(n);
  if (op == "Relu")
    return importClamp(n, 0.0f, FLT_MAX);
  if (op == "Clip")
    return importClip(n);
  if (op == "MaxPool" || op == "AveragePool")
    return importPool(n);
  if (op == "GlobalAveragePool")
    return importGlobalAveragePool(n);
  if (op == "BatchNormalization")
    return importBatchNorm(n);
  if (op == "Flatten")
    return importFlatten(n);
  if (op == "Reshape")
    return importReshape(n);
  if (op == "Identity" || op == "Dropout")
    return importIdentity(n);
  return fail("unsupported operator");
}

LogicalResult Importer::importConv(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (x->shape.size() != 4)
    return fail("only 2-D convolution is supported (input has rank " +
                Twine(x->shape.size()) + ")");
  const OnnxTensor *w = getFloatConst(n, 1, "weight");
  if (!w)
    return failure();
  if (w->dims.size() != 4)
    return fail("weight must have rank 4, has rank " + Twine(w->dims.size()));
  const OnnxTensor *bias = nullptr;
  if (!input(n, 2).empty()) {
    bias = getFloatConst(n, 2, "bias");
    if (!bias)
      return failure();
  }

  int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
  int64_t O = w->dims[0], CperG = w->dims[1], KH = w->dims[2], KW = w->dims[3];
  int64_t group = n.getInt("group", 1);
  if (group < 1)
    return fail("invalid group " + Twine(group));
  if (CperG * group != C || O % group != 0)
    return fail("weight shape " + shapeStr(w->dims) +
                " does not match input channels " + Twine(C) + " and group " +
                Twine(group));
  if (n.hasAttr("kernel_shape")) {
    std::vector<int64_t> ks = n.getInts("kernel_shape", {});
    if (ks.size() != 2 || ks[0] != KH || ks[1] != KW)
      return fail("kernel_shape does not match the weight shape " +
                  shapeStr(w->dims));
  }
  if (bias && (bias->dims.size() != 1 || bias->dims[0] != O))
    return fail("bias shape " + shapeStr(bias->dims) + " does not match " +
                Twine(O) + " output channels");

  SmallVector<int64_t, 2> strides, dilations;
  if (failed(getInts2(n, "strides", strides)) ||
      failed(getInts2(n, "dilations", dilations)))
    return failure();
  Window win;
  if (failed(computeWindow(n, H, W, KH, KW, strides, dilations, win)))
    return failure();

  bool depthwise = group != 1;
  if (depthwise && !(group == C && CperG == 1 && O % C == 0))
    return fail("groups=" + Twine(group) + " not supported yet");

  Value in = nhwcOf(*x);
  if (win.cropH || win.cropW)
    in = slice(in, {0, 0, 0, 0}, {N, H - win.cropH, W - win.cropW, C});

  SmallVector<float> biasData(O, 0.0f);
  if (bias)
    biasData.assign(bias->floatData.begin(), bias->floatData.end());
  Value biasV = constF32({O}, biasData);
  Shape outNhwc = {N, win.outH, win.outW, O};
  Value result;
  if (!depthwise) {
    // OIHW -> OHWI.
    SmallVector<float> wData =
        transposeData<float>(w->floatData, w->dims, {0, 2, 3, 1});
    Value wV = constF32({O, KH, KW, C}, wData);
    result = tosa::Conv2DOp::create(
        b, curLoc, f32(outNhwc), in, wV, biasV, zeroPoint(), zeroPoint(),
        ArrayRef<int64_t>(win.pad), ArrayRef<int64_t>(strides),
        ArrayRef<int64_t>(dilations), b.getF32Type());
  } else {
    // [C*M, 1, KH, KW] viewed as [C, M, KH, KW] -> [KH, KW, C, M].
    int64_t M = O / C;
    SmallVector<float> wData =
        transposeData<float>(w->floatData, {C, M, KH, KW}, {2, 3, 0, 1});
    Value wV = constF32({KH, KW, C, M}, wData);
    result = tosa::DepthwiseConv2DOp::create(
        b, curLoc, f32(outNhwc), in, wV, biasV, zeroPoint(), zeroPoint(),
        ArrayRef<int64_t>(win.pad), ArrayRef<int64_t>(strides),
        ArrayRef<int64_t>(dilations), b.getF32Type());
  }
  ImportedValue out;
  out.shape = {N, O, win.outH, win.outW};
  out.nhwc = result;
  out.preferNhwc = true;
  return define(n, 0, std::move(out));
}

/// A [.., K] x B[K, N] (+ C) with constant B, as reshape / tosa.matmul /
/// reshape (/ tosa.add).
LogicalResult Importer::importMatMulConstB(const OnnxNode &n, ImportedValue &a,
                                           ArrayRef<float> bKN, int64_t k,
                                           int64_t nn, const OnnxTensor *c,
                                           float beta) {
  Shape outShape(a.shape.begin(), a.shape.end() - 1);
  outShape.push_back(nn);
  int64_t m = product(ArrayRef<int64_t>(a.shape).drop_back());

  Value a3 = reshapeFrom(a, {1, m, k});
  Value b3 = constF32({1, k, nn}, bKN);
  Value mm = tosa::MatMulOp::create(b, curLoc, f32({1, m, nn}), a3, b3,
                                    zeroPoint(), zeroPoint());
  Value result = reshape(mm, outShape);

  if (c && beta != 0.0f) {
    Shape cShape;
    if (!broadcastShapes(outShape, c->dims, cShape) || cShape != outShape)
      return fail("C of shape " + shapeStr(c->dims) +
                  " cannot be broadcast to " + shapeStr(outShape));
    // [N]-like biases become [1, .., 1, N]; anything else is expanded.
    Shape addShape(outShape.size(), 1);
    addShape.back() = nn;
    bool rowBias = true;
    Shape padded = padRank(c->dims, outShape.size());
    for (size_t i = 0; i + 1 < padded.size(); ++i)
      rowBias &= padded[i] == 1;
    if (!rowBias)
      addShape = outShape;
    SmallVector<float> cData = broadcastData(c->floatData, c->dims, addShape);
    for (float &v : cData)
      v *= beta;
    result = tosa::AddOp::create(b, curLoc, f32(outShape), result,
                                 constF32(addShape, cData));
  }
  ImportedValue out;
  out.shape = outShape;
  out.plain = result;
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importGemm(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (n.getInt("transA", 0) != 0)
    return fail("transA=1 not supported yet");
  ImportedValue *a = getValue(input(n, 0));
  if (!a)
    return failure();
  if (a->shape.size() != 2)
    return fail("A must have rank 2, has rank " + Twine(a->shape.size()));
  const OnnxTensor *bT = getFloatConst(n, 1, "B");
  if (!bT)
    return failure();
  if (bT->dims.size() != 2)
    return fail("B must have rank 2, has rank " + Twine(bT->dims.size()));
  const OnnxTensor *c = nullptr;
  if (!input(n, 2).empty()) {
    c = getFloatConst(n, 2, "C");
    if (!c)
      return failure();
  }
  float alpha = n.getFloat("alpha", 1.0f);
  float beta = n.getFloat("beta", 1.0f);
  bool transB = n.getInt("transB", 0) != 0;

  int64_t k = a->shape[1];
  int64_t bk = transB ? bT->dims[1] : bT->dims[0];
  int64_t nn = transB ? bT->dims[0] : bT->dims[1];
  if (bk != k)
    return fail("B of shape " + shapeStr(bT->dims) +
                " does not match A of shape " + shapeStr(a->shape));
  SmallVector<float> bKN =
      transB ? transposeData<float>(bT->floatData, bT->dims, {1, 0})
             : SmallVector<float>(bT->floatData.begin(), bT->floatData.end());
  if (alpha != 1.0f)
    for (float &v : bKN)
      v *= alpha;
  return importMatMulConstB(n, *a, bKN, k, nn, c, beta);
}

LogicalResult Importer::importMatMul(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *a = getValue(input(n, 0));
  if (!a)
    return failure();
  const OnnxTensor *bT = lookupConst(input(n, 1));
  if (!bT || bT->dims.size() != 2)
    return fail("only a constant 2-D B is supported yet");
  if (!bT->isFloat())
    return fail("B has element type " + onnxDataTypeName(bT->dataType) +
                "; only float32 is supported");
  if (a->shape.empty())
    return fail("A must not be a scalar");
  // A rank 1 [K] behaves like [1, K] with the 1 removed from the result.
  ImportedValue *aa = a;
  ImportedValue a2;
  if (a->shape.size() == 1) {
    a2.shape = {1, a->shape[0]};
    a2.plain = reshape(plainOf(*a), a2.shape);
    aa = &a2;
  }
  int64_t k = aa->shape.back();
  if (bT->dims[0] != k)
    return fail("B of shape " + shapeStr(bT->dims) +
                " does not match A of shape " + shapeStr(a->shape));
  if (a->shape.size() != 1)
    return importMatMulConstB(n, *aa, bT->floatData, k, bT->dims[1], nullptr,
                              0.0f);
  // Rank-1 A: compute [1, N], then drop the leading 1.
  int64_t nn = bT->dims[1];
  Value a3 = reshape(a2.plain, {1, 1, k});
  Value mm = tosa::MatMulOp::create(b, curLoc, f32({1, 1, nn}), a3,
                                    constF32({1, k, nn}, bT->floatData),
                                    zeroPoint(), zeroPoint());
  ImportedValue out;
  out.shape = {nn};
  out.plain = reshape(mm, {nn});
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importAdd(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  StringRef names[2] = {input(n, 0), input(n, 1)};
  const OnnxTensor *consts[2] = {lookupConst(names[0]), lookupConst(names[1])};
  for (int i = 0; i < 2; ++i)
    if (consts[i] && !consts[i]->isFloat())
      return fail("operand '" + names[i] + "' has element type " +
                  onnxDataTypeName(consts[i]->dataType) +
                  "; only float32 is supported");
  Shape shapes[2];
  for (int i = 0; i < 2; ++i) {
    if (consts[i]) {
      shapes[i].assign(consts[i]->dims.begin(), consts[i]->dims.end());
    } else {
      ImportedValue *v = getValue(names[i]);
      if (!v)
        return failure();
      shapes[i] = v->shape;
    }
  }
  Shape outShape;
  if (!broadcastShapes(shapes[0], shapes[1], outShape))
    return fail("operand shapes " + shapeStr(shapes[0]) + " and " +
                shapeStr(shapes[1]) + " are not broadcastable");
  size_t rank = outShape.size();

  // Decide the layout: NHWC iff the result is rank 4 and every non-constant
  // operand is rank 4 and available in NHWC without a new conversion.
  bool nhwc = rank == 4;
  bool anyValue = false;
  for (int i = 0; i < 2; ++i) {
    if (consts[i])
      continue;
    anyValue = true;
    ImportedValue *v = getValue(names[i]);
    if (v->shape.size() != 4 || !(v->preferNhwc || v->nhwc))
      nhwc = false;
  }
  if (!anyValue)
    nhwc = false;

  Value operands[2];
  for (int i = 0; i < 2; ++i) {
    Shape padded = padRank(shapes[i], rank);
    if (consts[i]) {
      // Re-materialise the constant in the operand's final shape/layout.
      if (nhwc) {
        SmallVector<float> data =
            transposeData<float>(consts[i]->floatData, padded, {0, 2, 3, 1});
        operands[i] = constF32(toNhwcShape(padded), data);
      } else {
        operands[i] = constF32(padded, consts[i]->floatData);
      }
      continue;
    }
    ImportedValue *v = getValue(names[i]);
    operands[i] = nhwc ? nhwcOf(*v) : reshapeFrom(*v, padded);
  }
  ImportedValue out;
  out.shape = outShape;
  if (nhwc) {
    out.nhwc = tosa::AddOp::create(b, curLoc, f32(toNhwcShape(outShape)),
                                   operands[0], operands[1]);
    out.preferNhwc = true;
  } else {
    out.plain =
        tosa::AddOp::create(b, curLoc, f32(outShape), operands[0], operands[1]);
  }
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importClamp(const OnnxNode &n, float lo, float hi) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  ImportedValue out;
  out.shape = x->shape;
  bool useNhwc = x->shape.size() == 4 && (x->preferNhwc || !x->plain);
  Value in = useNhwc ? nhwcOf(*x) : plainOf(*x);
  Value r = tosa::ClampOp::create(b, curLoc, in.getType(), in,
                                  b.getF32FloatAttr(lo), b.getF32FloatAttr(hi));
  if (useNhwc) {
    out.nhwc = r;
    out.preferNhwc = true;
  } else {
    out.plain = r;
  }
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importClip(const OnnxNode &n) {
  float lo = -FLT_MAX, hi = FLT_MAX;
  if (model.opsetVersion < 11) {
    lo = n.getFloat("min", lo);
    hi = n.getFloat("max", hi);
  } else {
    for (unsigned i = 1; i <= 2; ++i) {
      StringRef name = input(n, i);
      if (name.empty())
        continue;
      const OnnxTensor *t = lookupConst(name);
      if (!t)
        return fail(Twine(i == 1 ? "min" : "max") + " '" + name +
                    "' must be a constant");
      if (!t->isFloat() || t->floatData.size() != 1)
        return fail(Twine(i == 1 ? "min" : "max") + " '" + name +
                    "' must be a float32 scalar");
      (i == 1 ? lo : hi) = t->floatData[0];
    }
  }
  return importClamp(n, lo, hi);
}

LogicalResult Importer::importPool(const OnnxNode &n) {
  bool isMax = n.opType == "MaxPool";
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (x->shape.size() != 4)
    return fail("only 2-D pooling is supported (input has rank " +
                Twine(x->shape.size()) + ")");
  std::vector<int64_t> kernel = n.getInts("kernel_shape", {});
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    return fail("kernel_shape must have 2 positive values");
  if (n.getInt("ceil_mode", 0) != 0)
    return fail("ceil_mode=1 not supported yet");
  std::vector<int64_t> dil = n.getInts("dilations", {1, 1});
  if (!llvm::all_of(dil, [](int64_t d) { return d == 1; }))
    return fail("dilations other than 1 not supported yet");
  if (isMax && n.getInt("storage_order", 0) != 0)
    return fail("storage_order=1 not supported yet");
  SmallVector<int64_t, 2> strides;
  if (failed(getInts2(n, "strides", strides)))
    return failure();
  int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
  Window win;
  SmallVector<int64_t, 2> ones = {1, 1};
  if (failed(computeWindow(n, H, W, kernel[0], kernel[1], strides, ones, win)))
    return failure();
  bool padded = llvm::any_of(win.pad, [](int64_t p) { return p != 0; });
  if (!isMax && padded && n.getInt("count_include_pad", 0) != 0)
    return fail("count_include_pad=1 with padding not supported yet");
  for (int i = 0; i < 2; ++i)
    if (win.pad[2 * i] >= kernel[i] || win.pad[2 * i + 1] >= kernel[i])
      return fail("padding must be smaller than the kernel");

  Value in = nhwcOf(*x);
  if (win.cropH || win.cropW)
    in = slice(in, {0, 0, 0, 0}, {N, H - win.cropH, W - win.cropW, C});
  Shape outNhwc = {N, win.outH, win.outW, C};
  ArrayRef<int64_t> k(kernel), s(strides), p(win.pad);
  Value result;
  if (isMax)
    result = tosa::MaxPool2dOp::create(b, curLoc, f32(outNhwc), in, k, s, p);
  else
    result = tosa::AvgPool2dOp::create(b, curLoc, f32(outNhwc), in, zeroPoint(),
                                       zeroPoint(), k, s, p, b.getF32Type());
  ImportedValue out;
  out.shape = {N, C, win.outH, win.outW};
  out.nhwc = result;
  out.preferNhwc = true;
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importGlobalAveragePool(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (x->shape.size() != 4)
    return fail("only rank-4 input is supported (input has rank " +
                Twine(x->shape.size()) + ")");
  int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
  int64_t kernel[2] = {H, W}, stride[2] = {1, 1}, pad[4] = {0, 0, 0, 0};
  Value result = tosa::AvgPool2dOp::create(
      b, curLoc, f32({N, 1, 1, C}), nhwcOf(*x), zeroPoint(), zeroPoint(),
      ArrayRef<int64_t>(kernel), ArrayRef<int64_t>(stride),
      ArrayRef<int64_t>(pad), b.getF32Type());
  ImportedValue out;
  out.shape = {N, C, 1, 1};
  out.nhwc = result;
  out.preferNhwc = true;
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importBatchNorm(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (n.getInt("training_mode", 0) != 0)
    return fail("training_mode=1 not supported");
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (x->shape.size() < 2)
    return fail("input must have rank >= 2");
  int64_t C = x->shape[1];
  const OnnxTensor *params[4];
  const char *what[4] = {"scale", "B", "mean", "var"};
  for (unsigned i = 0; i < 4; ++i) {
    params[i] = getFloatConst(n, i + 1, what[i]);
    if (!params[i])
      return failure();
    if (params[i]->numElements() != C)
      return fail(Twine(what[i]) + " has shape " + shapeStr(params[i]->dims) +
                  ", expected [" + Twine(C) + "]");
  }
  double eps = n.getFloat("epsilon", 1e-5f);
  SmallVector<float> aData(C), bData(C);
  for (int64_t c = 0; c < C; ++c) {
    double a = double(params[0]->floatData[c]) /
               std::sqrt(double(params[3]->floatData[c]) + eps);
    aData[c] = float(a);
    bData[c] = float(double(params[1]->floatData[c]) -
                     double(params[2]->floatData[c]) * a);
  }
  bool useNhwc = x->shape.size() == 4 && (x->preferNhwc || !x->plain);
  Value in = useNhwc ? nhwcOf(*x) : plainOf(*x);
  Shape constShape(x->shape.size(), 1);
  if (useNhwc)
    constShape[3] = C;
  else
    constShape[1] = C;
  Type type = in.getType();
  Value mul = tosa::MulOp::create(b, curLoc, type, in,
                                  constF32(constShape, aData), mulShift());
  Value add =
      tosa::AddOp::create(b, curLoc, type, mul, constF32(constShape, bData));
  ImportedValue out;
  out.shape = x->shape;
  if (useNhwc) {
    out.nhwc = add;
    out.preferNhwc = true;
  } else {
    out.plain = add;
  }
  return define(n, 0, std::move(out));
}

/// Shared tail of Flatten and Reshape: folds constants, otherwise emits a
/// tosa.reshape in plain layout.
LogicalResult Importer::importReshapeLike(const OnnxNode &n,
                                          ArrayRef<int64_t> inShape,
                                          ArrayRef<int64_t> outShape) {
  if (product(inShape) != product(outShape))
    return fail("cannot reshape " + shapeStr(inShape) + " to " +
                shapeStr(outShape));
  if (const OnnxTensor *t = lookupConst(input(n, 0))) {
    OnnxTensor copy = *t;
    copy.dims.assign(outShape.begin(), outShape.end());
    return defineConst(n, 0, std::move(copy));
  }
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  ImportedValue out;
  out.shape.assign(outShape.begin(), outShape.end());
  out.plain = reshapeFrom(*x, outShape);
  return define(n, 0, std::move(out));
}

LogicalResult Importer::importFlatten(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  Shape inShape;
  if (const OnnxTensor *t = lookupConst(input(n, 0))) {
    inShape.assign(t->dims.begin(), t->dims.end());
  } else {
    ImportedValue *x = getValue(input(n, 0));
    if (!x)
      return failure();
    inShape = x->shape;
  }
  int64_t rank = int64_t(inShape.size());
  int64_t axis = n.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return fail("axis " + Twine(n.getInt("axis", 1)) +
                " out of range for rank " + Twine(rank));
  ArrayRef<int64_t> s(inShape);
  Shape outShape = {product(s.take_front(axis)), product(s.drop_front(axis))};
  return importReshapeLike(n, inShape, outShape);
}

LogicalResult Importer::importReshape(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  const OnnxTensor *shapeT = lookupConst(input(n, 1));
  if (!shapeT)
    return fail("shape input '" + input(n, 1) + "' must be a constant");
  if (!shapeT->isInt() || shapeT->dims.size() != 1)
    return fail("shape input '" + input(n, 1) +
                "' must be a 1-D integer tensor");
  Shape inShape;
  if (const OnnxTensor *t = lookupConst(input(n, 0))) {
    inShape.assign(t->dims.begin(), t->dims.end());
  } else {
    ImportedValue *x = getValue(input(n, 0));
    if (!x)
      return failure();
    inShape = x->shape;
  }
  bool allowZero = n.getInt("allowzero", 0) != 0;
  Shape outShape;
  int64_t inferIdx = -1, known = 1;
  for (size_t i = 0; i < shapeT->intData.size(); ++i) {
    int64_t d = shapeT->intData[i];
    if (d == 0 && !allowZero) {
      if (i >= inShape.size())
        return fail("shape entry 0 at index " + Twine(i) +
                    " has no input dimension to copy");
      d = inShape[i];
    } else if (d == -1) {
      if (inferIdx >= 0)
        return fail("shape has more than one -1");
      inferIdx = int64_t(i);
      outShape.push_back(1);
      continue;
    } else if (d < 0) {
      return fail("invalid shape entry " + Twine(d));
    }
    known *= d;
    outShape.push_back(d);
  }
  if (inferIdx >= 0) {
    int64_t total = product(inShape);
    if (known == 0 || total % known != 0)
      return fail("cannot infer -1 when reshaping " + shapeStr(inShape) +
                  " with shape " + shapeStr(shapeT->intData));
    outShape[inferIdx] = total / known;
  }
  return importReshapeLike(n, inShape, outShape);
}

LogicalResult Importer::importIdentity(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (n.opType == "Dropout" && !input(n, 2).empty()) {
    const OnnxTensor *t = lookupConst(input(n, 2));
    if (!t || t->intData.size() != 1 || t->intData[0] != 0)
      return fail("training_mode must be a constant false");
  }
  if (const OnnxTensor *t = lookupConst(input(n, 0)))
    return defineConst(n, 0, *t);
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (failed(checkShape(n.outputs[0], x->shape)))
    return failure();
  values[n.outputs[0]] = x; // alias: shares the cached layout conversions
  return success();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> Importer::run(std::string &errorOut) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  // Signature from the graph inputs.
  SmallVector<Type> argTypes;
  for (const OnnxValueInfo &in : model.inputs) {
    if (in.elemType != int32_t(OnnxDataType::Float)) {
      (void)fail("input '" + in.name + "' has element type " +
                 onnxDataTypeName(in.elemType) + "; only float32 is supported");
      break;
    }
    if (!in.hasShape) {
      (void)fail("input '" + in.name + "' has unknown rank");
      break;
    }
    for (size_t i = 0; i < in.dims.size(); ++i) {
      if (in.dims[i] >= 0)
        continue;
      if (!in.dimParams[i].empty())
        (void)fail("input '" + in.name + "' has symbolic dim '" +
                   in.dimParams[i] +
                   "'; bind it with --input-shape " + in.name + "=D0xD1x...");
      else
        (void)fail("input '" + in.name + "' has unknown dim #" + Twine(i) +
                   "; bind it with --input-shape " + in.name + "=D0xD1x...");
      break;
    }
    if (!error.empty())
      break;
    argTypes.push_back(f32(in.dims));
  }
  if (!error.empty()) {
    errorOut = error;
    return nullptr;
  }

  auto func =
      func::FuncOp::create(b, fileLoc, "main", b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  for (auto [i, in] : llvm::enumerate(model.inputs)) {
    func.setArgAttr(i, kOnnxNameAttr, b.getStringAttr(in.name));
    BlockArgument arg = entry->getArgument(i);
    arg.setLoc(locFor(in.name));
    ImportedValue v;
    v.shape.assign(in.dims.begin(), in.dims.end());
    v.plain = arg;
    // Rank-4 inputs are consumed in NHWC; the transpose is created (once)
    // by the first consumer that needs it.
    v.preferNhwc = v.shape.size() == 4;
    storage.push_back(std::move(v));
    values[in.name] = &storage.back();
  }

  for (const OnnxNode &n : model.nodes) {
    if (failed(importNode(n))) {
      errorOut = error;
      return nullptr;
    }
  }
  curNode = nullptr;

  // Results: graph outputs in plain layout.
  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const OnnxValueInfo &out : model.outputs) {
    curLoc = locFor(out.name);
    if (out.elemType != 0 && out.elemType != int32_t(OnnxDataType::Float)) {
      (void)fail("output '" + out.name + "' has element type " +
                 onnxDataTypeName(out.elemType) +
                 "; only float32 is supported");
      break;
    }
    ImportedValue *v = getValue(out.name);
    if (!v)
      break;
    if (failed(checkShape(out.name, v->shape)))
      break;
    results.push_back(plainOf(*v));
    resultTypes.push_back(results.back().getType());
  }
  if (!error.empty()) {
    errorOut = error;
    return nullptr;
  }
  func::ReturnOp::create(b, fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, out] : llvm::enumerate(model.outputs))
    func.setResultAttr(i, kOnnxNameAttr, b.getStringAttr(out.name));

  // The module must verify; report the first diagnostic otherwise.
  std::string diag;
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      if (diag.empty()) {
        llvm::raw_string_ostream os(diag);
        os << d.getLocation() << ": " << d;
      }
      return success();
    });
    if (failed(verify(*module))) {
      errorOut =
          file + ": internal error: imported module does not verify: " + diag;
      return nullptr;
    }
  }
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &ctx, StringRef path,
                                     const ImportOptions &options,
                                     std::string &error) {
  registerOnnxImporterDialects(ctx);
  OnnxModel model;
  if (!loadOnnxModel(path.str(), model, error, options.inputShapes))
    return nullptr;
  Importer importer(ctx, model, path);
  return importer.run(error);
}

} // namespace qc
