//===- ImportMath.cpp - elementwise ops, matmul, softmax, reductions ------===//
//
// Elementwise ops run in the layout of their operands (NHWC when the
// runtime operands are NHWC activations, constants permuted to match);
// ops that TOSA lacks are expanded (Div -> reciprocal + mul, Softmax ->
// max/exp/sum, ReduceMean -> sum * 1/n, HardSwish -> clamp + mul, ...).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <cfloat>
#include <cmath>

using namespace mlir;

namespace qc {
namespace onnx_import {

//===----------------------------------------------------------------------===//
// Binary and variadic elementwise ops
//===----------------------------------------------------------------------===//

LogicalResult Importer::importElementwise(const OnnxNode &n, EwKind kind) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (!hasInput(n, 0) || !hasInput(n, 1))
    return fail("expects two inputs");

  // Pow with a constant scalar exponent (of any numeric type) becomes
  // multiplications, sqrt or reciprocal where possible.
  if (kind == EwKind::Pow) {
    const OnnxTensor *e = lookupConst(input(n, 1));
    if (e && e->numElements() == 1 && (e->isFloat() || e->isInt()) &&
        !lookupConst(input(n, 0))) {
      float p = e->isFloat() ? e->floatData[0] : float(e->intData[0]);
      ImportedValue *x = getValue(input(n, 0));
      if (!x)
        return failure();
      Shape outShape = padRank(x->shape, e->dims.size());
      bool nhwc = useNhwc(*x) && outShape.size() == 4;
      Operand base{input(n, 0), x, nullptr, x->shape};
      Value in = operandInLayout(base, outShape.size(), nhwc);
      Value r;
      if (p == 1.0f)
        r = in;
      else if (p == 2.0f)
        r = mul(in, in);
      else if (p == 3.0f)
        r = mul(mul(in, in), in);
      else if (p == 0.5f)
        r = sqrt(in);
      else if (p == -1.0f)
        r = reciprocal(in);
      else if (p == -0.5f)
        r = tosa::RsqrtOp::create(b, curLoc, in.getType(), in);
      else if (p == 0.0f)
        r = splatF32(shapeOfValue(in), 1.0f);
      else
        r = tosa::PowOp::create(b, curLoc, in.getType(), in,
                                scalarF32(p, outShape.size()));
      return define(n, 0, makeValue(outShape, r, nhwc));
    }
  }

  Operand ops[2];
  if (failed(getOperand(input(n, 0), ops[0])) ||
      failed(getOperand(input(n, 1), ops[1])))
    return failure();
  Shape outShape;
  if (!broadcastShapes(ops[0].shape, ops[1].shape, outShape))
    return fail("operand shapes " + shapeStr(ops[0].shape) + " and " +
                shapeStr(ops[1].shape) + " are not broadcastable");
  if (kind == EwKind::PRelu && outShape != ops[0].shape)
    return fail("slope of shape " + shapeStr(ops[1].shape) +
                " does not broadcast to the input shape " +
                shapeStr(ops[0].shape));
  size_t rank = outShape.size();
  bool nhwc = chooseNhwc(ops, rank);

  // x / c with constant c is x * (1/c).
  OnnxTensor inverse;
  if (kind == EwKind::Div && ops[1].constant && ops[0].value) {
    inverse = *ops[1].constant;
    for (float &v : inverse.floatData)
      v = 1.0f / v;
    ops[1].constant = &inverse;
    kind = EwKind::Mul;
  }
  Value x = operandInLayout(ops[0], rank, nhwc);
  Value y = operandInLayout(ops[1], rank, nhwc);
  Value r;
  switch (kind) {
  case EwKind::Add:
    r = add(x, y);
    break;
  case EwKind::Sub:
    r = sub(x, y);
    break;
  case EwKind::Mul:
    r = mul(x, y);
    break;
  case EwKind::Div:
    r = mul(x, reciprocal(y));
    break;
  case EwKind::Max:
    r = maximum(x, y);
    break;
  case EwKind::Min:
    r = minimum(x, y);
    break;
  case EwKind::Pow:
    r = tosa::PowOp::create(b, curLoc, f32(shapeOfValue(add(x, y))), x, y);
    break;
  case EwKind::PRelu: {
    Value zero = scalarF32(0.0f, rank);
    r = select(greaterEqual(x, zero), x, mul(x, y));
    break;
  }
  }
  return define(n, 0, makeValue(outShape, r, nhwc));
}

LogicalResult Importer::importVariadic(const OnnxNode &n, EwKind kind) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  SmallVector<Operand> ops(n.inputs.size());
  if (ops.empty())
    return fail("expects at least one input");
  Shape outShape;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (failed(getOperand(input(n, i), ops[i])))
      return failure();
    Shape next;
    if (!broadcastShapes(outShape, ops[i].shape, next))
      return fail("operand shapes " + shapeStr(outShape) + " and " +
                  shapeStr(ops[i].shape) + " are not broadcastable");
    outShape = next;
  }
  if (ops.size() == 1 && ops[0].value && ops[0].shape == outShape)
    return alias(n, 0, ops[0].value);
  size_t rank = outShape.size();
  bool nhwc = chooseNhwc(ops, rank);
  Value acc = operandInLayout(ops[0], rank, nhwc);
  for (size_t i = 1; i < ops.size(); ++i) {
    Value v = operandInLayout(ops[i], rank, nhwc);
    acc = kind == EwKind::Max   ? maximum(acc, v)
          : kind == EwKind::Min ? minimum(acc, v)
                                : add(acc, v);
  }
  if (ops.size() == 1) // a lone constant, or broadcasting to itself
    acc = add(acc, splatF32(shapeOfValue(acc), 0.0f));
  return define(n, 0, makeValue(outShape, acc, nhwc));
}

