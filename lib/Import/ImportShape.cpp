//===- ImportShape.cpp - reshapes, transposes, concat, slices, pads -------===//
//
// Data-movement ops. Reshape-like ops need the plain (ONNX) element order;
// Transpose composes with the tracked layout (no transpose pairs survive);
// Concat, Split, Slice, Pad, Gather and Tile work in the operand's layout
// with the axes mapped. The shape arithmetic (squeeze/unsqueeze axes,
// reshape targets, slice bounds, split sizes) is shared with constant
// folding.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <cmath>

using namespace mlir;

namespace qc {
namespace onnx_import {

//===----------------------------------------------------------------------===//
// Shape arithmetic
//===----------------------------------------------------------------------===//

LogicalResult Importer::squeezeShape(const OnnxNode &n,
                                     ArrayRef<int64_t> inShape,
                                     Shape &outShape) {
  SmallVector<int64_t> axes;
  bool present;
  if (failed(getIntsInputOrAttr(n, 1, "axes", 13, axes, present)))
    return failure();
  int64_t rank = int64_t(inShape.size());
  SmallVector<bool> drop(rank, false);
  if (!present || axes.empty()) {
    for (int64_t i = 0; i < rank; ++i)
      drop[i] = inShape[i] == 1;
  } else {
    for (int64_t a : axes) {
      if (failed(normalizeAxis(a, rank, "axis")))
        return failure();
      if (inShape[a] != 1)
        return fail("cannot squeeze axis " + Twine(a) + " of shape " +
                    shapeStr(inShape));
      drop[a] = true;
    }
  }
  outShape.clear();
  for (int64_t i = 0; i < rank; ++i)
    if (!drop[i])
      outShape.push_back(inShape[i]);
  return success();
}

LogicalResult Importer::unsqueezeShape(const OnnxNode &n,
                                       ArrayRef<int64_t> inShape,
                                       Shape &outShape) {
  SmallVector<int64_t> axes;
  bool present;
  if (failed(getIntsInputOrAttr(n, 1, "axes", 13, axes, present)))
    return failure();
  if (!present)
    return fail("axes are required");
  int64_t rank = int64_t(inShape.size() + axes.size());
  if (rank > 64)
    return fail("result rank " + Twine(rank) + " is too large");
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : axes) {
    if (failed(normalizeAxis(a, rank, "axis")))
      return failure();
    if (inserted[a])
      return fail("axis " + Twine(a) + " is given twice");
    inserted[a] = true;
  }
  outShape.clear();
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    outShape.push_back(inserted[i] ? 1 : inShape[next++]);
  return success();
}

LogicalResult Importer::reshapeTarget(const OnnxNode &n,
                                      ArrayRef<int64_t> inShape,
                                      Shape &outShape) {
  const OnnxTensor *shapeT = getIntConst(n, 1, "shape input");
  if (!shapeT)
    return failure();
  if (shapeT->dims.size() != 1)
    return fail("shape input '" + input(n, 1) +
                "' must be a 1-D integer tensor");
  if (shapeT->intData.size() > 64)
    return fail("target rank " + Twine(shapeT->intData.size()) +
                " is too large");
  bool allowZero = n.getInt("allowzero", 0) != 0;
  int64_t total;
  if (!checkedProduct(inShape, kMaxElements, total))
    return fail("input of shape " + shapeStr(inShape) + " is too large");
  outShape.clear();
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
    if (d != 0 && known > kMaxElements / d)
      return fail("shape " + shapeStr(shapeT->intData) + " is too large");
    known *= d;
    outShape.push_back(d);
  }
  if (inferIdx >= 0) {
    if (known == 0 || total % known != 0)
      return fail("cannot infer -1 when reshaping " + shapeStr(inShape) +
                  " with shape " + shapeStr(shapeT->intData));
    outShape[inferIdx] = total / known;
    known = total;
  }
  if (known != total)
    return fail("cannot reshape " + shapeStr(inShape) + " to " +
                shapeStr(outShape));
  return success();
}

