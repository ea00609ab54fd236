//===- OnnxImporter.cpp - ONNX model -> float TOSA module -----------------===//
//
// Builds `func.func @main` out of TOSA ops on f32 tensors from the
// protobuf-free OnnxModel (see OnnxModel.h). See OnnxImporter.h for the
// conventions of the produced "float graph" and Importer.h for how the
// importer is split across files. This file holds the driver, the value
// bookkeeping, layout tracking and the op-building helpers.
//
// Layout tracking: every ONNX value maps to an ImportedValue which may hold
// the value in plain (ONNX) layout, in NHWC layout (rank 4 only), or as a
// permutation of another SSA value. Layout conversions are created lazily, at
// most once per value, and compose with explicit Transpose nodes.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cfloat>
#include <cmath>

using namespace mlir;

namespace qc {

void registerOnnxImporterDialects(MLIRContext &ctx) {
  ctx.loadDialect<func::FuncDialect, tosa::TosaDialect, quant::QuantDialect>();
}

namespace onnx_import {

//===----------------------------------------------------------------------===//
// Shapes and permutations
//===----------------------------------------------------------------------===//

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleave(shape, os, ", ");
  os << ']';
  return s;
}

bool checkedProduct(ArrayRef<int64_t> shape, int64_t limit, int64_t &out) {
  out = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return false;
    if (d != 0 && out > limit / d)
      return false;
    out *= d;
  }
  return out <= limit;
}

int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

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

Shape padRank(ArrayRef<int64_t> s, size_t rank) {
  Shape out(rank > s.size() ? rank - s.size() : 0, 1);
  out.append(s.begin(), s.end());
  return out;
}

Shape permuteShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  Shape out;
  for (int64_t p : perm)
    out.push_back(shape[p]);
  return out;
}

Perm composePerms(ArrayRef<int64_t> first, ArrayRef<int64_t> second) {
  Perm out;
  for (int64_t s : second)
    out.push_back(first[s]);
  return out;
}

Perm inversePerm(ArrayRef<int64_t> perm) {
  Perm out(perm.size(), 0);
  for (size_t i = 0; i < perm.size(); ++i)
    out[perm[i]] = int64_t(i);
  return out;
}

bool isIdentityPerm(ArrayRef<int64_t> perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i))
      return false;
  return true;
}

bool isValidPerm(ArrayRef<int64_t> perm, size_t rank) {
  if (perm.size() != rank)
    return false;
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(rank) || seen[p])
      return false;
    seen[p] = true;
  }
  return true;
}