//===----------------------------------------------------------------------===//
// Unary ops and activations
//===----------------------------------------------------------------------===//

LogicalResult Importer::importUnary(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  bool nhwc = useNhwc(*x);
  Value in = layoutOf(*x, nhwc);
  Type type = in.getType();
  size_t rank = x->shape.size();
  auto scalar = [&](float v) { return scalarF32(v, rank); };
  auto ge0 = [&](Value v) { return greaterEqual(v, scalar(0.0f)); };
  const std::string &op = n.opType;
  Value r;
  if (op == "Relu") {
    r = clamp(in, 0.0f, FLT_MAX);
  } else if (op == "LeakyRelu") {
    float alpha = n.getFloat("alpha", 0.01f);
    Value scaled = mul(in, scalar(alpha));
    r = alpha >= 0.0f && alpha <= 1.0f ? maximum(in, scaled)
                                       : select(ge0(in), in, scaled);
  } else if (op == "Sigmoid") {
    r = tosa::SigmoidOp::create(b, curLoc, type, in);
  } else if (op == "HardSigmoid") {
    float alpha = n.getFloat("alpha", 0.2f), beta = n.getFloat("beta", 0.5f);
    r = clamp(add(mul(in, scalar(alpha)), scalar(beta)), 0.0f, 1.0f);
  } else if (op == "HardSwish") {
    Value gate =
        clamp(add(mul(in, scalar(1.0f / 6.0f)), scalar(0.5f)), 0.0f, 1.0f);
    r = mul(in, gate);
  } else if (op == "Tanh") {
    r = tosa::TanhOp::create(b, curLoc, type, in);
  } else if (op == "Erf") {
    r = erf(in);
  } else if (op == "Exp") {
    r = exp(in);
  } else if (op == "Log") {
    r = log(in);
  } else if (op == "Neg") {
    r = tosa::NegateOp::create(b, curLoc, type, in, zeroPoint(), zeroPoint());
  } else if (op == "Abs") {
    r = tosa::AbsOp::create(b, curLoc, type, in);
  } else if (op == "Sqrt") {
    r = sqrt(in);
  } else if (op == "Reciprocal") {
    r = reciprocal(in);
  } else if (op == "Floor") {
    r = tosa::FloorOp::create(b, curLoc, type, in);
  } else if (op == "Ceil") {
    r = tosa::CeilOp::create(b, curLoc, type, in);
  } else if (op == "Elu" || op == "Selu") {
    bool selu = op == "Selu";
    float alpha = n.getFloat("alpha", selu ? 1.67326319217681884765625f : 1.0f);
    float gamma = n.getFloat("gamma", 1.05070102214813232421875f);
    Value neg = mul(sub(exp(in), scalar(1.0f)), scalar(alpha));
    Value pos = in;
    if (selu) {
      neg = mul(neg, scalar(gamma));
      pos = mul(in, scalar(gamma));
      // Selu: x > 0 takes the linear branch; at 0 both branches give 0.
    }
    r = select(ge0(in), pos, neg);
  } else if (op == "Celu") {
    float alpha = n.getFloat("alpha", 1.0f);
    if (alpha == 0.0f)
      return fail("alpha must not be 0");
    Value e = mul(sub(exp(mul(in, scalar(1.0f / alpha))), scalar(1.0f)),
                  scalar(alpha));
    r = add(clamp(in, 0.0f, FLT_MAX), clamp(e, -FLT_MAX, 0.0f));
  } else if (op == "Softplus") {
    // log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)), without overflow.
    Value absX = tosa::AbsOp::create(b, curLoc, type, in);
    Value negAbs =
        tosa::NegateOp::create(b, curLoc, type, absX, zeroPoint(), zeroPoint());
    r = add(clamp(in, 0.0f, FLT_MAX), log(add(exp(negAbs), scalar(1.0f))));
  } else if (op == "Softsign") {
    Value absX = tosa::AbsOp::create(b, curLoc, type, in);
    r = mul(in, reciprocal(add(absX, scalar(1.0f))));
  } else if (op == "ThresholdedRelu") {
    float alpha = n.getFloat("alpha", 1.0f);
    auto i1 = RankedTensorType::get(shapeOfValue(in), b.getI1Type());
    Value gt = tosa::GreaterOp::create(b, curLoc, i1, in, scalar(alpha));
    r = select(gt, in, scalar(0.0f));
  } else {
    return fail("unsupported operator");
  }
  return define(n, 0, makeValue(x->shape, r, nhwc));
}