LogicalResult Importer::flattenShape(const OnnxNode &n,
                                     ArrayRef<int64_t> inShape,
                                     Shape &outShape) {
  int64_t rank = int64_t(inShape.size());
  int64_t axis = n.getInt("axis", 1);
  if (axis < -rank || axis > rank)
    return fail("axis " + Twine(axis) + " out of range for rank " +
                Twine(rank));
  if (axis < 0)
    axis += rank;
  int64_t lo, hi;
  if (!checkedProduct(inShape.take_front(axis), kMaxElements, lo) ||
      !checkedProduct(inShape.drop_front(axis), kMaxElements, hi))
    return fail("input of shape " + shapeStr(inShape) + " is too large");
  outShape = {lo, hi};
  return success();
}

LogicalResult Importer::sliceSpec(const OnnxNode &n, ArrayRef<int64_t> inShape,
                                  SliceSpec &spec) {
  SmallVector<int64_t> starts, ends, axes, steps;
  bool hasStarts, hasEnds, hasAxes, hasSteps = false;
  if (failed(getIntsInputOrAttr(n, 1, "starts", 10, starts, hasStarts)) ||
      failed(getIntsInputOrAttr(n, 2, "ends", 10, ends, hasEnds)) ||
      failed(getIntsInputOrAttr(n, 3, "axes", 10, axes, hasAxes)))
    return failure();
  if (opset() >= 10 &&
      failed(getIntsInputOrAttr(n, 4, "steps", 10, steps, hasSteps)))
    return failure();
  if (!hasStarts || !hasEnds)
    return fail("starts and ends are required");
  int64_t rank = int64_t(inShape.size());
  if (!hasAxes)
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(int64_t(i));
  if (!hasSteps)
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return fail("starts, ends, axes and steps must have the same length");
  spec.start.assign(rank, 0);
  spec.step.assign(rank, 1);
  spec.count.assign(inShape.begin(), inShape.end());
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t a = axes[i];
    if (failed(normalizeAxis(a, rank, "axis")))
      return failure();
    if (seen[a])
      return fail("axis " + Twine(a) + " is given twice");
    seen[a] = true;
    int64_t dim = inShape[a];
    int64_t st = steps[i];
    if (st == 0)
      return fail("step must not be 0");
    // |step| > dim selects at most one element either way.
    st = std::max<int64_t>(std::min<int64_t>(st, dim + 1), -(dim + 1));
    int64_t s = starts[i], e = ends[i];
    if (s < 0)
      s = s < -dim ? -1 - dim : s + dim;
    if (e < 0)
      e = e < -dim ? -1 - dim : e + dim;
    int64_t count;
    if (st > 0) {
      s = std::min(std::max<int64_t>(s, 0), dim);
      e = std::min(std::max<int64_t>(e, 0), dim);
      count = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::min(std::max<int64_t>(s, 0), dim - 1);
      e = std::min(std::max<int64_t>(e, -1), dim - 1);
      count = s > e ? (s - e - st - 1) / -st : 0;
    }
    spec.start[a] = s;
    spec.step[a] = st;
    spec.count[a] = count;
  }
  return success();
}

LogicalResult Importer::splitSizes(const OnnxNode &n, ArrayRef<int64_t> inShape,
                                   int64_t &axis,
                                   SmallVectorImpl<int64_t> &sizes) {
  int64_t rank = int64_t(inShape.size());
  axis = n.getInt("axis", 0);
  if (failed(normalizeAxis(axis, rank, "axis")))
    return failure();
  bool present;
  if (failed(getIntsInputOrAttr(n, 1, "split", 13, sizes, present)))
    return failure();
  int64_t numOutputs = int64_t(n.outputs.size());
  int64_t dim = inShape[axis];
  if (!present) {
    if (numOutputs < 1)
      return fail("has no outputs");
    // Equal parts; from opset 18 the last part may be smaller.
    int64_t part = (dim + numOutputs - 1) / numOutputs;
    if (dim % numOutputs != 0 && opset() < 18)
      return fail("cannot split " + Twine(dim) + " evenly into " +
                  Twine(numOutputs) + " outputs");
    sizes.clear();
    for (int64_t i = 0; i < numOutputs; ++i)
      sizes.push_back(
          std::max<int64_t>(0, std::min<int64_t>(part, dim - i * part)));
  }
  if (int64_t(sizes.size()) != numOutputs)
    return fail("split has " + Twine(sizes.size()) + " sizes for " +
                Twine(numOutputs) + " outputs");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > dim)
      return fail("invalid split " + shapeStr(sizes));
    total += s;
  }
  if (total != dim)
    return fail("split " + shapeStr(sizes) + " does not add up to " +
                Twine(dim));
  return success();
}