bool permIsReshape(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  int64_t last = -1;
  for (int64_t p : perm) {
    if (shape[p] == 1)
      continue;
    if (p < last)
      return false;
    last = p;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Diagnostics and bookkeeping
//===----------------------------------------------------------------------===//

Importer::Importer(MLIRContext &ctx, const OnnxModel &model, StringRef file,
                   const ImportOptions &options)
    : ctx(ctx), model(model), file(file.str()), options(options), b(&ctx),
      fileLoc(FileLineColLoc::get(&ctx, file, 1, 1)), curLoc(fileLoc) {}

LogicalResult Importer::fail(const Twine &reason) {
  if (!error.empty())
    return failure(); // keep the first (innermost) message
  if (curNode) {
    std::string name = curNode->name;
    if (name.empty() && !curNode->outputs.empty())
      name = curNode->outputs[0];
    error = (file + ": node '" + name + "' (" + curNode->opType +
             "): " + reason + " (opset " + Twine(opset()) + ")")
                .str();
  } else {
    error = (file + ": " + reason).str();
  }
  return failure();
}

const OnnxTensor *Importer::lookupConst(StringRef name) const {
  if (name.empty())
    return nullptr;
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

const OnnxTensor *Importer::getIntConst(const OnnxNode &n, unsigned idx,
                                        StringRef what) {
  StringRef name = input(n, idx);
  const OnnxTensor *t = lookupConst(name);
  if (!t) {
    (void)fail(what + " '" + name + "' must be a constant");
    return nullptr;
  }
  if (!t->isInt()) {
    (void)fail(what + " '" + name + "' has element type " +
               onnxDataTypeName(t->dataType) + "; expected an integer tensor");
    return nullptr;
  }
  return t;
}

LogicalResult Importer::getIntsInputOrAttr(const OnnxNode &n, unsigned idx,
                                           StringRef attr, int64_t inputSince,
                                           SmallVectorImpl<int64_t> &out,
                                           bool &present) {
  present = false;
  out.clear();
  if (opset() < inputSince) {
    const OnnxAttribute *a = n.getAttr(attr.str());
    if (!a)
      return success();
    if (a->kind == OnnxAttribute::Kind::Int)
      out.push_back(a->i);
    else if (a->kind == OnnxAttribute::Kind::Ints)
      out.assign(a->ints.begin(), a->ints.end());
    else
      return fail("attribute '" + attr + "' must be a list of integers");
    present = true;
    return success();
  }
  if (!hasInput(n, idx))
    return success();
  const OnnxTensor *t = getIntConst(n, idx, attr);
  if (!t)
    return failure();
  if (t->dims.size() > 1)
    return fail(attr + " '" + input(n, idx) + "' must be 1-D, has shape " +
                shapeStr(t->dims));
  out.assign(t->intData.begin(), t->intData.end());
  present = true;
  return success();
}

LogicalResult Importer::getScalarInput(const OnnxNode &n, unsigned idx,
                                       StringRef what, float &value) {
  if (!hasInput(n, idx))
    return success();
  const OnnxTensor *t = lookupConst(input(n, idx));
  if (!t)
    return fail(what + " '" + input(n, idx) + "' must be a constant");
  if (t->numElements() != 1)
    return fail(what + " '" + input(n, idx) + "' must be a scalar, has shape " +
                shapeStr(t->dims));
  if (t->isFloat())
    value = t->floatData[0];
  else if (t->isInt())
    value = float(t->intData[0]);
  else
    return fail(what + " '" + input(n, idx) + "' has element type " +
                onnxDataTypeName(t->dataType));
  return success();
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
    if (t->dims.size() > kMaxRank) {
      (void)fail("constant '" + name + "' has rank " + Twine(t->dims.size()) +
                 "; at most " + Twine(kMaxRank) + " is supported");
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
  if (name.empty())
    (void)fail("a required input is missing");
  else
    (void)fail("value '" + name + "' is not defined");
  return nullptr;
}

FailureOr<Shape> Importer::shapeOf(StringRef name) {
  if (const OnnxTensor *t = lookupConst(name))
    return Shape(t->dims.begin(), t->dims.end());
  ImportedValue *v = getValue(name);
  if (!v)
    return failure();
  return v->shape;
}

LogicalResult Importer::getOperand(StringRef name, Operand &op) {
  op = Operand();
  op.name = name;
  if (const OnnxTensor *t = lookupConst(name)) {
    if (!t->isFloat())
      return fail("operand '" + name + "' has element type " +
                  onnxDataTypeName(t->dataType) +
                  "; only float32 is supported");
    if (t->dims.size() > kMaxRank)
      return fail("operand '" + name + "' has rank " + Twine(t->dims.size()) +
                  "; at most " + Twine(kMaxRank) + " is supported");
    op.constant = t;
    op.shape.assign(t->dims.begin(), t->dims.end());
    return success();
  }
  op.value = getValue(name);
  if (!op.value)
    return failure();
  op.shape = op.value->shape;
  return success();
}

LogicalResult Importer::checkRuntimeShape(ArrayRef<int64_t> shape,
                                          StringRef what) {
  if (shape.size() > kMaxRank)
    return fail(what + " has rank " + Twine(shape.size()) + "; at most " +
                Twine(kMaxRank) + " is supported");
  int64_t n;
  if (!checkedProduct(shape, kMaxElements - 1, n))
    return fail(what + " of shape " + shapeStr(shape) + " is too large");
  if (n == 0)
    return fail(what + " of shape " + shapeStr(shape) +
                " is empty; empty tensors are not supported");
  return success();
}

LogicalResult Importer::checkShape(StringRef name, ArrayRef<int64_t> shape,
                                   bool quantized) {
  const OnnxValueInfo *vi = model.getValueInfo(name.str());
  if (!vi)
    return success();
  // Values are float32 inside qc; intermediates the file declares as
  // another float type (after a Cast) are computed in float32 too.
  auto dt = OnnxDataType(vi->elemType);
  bool int8 = dt == OnnxDataType::Int8 || dt == OnnxDataType::UInt8;
  if (vi->elemType != 0 && dt != OnnxDataType::Float && !(quantized && int8) &&
      dt != OnnxDataType::Float16 && dt != OnnxDataType::Double &&
      dt != OnnxDataType::BFloat16)
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
  if (idx >= n.outputs.size() || n.outputs[idx].empty())
    return success(); // output not requested
  const std::string &name = n.outputs[idx];
  if (failed(checkRuntimeShape(v.shape, "result '" + name + "'")) ||
      failed(checkShape(name, v.shape)))
    return failure();
  storage.push_back(std::move(v));
  values[name] = &storage.back();
  return success();
}

LogicalResult Importer::defineConst(const OnnxNode &n, unsigned idx,
                                    OnnxTensor t) {
  if (idx >= n.outputs.size() || n.outputs[idx].empty())
    return success();
  const std::string &name = n.outputs[idx];
  t.name = name;
  if (t.isFloat() && failed(checkShape(name, t.dims)))
    return failure();
  folded[name] = std::move(t);
  return success();
}

LogicalResult Importer::alias(const OnnxNode &n, unsigned idx,
                              ImportedValue *v) {
  if (idx >= n.outputs.size() || n.outputs[idx].empty())
    return success();
  if (failed(checkShape(n.outputs[idx], v->shape)))
    return failure();
  values[n.outputs[idx]] = v; // shares the cached layout conversions
  return success();
}

LogicalResult Importer::checkExtraOutputs(const OnnxNode &n,
                                          unsigned numSupported) {
  for (unsigned i = numSupported; i < n.outputs.size(); ++i)
    if (!n.outputs[i].empty() && usedNames.contains(n.outputs[i]))
      return fail("output #" + Twine(i) + " ('" + n.outputs[i] +
                  "') is not supported");
  return success();
}

LogicalResult Importer::normalizeAxis(int64_t &axis, int64_t rank,
                                      StringRef what) {
  if (axis < -rank || axis >= rank || (rank == 0 && axis != 0))
    return fail(what + " " + Twine(axis) + " is out of range for rank " +
                Twine(rank));
  if (axis < 0)
    axis += rank;
  return success();
}

LogicalResult Importer::checkAttrRange(StringRef what, int64_t v, int64_t lo,
                                       int64_t hi) {
  if (v < lo || v > hi)
    return fail(what + " " + Twine(v) + " is out of range [" + Twine(lo) +
                ", " + Twine(hi) + "]");
  return success();
}

//===----------------------------------------------------------------------===//
// Layouts
//===----------------------------------------------------------------------===//

Value Importer::plainOf(ImportedValue &v) {
  if (v.plain)
    return v.plain;
  if (v.src)
    v.plain = permute(v.src, v.srcPerm);
  else
    v.plain = permute(v.nhwc, kToNchw);
  return v.plain;
}

Value Importer::nhwcOf(ImportedValue &v) {
  if (v.nhwc)
    return v.nhwc;
  if (v.src)
    v.nhwc = permute(v.src, composePerms(v.srcPerm, kToNhwc));
  else
    v.nhwc = permute(v.plain, kToNhwc);
  return v.nhwc;
}

bool Importer::nhwcIsFree(const ImportedValue &v) const {
  if (v.shape.size() != 4)
    return false;
  if (v.nhwc)
    return true;
  if (v.src)
    return permIsReshape(shapeOfValue(v.src), composePerms(v.srcPerm, kToNhwc));
  return v.plain && permIsReshape(v.shape, kToNhwc);
}

bool Importer::plainIsFree(const ImportedValue &v) const {
  if (v.plain)
    return true;
  if (v.src)
    return permIsReshape(shapeOfValue(v.src), v.srcPerm);
  return v.nhwc && permIsReshape(shapeOfValue(v.nhwc), kToNchw);
}

bool Importer::useNhwc(const ImportedValue &v) const {
  if (v.shape.size() != 4)
    return false;
  return (nhwcIsFree(v) && !plainIsFree(v)) || v.preferNhwc;
}

Value Importer::reshapeFrom(ImportedValue &v, ArrayRef<int64_t> shape) {
  if (!v.plain) {
    if (v.nhwc && permIsReshape(shapeOfValue(v.nhwc), kToNchw))
      return reshape(v.nhwc, shape);
    if (v.src && permIsReshape(shapeOfValue(v.src), v.srcPerm))
      return reshape(v.src, shape);
  }
  return reshape(plainOf(v), shape);
}

ImportedValue Importer::makeValue(ArrayRef<int64_t> shape, Value v, bool nhwc) {
  ImportedValue out;
  out.shape.assign(shape.begin(), shape.end());
  if (nhwc)
    out.nhwc = v;
  else
    out.plain = v;
  out.preferNhwc = nhwc;
  return out;
}

Value Importer::constInLayout(ArrayRef<float> data, ArrayRef<int64_t> dims,
                              size_t rank, bool nhwc) {
  Shape padded = padRank(dims, rank);
  if (!nhwc)
    return constF32(padded, data);
  if (data.size() == 1)
    return constF32(permuteShape(padded, kToNhwc), data);
  SmallVector<float> t = transposeData<float>(data, padded, kToNhwc);
  return constF32(permuteShape(padded, kToNhwc), t);
}

Value Importer::operandInLayout(Operand &op, size_t rank, bool nhwc) {
  if (op.constant)
    return constInLayout(op.constant->floatData, op.constant->dims, rank, nhwc);
  ImportedValue &v = *op.value;
  if (nhwc && v.shape.size() == 4)
    return nhwcOf(v);
  Value padded = reshapeFrom(v, padRank(v.shape, rank));
  return nhwc ? permute(padded, kToNhwc) : padded;
}

bool Importer::chooseNhwc(MutableArrayRef<Operand> ops, size_t rank) {
  if (rank != 4)
    return false;
  bool anyNhwc = false;
  for (Operand &op : ops) {
    if (op.constant)
      continue;
    if (op.shape.size() == 4) {
      if (!useNhwc(*op.value))
        return false;
      anyNhwc = true;
    } else if (!permIsReshape(padRank(op.shape, 4), kToNhwc)) {
      return false;
    }
  }
  return anyNhwc;
}

//===----------------------------------------------------------------------===//
// Op-building helpers
//===----------------------------------------------------------------------===//

Value Importer::constF32(ArrayRef<int64_t> shape, ArrayRef<float> data) {
  RankedTensorType type = f32(shape);
  if (data.size() == 1)
    return tosa::ConstOp::create(b, curLoc, type,
                                 DenseElementsAttr::get(type, data[0]));
  return tosa::ConstOp::create(b, curLoc, type,
                               DenseElementsAttr::get(type, data));
}

Value Importer::scalarF32(float value, size_t rank) {
  return splatF32(Shape(rank, 1), value);
}

Value Importer::splatF32(ArrayRef<int64_t> shape, float value) {
  RankedTensorType type = f32(shape);
  return tosa::ConstOp::create(b, curLoc, type,
                               DenseElementsAttr::get(type, value));
}

Value Importer::constI32(ArrayRef<int64_t> shape, ArrayRef<int32_t> data) {
  auto type = RankedTensorType::get(shape, b.getI32Type());
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

Value Importer::permute(Value v, ArrayRef<int64_t> perm) {
  if (isIdentityPerm(perm))
    return v;
  Shape shape = shapeOfValue(v);
  Shape outShape = permuteShape(shape, perm);
  if (permIsReshape(shape, perm))
    return reshape(v, outShape);
  SmallVector<int32_t> perms(perm.begin(), perm.end());
  return tosa::TransposeOp::create(b, curLoc, f32(outShape), v, perms);
}

Value Importer::slice(Value v, ArrayRef<int64_t> start,
                      ArrayRef<int64_t> size) {
  if (llvm::all_of(start, [](int64_t s) { return s == 0; }) &&
      ArrayRef<int64_t>(shapeOfValue(v)) == size)
    return v;
  return tosa::SliceOp::create(b, curLoc, f32(size), v, constShape(start),
                               constShape(size));
}

Value Importer::sliceAxis(Value v, int64_t axis, int64_t begin, int64_t end) {
  Shape size = shapeOfValue(v);
  Shape start(size.size(), 0);
  start[axis] = begin;
  size[axis] = end - begin;
  return slice(v, start, size);
}

Value Importer::concat(ArrayRef<Value> parts, int64_t axis) {
  if (parts.size() == 1)
    return parts[0];
  Shape shape = shapeOfValue(parts[0]);
  shape[axis] = 0;
  for (Value p : parts)
    shape[axis] += cast<RankedTensorType>(p.getType()).getDimSize(axis);
  return tosa::ConcatOp::create(b, curLoc, f32(shape), parts, int32_t(axis));
}

Value Importer::stridedSliceAxis(Value v, int64_t axis, int64_t begin,
                                 int64_t step, int64_t count) {
  if (step == 1 || count == 1)
    return sliceAxis(v, axis, begin, begin + count);
  Shape shape = shapeOfValue(v);
  if (begin + count * step <= shape[axis] && shape.size() < kMaxRank) {
    // [.., count*step, ..] -> [.., count, step, ..] -> first of each step.
    Value s = sliceAxis(v, axis, begin, begin + count * step);
    Shape split(shape.begin(), shape.end());
    split[axis] = count;
    split.insert(split.begin() + axis + 1, step);
    Value r = reshape(s, split);
    Value first = sliceAxis(r, axis + 1, 0, 1);
    Shape outShape(shape.begin(), shape.end());
    outShape[axis] = count;
    return reshape(first, outShape);
  }
  SmallVector<int64_t> indices;
  for (int64_t i = 0; i < count; ++i)
    indices.push_back(begin + i * step);
  FailureOr<Value> g = gatherAxis(v, axis, indices);
  return succeeded(g) ? *g : Value();
}

FailureOr<Value> Importer::gatherAxis(Value v, int64_t axis,
                                      ArrayRef<int64_t> indices) {
  Shape shape = shapeOfValue(v);
  int64_t count = int64_t(indices.size());
  // A contiguous run is a slice.
  bool contiguous = true;
  for (int64_t i = 1; i < count; ++i)
    contiguous &= indices[i] == indices[0] + i;
  if (contiguous)
    return sliceAxis(v, axis, indices[0], indices[0] + count);
  ArrayRef<int64_t> s(shape);
  int64_t pre = product(s.take_front(axis));
  int64_t post = product(s.drop_front(axis + 1));
  int64_t tableSize;
  if (!checkedProduct({pre, count}, kMaxHostElements, tableSize)) {
    (void)fail("gathering " + Twine(count) + " of " + Twine(shape[axis]) +
               " elements along axis " + Twine(axis) + " of " +
               shapeStr(shape) + " needs too large an index table");
    return failure();
  }
  SmallVector<int32_t> table;
  table.reserve(tableSize);
  for (int64_t p = 0; p < pre; ++p)
    for (int64_t idx : indices)
      table.push_back(int32_t(idx));
  Value values = reshape(v, {pre, shape[axis], post});
  Value g = tosa::GatherOp::create(b, curLoc, f32({pre, count, post}), values,
                                   constI32({pre, count}, table));
  Shape outShape(shape.begin(), shape.end());
  outShape[axis] = count;
  return reshape(g, outShape);
}

Value Importer::padConstAxis(Value v, int64_t axis, int64_t before,
                             int64_t after, float value) {
  if (before == 0 && after == 0)
    return v;
  Shape shape = shapeOfValue(v);
  SmallVector<Value> parts;
  Value first;
  if (before > 0) {
    Shape s = shape;
    s[axis] = before;
    first = splatF32(s, value);
    parts.push_back(first);
  }
  parts.push_back(v);
  if (after > 0) {
    Shape s = shape;
    s[axis] = after;
    parts.push_back(after == before ? first : splatF32(s, value));
  }
  return concat(parts, axis);
}

void Importer::equalizeRanks(Value &x, Value &y) {
  size_t rx = shapeOfValue(x).size(), ry = shapeOfValue(y).size();
  if (rx < ry)
    x = reshape(x, padRank(shapeOfValue(x), ry));
  else if (ry < rx)
    y = reshape(y, padRank(shapeOfValue(y), rx));
}

namespace {
Shape broadcastOf(Value x, Value y) {
  Shape out;
  (void)broadcastShapes(Importer::shapeOfValue(x), Importer::shapeOfValue(y),
                        out);
  return out;
}
} // namespace

Value Importer::add(Value x, Value y) {
  equalizeRanks(x, y);
  return tosa::AddOp::create(b, curLoc, f32(broadcastOf(x, y)), x, y);
}

Value Importer::sub(Value x, Value y) {
  equalizeRanks(x, y);
  return tosa::SubOp::create(b, curLoc, f32(broadcastOf(x, y)), x, y);
}

Value Importer::mul(Value x, Value y) {
  equalizeRanks(x, y);
  return tosa::MulOp::create(b, curLoc, f32(broadcastOf(x, y)), x, y,
                             mulShift());
}

Value Importer::maximum(Value x, Value y) {
  equalizeRanks(x, y);
  return tosa::MaximumOp::create(b, curLoc, f32(broadcastOf(x, y)), x, y);
}

Value Importer::minimum(Value x, Value y) {
  equalizeRanks(x, y);
  return tosa::MinimumOp::create(b, curLoc, f32(broadcastOf(x, y)), x, y);
}

Value Importer::select(Value pred, Value x, Value y) {
  equalizeRanks(x, y);
  Shape shape = broadcastOf(x, y);
  Shape predShape = shapeOfValue(pred);
  Shape full;
  (void)broadcastShapes(shape, predShape, full);
  return tosa::SelectOp::create(b, curLoc, f32(full), pred, x, y);
}

Value Importer::greaterEqual(Value x, Value y) {
  equalizeRanks(x, y);
  auto type = RankedTensorType::get(broadcastOf(x, y), b.getI1Type());
  return tosa::GreaterEqualOp::create(b, curLoc, type, x, y);
}

Value Importer::reciprocal(Value x) {
  return tosa::ReciprocalOp::create(b, curLoc, x.getType(), x);
}

Value Importer::clamp(Value x, float lo, float hi) {
  return tosa::ClampOp::create(b, curLoc, x.getType(), x, b.getF32FloatAttr(lo),
                               b.getF32FloatAttr(hi));
}

Value Importer::exp(Value x) {
  return tosa::ExpOp::create(b, curLoc, x.getType(), x);
}

Value Importer::log(Value x) {
  return tosa::LogOp::create(b, curLoc, x.getType(), x);
}

Value Importer::sqrt(Value x) {
  // TOSA has no sqrt: 1/rsqrt(x) (exact at 0: 1/inf = 0).
  return reciprocal(tosa::RsqrtOp::create(b, curLoc, x.getType(), x));
}

Value Importer::erf(Value x) {
  return tosa::ErfOp::create(b, curLoc, x.getType(), x);
}

Value Importer::reduceSum(Value x, int64_t axis) {
  Shape shape = shapeOfValue(x);
  shape[axis] = 1;
  return tosa::ReduceSumOp::create(b, curLoc, f32(shape), x, uint32_t(axis));
}

Value Importer::reduceMax(Value x, int64_t axis) {
  Shape shape = shapeOfValue(x);
  shape[axis] = 1;
  return tosa::ReduceMaxOp::create(b, curLoc, f32(shape), x,
                                   b.getI32IntegerAttr(int32_t(axis)));
}

Value Importer::reduceMin(Value x, int64_t axis) {
  Shape shape = shapeOfValue(x);
  shape[axis] = 1;
  return tosa::ReduceMinOp::create(b, curLoc, f32(shape), x,
                                   b.getI32IntegerAttr(int32_t(axis)));
}

Value Importer::conv2d(Value in, Value w, Value bias, ArrayRef<int64_t> pad,
                       ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation,
                       int64_t outH, int64_t outW) {
  int64_t N = shapeOfValue(in)[0];
  int64_t O = shapeOfValue(w)[0];
  return tosa::Conv2DOp::create(b, curLoc, f32({N, outH, outW, O}), in, w, bias,
                                zeroPoint(), zeroPoint(), pad, stride, dilation,
                                b.getF32Type());
}

//===----------------------------------------------------------------------===//
// Dispatch
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

  // A Cast of a QuantizeLinear output to its own storage type (PyTorch's
  // exporter writes QuantizeLinear -> Cast(uint8) -> DequantizeLinear) is
  // the same int8 value.
  if (n.opType == "Cast" && n.inputs.size() == 1 &&
      quantizedValues.contains(n.inputs[0]) && !n.outputs.empty() &&
      n.getInt("to", 0) == quantizedValues.lookup(n.inputs[0]).storageType) {
    QuantParams p = quantizedValues.lookup(n.inputs[0]);
    quantizedValues[n.outputs[0]] = p;
    values[n.outputs[0]] = values.lookup(n.inputs[0]);
    return success();
  }
  if (n.opType != "DequantizeLinear")
    for (const std::string &in : n.inputs)
      if (quantizedValues.contains(in))
        return fail("reads '" + in +
                    "', the int8 output of a QuantizeLinear; only "
                    "DequantizeLinear may read it");

  FailureOr<bool> wasFolded = tryFold(n);
  if (failed(wasFolded))
    return failure();
  if (*wasFolded)
    return success();

  const std::string &op = n.opType;
  if (op == "Conv")
    return importConv(n);
  if (op == "ConvTranspose")
    return importConvTranspose(n);
  if (op == "Gemm")
    return importGemm(n);
  if (op == "MatMul")
    return importMatMul(n);
  if (op == "Add")
    return importElementwise(n, EwKind::Add);
  if (op == "Sub")
    return importElementwise(n, EwKind::Sub);
  if (op == "Mul")
    return importElementwise(n, EwKind::Mul);
  if (op == "Div")
    return importElementwise(n, EwKind::Div);
  if (op == "Pow")
    return importElementwise(n, EwKind::Pow);
  if (op == "PRelu")
    return importElementwise(n, EwKind::PRelu);
  if (op == "Max")
    return importVariadic(n, EwKind::Max);
  if (op == "Min")
    return importVariadic(n, EwKind::Min);
  if (op == "Sum")
    return importVariadic(n, EwKind::Add);
  if (op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" ||
      op == "HardSigmoid" || op == "HardSwish" || op == "Tanh" || op == "Erf" ||
      op == "Exp" || op == "Log" || op == "Neg" || op == "Abs" ||
      op == "Sqrt" || op == "Reciprocal" || op == "Floor" || op == "Ceil" ||
      op == "Elu" || op == "Softplus" || op == "Selu" || op == "Celu" ||
      op == "Softsign" || op == "ThresholdedRelu")
    return importUnary(n);
  if (op == "Clip")
    return importClip(n);
  if (op == "Softmax" || op == "LogSoftmax")
    return importSoftmax(n);
  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" ||
      op == "ReduceMin")
    return importReduce(n);
  if (op == "MaxPool" || op == "AveragePool")
    return importPool(n);
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool")
    return importGlobalPool(n);
  if (op == "BatchNormalization")
    return importBatchNorm(n);
  if (op == "LayerNormalization")
    return importLayerNorm(n);
  if (op == "InstanceNormalization")
    return importInstanceNorm(n);
  if (op == "Resize" || op == "Upsample")
    return importResize(n);
  if (op == "Flatten")
    return importFlatten(n);
  if (op == "Reshape")
    return importReshape(n);
  if (op == "Squeeze")
    return importSqueeze(n);
  if (op == "Unsqueeze")
    return importUnsqueeze(n);
  if (op == "Transpose")
    return importTranspose(n);
  if (op == "Concat")
    return importConcat(n);
  if (op == "Split")
    return importSplit(n);
  if (op == "Slice")
    return importSlice(n);
  if (op == "Pad")
    return importPad(n);
  if (op == "Gather")
    return importGather(n);
  if (op == "Expand")
    return importExpand(n);
  if (op == "Tile")
    return importTile(n);
  if (op == "Cast")
    return importCast(n);
  if (op == "Identity" || op == "Dropout")
    return importIdentity(n);
  if (op == "QuantizeLinear")
    return importQuantizeLinear(n);
  if (op == "DequantizeLinear")
    return importDequantizeLinear(n);
  return fail("unsupported operator");
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

namespace {

/// Which layout the consumers of each value want, propagated backwards
/// through layout-agnostic ops. Used to decide whether a rank-4 graph input
/// is NCHW data (converted to NHWC once) or already NHWC data that the graph
/// transposes itself (tf2onnx).
class LayoutPreferences {
public:
  enum Pref { Unknown = 0, Plain = 1, Nhwc = 2 };

  explicit LayoutPreferences(const OnnxModel &model) {
    for (const OnnxValueInfo &out : model.outputs)
      want(out.name, Plain);
    for (const OnnxNode &n : llvm::reverse(model.nodes))
      visit(n);
  }
  Pref get(StringRef name) const { return prefs.lookup(name); }

private:
  void want(StringRef name, Pref p) {
    if (name.empty())
      return;
    Pref &cur = prefs[name];
    cur = std::max(cur, p);
  }
  void visit(const OnnxNode &n) {
    static const llvm::StringSet<> nhwcOps = {"Conv",
                                              "ConvTranspose",
                                              "MaxPool",
                                              "AveragePool",
                                              "GlobalAveragePool",
                                              "GlobalMaxPool",
                                              "Resize",
                                              "Upsample",
                                              "BatchNormalization",
                                              "InstanceNormalization"};
    static const llvm::StringSet<> passThrough = {"Add",
                                                  "Sub",
                                                  "Mul",
                                                  "Div",
                                                  "Max",
                                                  "Min",
                                                  "Sum",
                                                  "Pow",
                                                  "PRelu",
                                                  "Relu",
                                                  "LeakyRelu",
                                                  "QuantizeLinear",
                                                  "DequantizeLinear",
                                                  "Sigmoid",
                                                  "HardSigmoid",
                                                  "HardSwish",
                                                  "Tanh",
                                                  "Erf",
                                                  "Clip",
                                                  "Exp",
                                                  "Log",
                                                  "Neg",
                                                  "Abs",
                                                  "Sqrt",
                                                  "Reciprocal",
                                                  "Floor",
                                                  "Ceil",
                                                  "Elu",
                                                  "Selu",
                                                  "Celu",
                                                  "Softplus",
                                                  "Softsign",
                                                  "ThresholdedRelu",
                                                  "Identity",
                                                  "Dropout",
                                                  "Cast",
                                                  "Pad",
                                                  "Slice",
                                                  "Concat",
                                                  "Split"};
    Pref out = n.outputs.empty() ? Unknown : get(n.outputs[0]);
    if (nhwcOps.contains(n.opType)) {
      if (!n.inputs.empty())
        want(n.inputs[0], Nhwc);
    } else if (passThrough.contains(n.opType)) {
      for (const std::string &in : n.inputs)
        want(in, out);
    } else if (n.opType == "Transpose") {
      std::vector<int64_t> perm = n.getInts("perm", {});
      if (n.inputs.empty() || perm.size() != 4)
        return;
      // Output wanted in NHWC and perm == (0,3,1,2): the input's plain
      // layout is that NHWC value. Output wanted plain and perm ==
      // (0,2,3,1): the input's NHWC layout is that value.
      if (out == Nhwc && ArrayRef<int64_t>(perm) == ArrayRef(kToNchw))
        want(n.inputs[0], Plain);
      else if (out == Plain && ArrayRef<int64_t>(perm) == ArrayRef(kToNhwc))
        want(n.inputs[0], Nhwc);
    } else {
      for (const std::string &in : n.inputs)
        want(in, Plain);
    }
  }

  llvm::StringMap<Pref> prefs;
};

} // namespace

OwningOpRef<ModuleOp> Importer::run(std::string &errorOut) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  for (const OnnxNode &n : model.nodes)
    for (const std::string &in : n.inputs)
      usedNames.insert(in);
  for (const OnnxValueInfo &out : model.outputs)
    usedNames.insert(out.name);
  {
    LayoutPreferences prefs(model);
    for (const OnnxValueInfo &in : model.inputs)
      if (prefs.get(in.name) == LayoutPreferences::Plain)
        plainInputs.insert(in.name);
  }

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
                   in.dimParams[i] + "'; bind it with --input-shape " +
                   in.name + "=D0xD1x...");
      else
        (void)fail("input '" + in.name + "' has unknown dim #" + Twine(i) +
                   "; bind it with --input-shape " + in.name + "=D0xD1x...");
      break;
    }
    if (!error.empty() ||
        failed(checkRuntimeShape(in.dims, "input '" + in.name + "'")))
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
    // Rank-4 inputs are consumed in NHWC (the transpose is created once, by
    // the first consumer that needs it) unless the graph transposes them
    // itself.
    v.preferNhwc = v.shape.size() == 4 && !plainInputs.contains(in.name);
    storage.push_back(std::move(v));
    values[in.name] = &storage.back();
  }

  for (const OnnxNode &n : model.nodes) {
    if (failed(importNode(n)) || !error.empty()) {
      (void)fail("import failed"); // no-op unless no message was set
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
    if (quantizedValues.contains(out.name)) {
      (void)fail("output '" + out.name +
                 "' is the int8 output of a QuantizeLinear; only float32 "
                 "outputs are supported");
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

} // namespace onnx_import

static OwningOpRef<ModuleOp> importModel(MLIRContext &ctx,
                                         const OnnxModel &model, StringRef path,
                                         const ImportOptions &options,
                                         std::string &error) {
  onnx_import::Importer importer(ctx, model, path, options);
  return importer.run(error);
}

/// Messages quote names from the file, which may hold any bytes: control
/// characters are escaped so that a message stays one line.
static void escapeControlChars(std::string &message) {
  std::string out;
  for (char c : message) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
      continue;
    }
    static const char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[u >> 4];
    out += hex[u & 15];
  }
  message = std::move(out);
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &ctx, StringRef path,
                                     const ImportOptions &options,
                                     std::string &error) {
  registerOnnxImporterDialects(ctx);
  OnnxModel model;
  OwningOpRef<ModuleOp> module;
  if (loadOnnxModel(path.str(), model, error, options.inputShapes))
    module = importModel(ctx, model, path, options, error);
  if (!module)
    escapeControlChars(error);
  return module;
}

OwningOpRef<ModuleOp> importOnnxBuffer(MLIRContext &ctx, StringRef bytes,
                                       StringRef displayName,
                                       const ImportOptions &options,
                                       std::string &error) {
  registerOnnxImporterDialects(ctx);
  OnnxModel model;
  OwningOpRef<ModuleOp> module;
  if (loadOnnxModelFromBuffer(displayName.str(), bytes.data(), bytes.size(),
                              model, error, options.inputShapes))
    module = importModel(ctx, model, displayName, options, error);
  if (!module)
    escapeControlChars(error);
  return module;
}

} // namespace qc