LogicalResult Importer::importClip(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  float lo = -FLT_MAX, hi = FLT_MAX;
  if (opset() < 11) {
    lo = n.getFloat("min", lo);
    hi = n.getFloat("max", hi);
  } else if (failed(getScalarInput(n, 1, "min", lo)) ||
             failed(getScalarInput(n, 2, "max", hi))) {
    return failure();
  }
  if (std::isnan(lo) || std::isnan(hi))
    return fail("NaN bounds are not supported");
  if (lo > hi)
    lo = hi; // ONNX: min(max(x, lo), hi)
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  bool nhwc = useNhwc(*x);
  Value r = clamp(layoutOf(*x, nhwc), lo, hi);
  return define(n, 0, makeValue(x->shape, r, nhwc));
}

//===----------------------------------------------------------------------===//
// Gemm and MatMul
//===----------------------------------------------------------------------===//

namespace {

/// Broadcast `v` to `shape` (same rank) with tosa.tile.
Value broadcastTo(Importer &imp, Value v, ArrayRef<int64_t> shape) {
  Shape cur = Importer::shapeOfValue(v);
  if (ArrayRef<int64_t>(cur) == shape)
    return v;
  Shape multiples;
  for (size_t i = 0; i < shape.size(); ++i)
    multiples.push_back(cur[i] == shape[i] ? 1 : shape[i]);
  return tosa::TileOp::create(imp.b, imp.curLoc, imp.f32(shape), v,
                              imp.constShape(multiples));
}

} // namespace