//===----------------------------------------------------------------------===//
// Reshape-like ops
//===----------------------------------------------------------------------===//

LogicalResult Importer::importReshapeLike(const OnnxNode &n,
                                          ArrayRef<int64_t> outShape) {
  if (const OnnxTensor *t = lookupConst(input(n, 0))) {
    OnnxTensor copy = *t;
    copy.dims.assign(outShape.begin(), outShape.end());
    return defineConst(n, 0, std::move(copy));
  }
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();
  return define(n, 0, makeValue(outShape, reshapeFrom(*x, outShape), false));
}

LogicalResult Importer::importFlatten(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  FailureOr<Shape> inShape = shapeOf(input(n, 0));
  Shape outShape;
  if (failed(inShape) || failed(flattenShape(n, *inShape, outShape)))
    return failure();
  return importReshapeLike(n, outShape);
}

LogicalResult Importer::importReshape(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  FailureOr<Shape> inShape = shapeOf(input(n, 0));
  Shape outShape;
  if (failed(inShape) || failed(reshapeTarget(n, *inShape, outShape)))
    return failure();
  return importReshapeLike(n, outShape);
}

LogicalResult Importer::importSqueeze(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  FailureOr<Shape> inShape = shapeOf(input(n, 0));
  Shape outShape;
  if (failed(inShape) || failed(squeezeShape(n, *inShape, outShape)))
    return failure();
  return importReshapeLike(n, outShape);
}

LogicalResult Importer::importUnsqueeze(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  FailureOr<Shape> inShape = shapeOf(input(n, 0));
  Shape outShape;
  if (failed(inShape) || failed(unsqueezeShape(n, *inShape, outShape)))
    return failure();
  return importReshapeLike(n, outShape);
}

//===----------------------------------------------------------------------===//
// Transpose
//===----------------------------------------------------------------------===//

LogicalResult Importer::importTranspose(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  size_t rank = x->shape.size();
  Perm perm;
  if (n.hasAttr("perm")) {
    std::vector<int64_t> p = n.getInts("perm", {});
    perm.assign(p.begin(), p.end());
  } else {
    for (size_t i = 0; i < rank; ++i)
      perm.push_back(int64_t(rank - 1 - i));
  }
  if (!isValidPerm(perm, rank))
    return fail("perm " + shapeStr(perm) + " is not a permutation of rank " +
                Twine(rank));

  // Candidate sources, each with the permutation that yields x's plain
  // layout from it. The result is plain(out) = permute(src, q o perm); pick
  // the source for which that (or the NHWC form of it) is free.
  struct Candidate {
    Value v;
    Perm toPlain;
  };
  SmallVector<Candidate, 3> candidates;
  if (x->nhwc)
    candidates.push_back(
        {x->nhwc, Perm(std::begin(kToNchw), std::end(kToNchw))});
  if (x->src)
    candidates.push_back({x->src, x->srcPerm});
  if (x->plain) {
    Perm id;
    for (size_t i = 0; i < rank; ++i)
      id.push_back(int64_t(i));
    candidates.push_back({x->plain, id});
  }
  ImportedValue out;
  out.shape = permuteShape(x->shape, perm);
  const Candidate *best = nullptr;
  for (const Candidate &c : candidates) {
    Perm q = composePerms(c.toPlain, perm);
    Shape srcShape = shapeOfValue(c.v);
    bool free =
        permIsReshape(srcShape, q) ||
        (rank == 4 && permIsReshape(srcShape, composePerms(q, kToNhwc)));
    if (free) {
      best = &c;
      break;
    }
  }
  if (!best)
    best = x->plain ? &candidates.back() : &candidates.front();
  Perm q = composePerms(best->toPlain, perm);
  if (isIdentityPerm(q)) {
    out.plain = best->v;
  } else if (rank == 4 && isIdentityPerm(composePerms(q, kToNhwc))) {
    out.nhwc = best->v;
  } else {
    out.src = best->v;
    out.srcPerm = q;
  }
  out.preferNhwc = nhwcIsFree(out) && !plainIsFree(out);
  return define(n, 0, std::move(out));
}