LogicalResult Importer::importGemm(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  bool transA = n.getInt("transA", 0) != 0;
  bool transB = n.getInt("transB", 0) != 0;
  float alpha = n.getFloat("alpha", 1.0f);
  float beta = n.getFloat("beta", 1.0f);
  FailureOr<Shape> aShape = shapeOf(input(n, 0));
  FailureOr<Shape> bShape = shapeOf(input(n, 1));
  if (failed(aShape) || failed(bShape))
    return failure();
  if (aShape->size() != 2)
    return fail("A must have rank 2, has rank " + Twine(aShape->size()));
  if (bShape->size() != 2)
    return fail("B must have rank 2, has rank " + Twine(bShape->size()));
  int64_t m = transA ? (*aShape)[1] : (*aShape)[0];
  int64_t k = transA ? (*aShape)[0] : (*aShape)[1];
  int64_t bk = transB ? (*bShape)[1] : (*bShape)[0];
  int64_t nn = transB ? (*bShape)[0] : (*bShape)[1];
  if (bk != k)
    return fail("B of shape " + shapeStr(*bShape) +
                " does not match A of shape " + shapeStr(*aShape));
  Shape outShape = {m, nn};
  Operand c;
  bool hasC = hasInput(n, 2) && beta != 0.0f;
  if (hasC) {
    if (failed(getOperand(input(n, 2), c)))
      return failure();
    Shape cShape;
    if (!broadcastShapes(outShape, c.shape, cShape) || cShape != outShape)
      return fail("C of shape " + shapeStr(c.shape) +
                  " cannot be broadcast to " + shapeStr(outShape));
  }

  ImportedValue *a = getValue(input(n, 0));
  if (!a)
    return failure();
  Value a2 = transA ? permute(plainOf(*a), {1, 0}) : reshapeFrom(*a, {m, k});
  Value a3 = reshape(a2, {1, m, k});

  Value b3;
  if (const OnnxTensor *bT = lookupConst(input(n, 1))) {
    if (!bT->isFloat())
      return fail("B has element type " + onnxDataTypeName(bT->dataType) +
                  "; only float32 is supported");
    // Constant B: transposed and scaled by alpha at import.
    SmallVector<float> bKN =
        transB ? transposeData<float>(bT->floatData, bT->dims, {1, 0})
               : SmallVector<float>(bT->floatData.begin(), bT->floatData.end());
    if (alpha != 1.0f)
      for (float &v : bKN)
        v *= alpha;
    std::optional<SmallVector<double>> scales;
    if (alpha == 1.0f)
      scales = weightScales(input(n, 1), transB ? 0 : 1, 0, nn);
    alpha = 1.0f;
    b3 = weightConst({1, k, nn}, bKN, scales);
  } else {
    ImportedValue *bv = getValue(input(n, 1));
    if (!bv)
      return failure();
    Value b2 = transB ? permute(plainOf(*bv), {1, 0}) : plainOf(*bv);
    b3 = reshape(b2, {1, k, nn});
  }
  Value mm = tosa::MatMulOp::create(b, curLoc, f32({1, m, nn}), a3, b3,
                                    zeroPoint(), zeroPoint());
  Value result = reshape(mm, outShape);
  if (alpha != 1.0f)
    result = mul(result, scalarF32(alpha, 2));

  if (hasC) {
    if (c.constant) {
      // [N]-like biases become [1, N]; anything else is expanded.
      Shape padded = padRank(c.shape, 2);
      Shape addShape = padded[0] == 1 ? Shape{1, nn} : outShape;
      int64_t count;
      if (!checkedProduct(addShape, kMaxHostElements, count))
        return fail("C is too large to broadcast");
      SmallVector<float> cData =
          broadcastData<float>(c.constant->floatData, c.shape, addShape);
      for (float &v : cData)
        v *= beta;
      result = add(result, constF32(addShape, cData));
    } else {
      Value cv = reshapeFrom(*c.value, padRank(c.shape, 2));
      if (beta != 1.0f)
        cv = mul(cv, scalarF32(beta, 2));
      result = add(result, cv);
    }
  }
  return define(n, 0, makeValue(outShape, result, false));
}

LogicalResult Importer::importMatMul(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  FailureOr<Shape> aShapeOr = shapeOf(input(n, 0));
  FailureOr<Shape> bShapeOr = shapeOf(input(n, 1));
  if (failed(aShapeOr) || failed(bShapeOr))
    return failure();
  Shape aShape = *aShapeOr, bShape = *bShapeOr;
  if (aShape.empty() || bShape.empty())
    return fail("operands must not be scalars");
  // Rank-1 operands: [K] is [1, K] for A and [K, 1] for B, and the added
  // dim is removed from the result.
  bool dropM = aShape.size() == 1, dropN = bShape.size() == 1;
  if (dropM)
    aShape.insert(aShape.begin(), 1);
  if (dropN)
    bShape.push_back(1);
  int64_t m = aShape[aShape.size() - 2], k = aShape.back();
  int64_t bk = bShape[bShape.size() - 2], nn = bShape.back();
  if (k != bk)
    return fail("B of shape " + shapeStr(*bShapeOr) +
                " does not match A of shape " + shapeStr(*aShapeOr));
  ArrayRef<int64_t> aBatch = ArrayRef<int64_t>(aShape).drop_back(2);
  ArrayRef<int64_t> bBatch = ArrayRef<int64_t>(bShape).drop_back(2);
  Shape batch;
  if (!broadcastShapes(aBatch, bBatch, batch))
    return fail("batch dims of A " + shapeStr(*aShapeOr) + " and B " +
                shapeStr(*bShapeOr) + " are not broadcastable");
  Shape outShape = batch;
  if (!dropM)
    outShape.push_back(m);
  if (!dropN)
    outShape.push_back(nn);
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();

  ImportedValue *a = getValue(input(n, 0));
  if (!a)
    return failure();
  int64_t batchCount = product(batch);
  bool bUnbatched = product(bBatch) == 1;
  const OnnxTensor *bT = lookupConst(input(n, 1));
  if (bT && !bT->isFloat())
    return fail("B has element type " + onnxDataTypeName(bT->dataType) +
                "; only float32 is supported");

  Value a3, b3;
  int64_t rows = m, mmBatch = batchCount;
  if (bUnbatched) {
    // B is one matrix: fold A's batch into its rows, one [1, batch*M, K]
    // x [1, K, N] matmul (a constant B stays a plain weight matrix).
    rows = batchCount * m;
    mmBatch = 1;
    a3 = reshapeFrom(*a, {1, rows, k});
    if (bT) {
      b3 = weightConst({1, k, nn}, bT->floatData,
                       weightScales(input(n, 1), int64_t(bShape.size()) - 1,
                                    0, nn));
    } else {
      ImportedValue *bv = getValue(input(n, 1));
      if (!bv)
        return failure();
      b3 = reshapeFrom(*bv, {1, k, nn});
    }
  } else {
    ImportedValue *bv = getValue(input(n, 1));
    if (!bv)
      return failure();
    auto prep = [&](ImportedValue &v, ArrayRef<int64_t> shape3, int64_t r,
                    int64_t c) {
      Shape full = batch;
      full.push_back(r);
      full.push_back(c);
      Shape padded = padRank(shape3, full.size());
      Value x = reshapeFrom(v, padded);
      x = broadcastTo(*this, x, full);
      return reshape(x, {batchCount, r, c});
    };
    a3 = prep(*a, aShape, m, k);
    b3 = prep(*bv, bShape, k, nn);
  }
  Value mm = tosa::MatMulOp::create(b, curLoc, f32({mmBatch, rows, nn}), a3, b3,
                                    zeroPoint(), zeroPoint());
  return define(n, 0, makeValue(outShape, reshape(mm, outShape), false));
}