//===----------------------------------------------------------------------===//
// Concat, Split, Slice
//===----------------------------------------------------------------------===//

LogicalResult Importer::importConcat(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (n.inputs.empty())
    return fail("expects at least one input");
  SmallVector<Operand> ops;
  for (unsigned i = 0; i < n.inputs.size(); ++i) {
    Operand op;
    if (failed(getOperand(input(n, i), op)))
      return failure();
    ops.push_back(op);
  }
  int64_t rank = int64_t(ops[0].shape.size());
  int64_t axis = n.getInt("axis", 0);
  if (rank == 0 || failed(normalizeAxis(axis, rank, "axis")))
    return failure();
  Shape outShape = ops[0].shape;
  outShape[axis] = 0;
  for (const Operand &op : ops) {
    bool ok = int64_t(op.shape.size()) == rank;
    for (int64_t i = 0; ok && i < rank; ++i)
      ok = i == axis || op.shape[i] == ops[0].shape[i];
    if (!ok)
      return fail("operand shapes " + shapeStr(ops[0].shape) + " and " +
                  shapeStr(op.shape) + " do not concatenate on axis " +
                  Twine(axis));
    outShape[axis] += op.shape[axis];
  }
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();
  bool nhwc = chooseNhwc(ops, size_t(rank));
  SmallVector<Value> parts;
  for (Operand &op : ops)
    if (op.shape[axis] != 0) // empty constants contribute nothing
      parts.push_back(operandInLayout(op, size_t(rank), nhwc));
  return define(
      n, 0, makeValue(outShape, concat(parts, layoutAxis(axis, nhwc)), nhwc));
}

LogicalResult Importer::importSplit(const OnnxNode &n) {
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  int64_t axis;
  SmallVector<int64_t> sizes;
  if (failed(splitSizes(n, x->shape, axis, sizes)))
    return failure();
  bool nhwc = useNhwc(*x);
  Value in = layoutOf(*x, nhwc);
  int64_t la = layoutAxis(axis, nhwc), offset = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Shape shape = x->shape;
    shape[axis] = sizes[i];
    if (!n.outputs[i].empty()) {
      if (sizes[i] == 0)
        return fail("output #" + Twine(i) + " would be empty");
      Value part = sliceAxis(in, la, offset, offset + sizes[i]);
      if (failed(define(n, unsigned(i), makeValue(shape, part, nhwc))))
        return failure();
    }
    offset += sizes[i];
  }
  return success();
}

LogicalResult Importer::importSlice(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  SliceSpec spec;
  if (failed(sliceSpec(n, x->shape, spec)) ||
      failed(checkRuntimeShape(spec.count, "result")))
    return failure();
  bool nhwc = useNhwc(*x);
  Value v = layoutOf(*x, nhwc);
  for (size_t a = 0; a < x->shape.size(); ++a) {
    int64_t dim = x->shape[a], start = spec.start[a], step = spec.step[a],
            count = spec.count[a];
    if (start == 0 && step == 1 && count == dim)
      continue;
    int64_t la = layoutAxis(int64_t(a), nhwc);
    if (step < 0 && count > 1) {
      // Reverse, then a forward strided slice.
      v = tosa::ReverseOp::create(b, curLoc, v.getType(), v, int32_t(la));
      start = dim - 1 - start;
      step = -step;
    }
    v = stridedSliceAxis(v, la, start, step > 0 ? step : 1, count);
    if (!v)
      return failure();
  }
  return define(n, 0, makeValue(spec.count, v, nhwc));
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

LogicalResult Importer::importPad(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  int64_t rank = int64_t(x->shape.size());
  std::string mode = n.getString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return fail("mode '" + mode + "' is not supported");
  SmallVector<int64_t> pads;
  bool present;
  if (failed(getIntsInputOrAttr(n, 1, "pads", 11, pads, present)))
    return failure();
  if (!present)
    return fail("pads are required");
  if (int64_t(pads.size()) != 2 * rank)
    return fail("pads " + shapeStr(pads) + " must have " + Twine(2 * rank) +
                " values");
  float value = 0.0f;
  if (opset() < 11)
    value = n.getFloat("value", 0.0f);
  else if (failed(getScalarInput(n, 2, "constant_value", value)))
    return failure();
  Shape outShape;
  for (int64_t a = 0; a < rank; ++a) {
    int64_t lo = pads[a], hi = pads[a + rank];
    if (lo < -x->shape[a] || hi < -x->shape[a] || lo > kMaxAttrValue ||
        hi > kMaxAttrValue)
      return fail("invalid pads " + shapeStr(pads));
    outShape.push_back(x->shape[a] + lo + hi);
  }
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();
  bool nhwc = useNhwc(*x);
  Value v = layoutOf(*x, nhwc);
  for (int64_t a = 0; a < rank; ++a) {
    int64_t lo = pads[a], hi = pads[a + rank];
    int64_t la = layoutAxis(a, nhwc);
    // Negative pads crop.
    int64_t dim = shapeOfValue(v)[la];
    if (lo < 0 || hi < 0) {
      int64_t cropLo = lo < 0 ? -lo : 0, cropHi = hi < 0 ? -hi : 0;
      v = sliceAxis(v, la, cropLo, dim - cropHi);
      dim -= cropLo + cropHi;
      lo = std::max<int64_t>(lo, 0);
      hi = std::max<int64_t>(hi, 0);
    }
    if (lo == 0 && hi == 0)
      continue;
    if (mode == "constant") {
      v = padConstAxis(v, la, lo, hi, value);
      continue;
    }
    SmallVector<Value> parts;
    if (mode == "reflect") {
      if (lo >= dim || hi >= dim)
        return fail("reflect padding of " + Twine(std::max(lo, hi)) +
                    " needs a dimension larger than " + Twine(dim));
      auto mirrored = [&](int64_t begin, int64_t end) -> Value {
        Value s = sliceAxis(v, la, begin, end);
        return tosa::ReverseOp::create(b, curLoc, s.getType(), s, int32_t(la));
      };
      if (lo > 0)
        parts.push_back(mirrored(1, lo + 1));
      parts.push_back(v);
      if (hi > 0)
        parts.push_back(mirrored(dim - 1 - hi, dim - 1));
    } else { // edge
      auto edge = [&](int64_t at, int64_t count) {
        Value e = sliceAxis(v, la, at, at + 1);
        Shape shape = shapeOfValue(e);
        Shape multiples(shape.size(), 1);
        multiples[la] = count;
        shape[la] = count;
        return tosa::TileOp::create(b, curLoc, f32(shape), e,
                                    constShape(multiples))
            .getResult();
      };
      if (lo > 0)
        parts.push_back(edge(0, lo));
      parts.push_back(v);
      if (hi > 0)
        parts.push_back(edge(dim - 1, hi));
    }
    v = concat(parts, la);
  }
  return define(n, 0, makeValue(outShape, v, nhwc));
}

//===----------------------------------------------------------------------===//
// Gather, Expand, Tile
//===----------------------------------------------------------------------===//

LogicalResult Importer::importGather(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  const OnnxTensor *idx = getIntConst(n, 1, "indices");
  if (!idx)
    return failure();
  int64_t rank = int64_t(x->shape.size());
  int64_t axis = n.getInt("axis", 0);
  if (rank == 0 || failed(normalizeAxis(axis, rank, "axis")))
    return failure();
  int64_t dim = x->shape[axis];
  SmallVector<int64_t> indices;
  for (int64_t i : idx->intData) {
    if (i < -dim || i >= dim)
      return fail("index " + Twine(i) + " is out of range for dimension " +
                  Twine(dim));
    indices.push_back(i < 0 ? i + dim : i);
  }
  if (indices.empty())
    return fail("empty indices are not supported");
  ArrayRef<int64_t> s(x->shape);
  Shape outShape(s.take_front(axis));
  outShape.append(idx->dims.begin(), idx->dims.end());
  outShape.append(s.begin() + axis + 1, s.end());
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();
  bool nhwc = useNhwc(*x);
  FailureOr<Value> g =
      gatherAxis(layoutOf(*x, nhwc), layoutAxis(axis, nhwc), indices);
  if (failed(g))
    return failure();
  Shape flatShape = x->shape;
  flatShape[axis] = int64_t(indices.size());
  ImportedValue flat = makeValue(flatShape, *g, nhwc);
  if (flatShape == outShape)
    return define(n, 0, std::move(flat));
  return define(n, 0, makeValue(outShape, reshapeFrom(flat, outShape), false));
}

LogicalResult Importer::importExpand(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  const OnnxTensor *shapeT = getIntConst(n, 1, "shape");
  if (!shapeT)
    return failure();
  if (shapeT->dims.size() != 1 || shapeT->intData.size() > kMaxRank)
    return fail("shape must be a 1-D tensor of at most " + Twine(kMaxRank) +
                " values");
  Shape outShape;
  if (!broadcastShapes(x->shape, shapeT->intData, outShape))
    return fail("cannot expand " + shapeStr(x->shape) + " to " +
                shapeStr(shapeT->intData));
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();
  size_t rank = outShape.size();
  bool nhwc = rank == 4 && x->shape.size() == 4 && useNhwc(*x);
  Value v = nhwc ? nhwcOf(*x) : reshapeFrom(*x, padRank(x->shape, rank));
  Shape target = nhwc ? permuteShape(outShape, kToNhwc) : outShape;
  Shape cur = shapeOfValue(v), multiples;
  for (size_t i = 0; i < rank; ++i)
    multiples.push_back(cur[i] == target[i] ? 1 : target[i]);
  if (cur != target)
    v = tosa::TileOp::create(b, curLoc, f32(target), v, constShape(multiples));
  return define(n, 0, makeValue(outShape, v, nhwc));
}

LogicalResult Importer::importTile(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  const OnnxTensor *reps = getIntConst(n, 1, "repeats");
  if (!reps)
    return failure();
  size_t rank = x->shape.size();
  if (reps->intData.size() != rank)
    return fail("repeats must have " + Twine(rank) + " values");
  Shape outShape;
  for (size_t i = 0; i < rank; ++i) {
    if (reps->intData[i] < 1 || reps->intData[i] > kMaxAttrValue)
      return fail("invalid repeats " + shapeStr(reps->intData));
    outShape.push_back(x->shape[i] * reps->intData[i]);
  }
  if (failed(checkRuntimeShape(outShape, "result")))
    return failure();
  bool nhwc = useNhwc(*x);
  Shape multiples(reps->intData.begin(), reps->intData.end());
  if (nhwc)
    multiples = permuteShape(multiples, kToNhwc);
  Shape target = nhwc ? permuteShape(outShape, kToNhwc) : outShape;
  Value v = tosa::TileOp::create(b, curLoc, f32(target), layoutOf(*x, nhwc),
                                 constShape(multiples));
  return define(n, 0, makeValue(outShape, v, nhwc));
}

//===----------------------------------------------------------------------===//
// Cast, Identity
//===----------------------------------------------------------------------===//

LogicalResult Importer::importCast(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  int64_t to = n.getInt("to", 0);
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  // Between float types Cast is a no-op: qc computes in float32.
  auto dt = OnnxDataType(to);
  if (dt != OnnxDataType::Float && dt != OnnxDataType::Float16 &&
      dt != OnnxDataType::Double && dt != OnnxDataType::BFloat16)
    return fail("Cast of a float32 value to " + onnxDataTypeName(int32_t(to)) +
                " is not supported");
  return alias(n, 0, x);
}

LogicalResult Importer::importIdentity(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  if (n.opType == "Dropout" && hasInput(n, 2)) {
    const OnnxTensor *t = lookupConst(input(n, 2));
    if (!t || t->intData.size() != 1 || t->intData[0] != 0)
      return fail("training_mode must be a constant false");
  }
  if (const OnnxTensor *t = lookupConst(input(n, 0)))
    return defineConst(n, 0, *t);
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  return alias(n, 0, x);
}

} // namespace onnx_import
} // namespace qc