//===----------------------------------------------------------------------===//
// Softmax and reductions
//===----------------------------------------------------------------------===//

LogicalResult Importer::importSoftmax(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  bool logSoftmax = n.opType == "LogSoftmax";
  int64_t rank = int64_t(x->shape.size());
  int64_t axis = n.getInt("axis", opset() < 13 ? 1 : -1);
  if (rank == 0)
    return fail("input must not be a scalar");
  if (failed(normalizeAxis(axis, rank, "axis")))
    return failure();
  auto compute = [&](Value v, int64_t ax) -> Value {
    Value d = sub(v, reduceMax(v, ax));
    Value e = exp(d);
    if (logSoftmax)
      return sub(d, log(reduceSum(e, ax)));
    return mul(e, reciprocal(reduceSum(e, ax)));
  };
  if (opset() < 13 && axis != rank - 1) {
    // Before opset 13 the input is coerced to 2-D at `axis` and normalised
    // over everything from `axis` on.
    ArrayRef<int64_t> s(x->shape);
    Shape twoD = {product(s.take_front(axis)), product(s.drop_front(axis))};
    Value r = compute(reshapeFrom(*x, twoD), 1);
    return define(n, 0, makeValue(x->shape, reshape(r, x->shape), false));
  }
  bool nhwc = useNhwc(*x);
  Value r = compute(layoutOf(*x, nhwc), layoutAxis(axis, nhwc));
  return define(n, 0, makeValue(x->shape, r, nhwc));
}

LogicalResult Importer::importReduce(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  const std::string &op = n.opType;
  // ReduceSum takes axes as an input from opset 13, the others from 18
  // (rewritten to the attribute form when the model is loaded).
  int64_t inputSince = op == "ReduceSum" ? 13 : INT64_MAX;
  SmallVector<int64_t> axes;
  bool present;
  if (failed(getIntsInputOrAttr(n, 1, "axes", inputSince, axes, present)))
    return failure();
  bool keepDims = n.getInt("keepdims", 1) != 0;
  int64_t rank = int64_t(x->shape.size());
  if (axes.empty()) {
    if (n.getInt("noop_with_empty_axes", 0) != 0)
      return alias(n, 0, x);
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  SmallVector<bool> reduced(rank, false);
  for (int64_t &a : axes) {
    if (failed(normalizeAxis(a, rank, "axis")))
      return failure();
    reduced[a] = true;
  }
  Shape keptShape(x->shape.begin(), x->shape.end()), outShape;
  int64_t count = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (reduced[i]) {
      count *= keptShape[i];
      keptShape[i] = 1;
      if (keepDims)
        outShape.push_back(1);
    } else {
      outShape.push_back(keptShape[i]);
    }
  }
  bool nhwc = useNhwc(*x);
  Value r = layoutOf(*x, nhwc);
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      continue;
    int64_t ax = layoutAxis(i, nhwc);
    if (op == "ReduceMax")
      r = reduceMax(r, ax);
    else if (op == "ReduceMin")
      r = reduceMin(r, ax);
    else
      r = reduceSum(r, ax);
  }
  if (op == "ReduceMean")
    r = mul(r, scalarF32(1.0f / float(count), rank));
  ImportedValue kept = makeValue(keptShape, r, nhwc);
  if (keepDims)
    return define(n, 0, std::move(kept));
  return define(n, 0, makeValue(outShape, reshapeFrom(kept, outShape), false));
}

} // namespace onnx_import
} // namespace qc
