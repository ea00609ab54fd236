//===- ConstantFolding.cpp - evaluate constant subgraphs at import --------===//
//
// Once input shapes are static, the shape arithmetic that exporters emit
// (torch's `x.view(x.size(0), -1)` is Shape -> Gather -> Unsqueeze -> Concat
// -> Reshape; interpolate sizes are Shape -> Slice -> Cast -> Mul -> Cast ->
// Concat) is constant. Nodes whose inputs are all constants, or that only
// read shapes (Shape, Size), are evaluated here on the host: integer
// tensors with int64 arithmetic (integer Div truncates, as onnxruntime),
// float tensors with float32 arithmetic. Results are limited to
// kMaxHostElements elements.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <cmath>

using namespace mlir;

namespace qc {
namespace onnx_import {

namespace {

constexpr int32_t kFloat = int32_t(OnnxDataType::Float);
constexpr int32_t kInt64 = int32_t(OnnxDataType::Int64);
constexpr int32_t kBool = int32_t(OnnxDataType::Bool);

/// Row-major strides of `shape`, with 0 for broadcast (size-1) dims when the
/// shape is padded to `rank`.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> shape, size_t rank) {
  Shape padded = padRank(shape, rank);
  SmallVector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
    strides[i] = padded[i] == 1 ? 0 : stride;
    stride *= padded[i];
  }
  return strides;
}

/// Calls fn(outIndex, srcIndices) for every element of `out`, with the
/// numpy-broadcast source index in each of `shapes`.
template <typename Fn>
void forEachBroadcast(ArrayRef<int64_t> out, ArrayRef<Shape> shapes, Fn fn) {
  size_t rank = out.size();
  SmallVector<SmallVector<int64_t>> strides;
  for (const Shape &s : shapes)
    strides.push_back(broadcastStrides(s, rank));
  int64_t total = product(out);
  SmallVector<int64_t> idx(rank, 0), src(shapes.size(), 0);
  for (int64_t lin = 0; lin < total; ++lin) {
    for (size_t k = 0; k < shapes.size(); ++k) {
      int64_t s = 0;
      for (size_t i = 0; i < rank; ++i)
        s += idx[i] * strides[k][i];
      src[k] = s;
    }
    fn(lin, ArrayRef<int64_t>(src));
    for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
      if (++idx[i] < out[i])
        break;
      idx[i] = 0;
    }
  }
}

/// Element `i` as double / int64 whatever the tensor's kind.
double asDouble(const OnnxTensor &t, int64_t i) {
  return t.isFloat() ? double(t.floatData[i]) : double(t.intData[i]);
}
int64_t asInt(const OnnxTensor &t, int64_t i) {
  if (!t.isFloat())
    return t.intData[i];
  float f = t.floatData[i];
  if (!(f > -9.2e18f && f < 9.2e18f))
    return 0; // NaN or out of range: undefined in ONNX
  return int64_t(f);
}

OnnxTensor makeTensor(int32_t dataType, ArrayRef<int64_t> dims) {
  OnnxTensor t;
  t.dataType = dataType;
  t.dims.assign(dims.begin(), dims.end());
  if (dataType == kFloat)
    t.floatData.resize(product(dims));
  else
    t.intData.resize(product(dims));
  return t;
}

/// Copies element `src` of `in` to element `dst` of `out` (same kind).
void copyElement(const OnnxTensor &in, int64_t src, OnnxTensor &out,
                 int64_t dst) {
  if (out.isFloat())
    out.floatData[dst] = in.floatData[src];
  else
    out.intData[dst] = in.intData[src];
}

/// Gathers elements of `in` by linear index into a tensor of `dims`.
OnnxTensor gatherLinear(const OnnxTensor &in, ArrayRef<int64_t> dims,
                        ArrayRef<int64_t> linear) {
  OnnxTensor out = makeTensor(in.dataType, dims);
  for (size_t i = 0; i < linear.size(); ++i)
    copyElement(in, linear[i], out, int64_t(i));
  return out;
}

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

bool sameKind(const OnnxTensor &a, const OnnxTensor &b) {
  return a.isFloat() == b.isFloat();
}

} // namespace

FailureOr<bool> Importer::tryFold(const OnnxNode &n) {
  const std::string &op = n.opType;

  // Shape-only ops read the (static) shape of runtime values too.
  if (op == "Shape" || op == "Size") {
    FailureOr<Shape> shape = shapeOf(input(n, 0));
    if (failed(shape))
      return failure();
    if (op == "Size") {
      OnnxTensor t = makeTensor(kInt64, {});
      t.intData[0] = product(*shape);
      return succeeded(defineConst(n, 0, std::move(t)));
    }
    int64_t rank = int64_t(shape->size());
    int64_t start = n.getInt("start", 0), end = n.getInt("end", rank);
    if (start < 0)
      start = std::max<int64_t>(start + rank, 0);
    if (end < 0)
      end = std::max<int64_t>(end + rank, 0);
    start = std::min(start, rank);
    end = std::max(std::min(end, rank), start);
    OnnxTensor t = makeTensor(kInt64, {end - start});
    for (int64_t i = start; i < end; ++i)
      t.intData[i - start] = (*shape)[i];
    return succeeded(defineConst(n, 0, std::move(t)));
  }

  static const llvm::StringSet<> foldable = {"Add",
                                             "Sub",
                                             "Mul",
                                             "Div",
                                             "Equal",
                                             "Less",
                                             "Greater",
                                             "LessOrEqual",
                                             "GreaterOrEqual",
                                             "And",
                                             "Or",
                                             "Not",
                                             "Where",
                                             "Max",
                                             "Min",
                                             "Neg",
                                             "Abs",
                                             "Floor",
                                             "Ceil",
                                             "Sqrt",
                                             "Reciprocal",
                                             "Cast",
                                             "Identity",
                                             "Reshape",
                                             "Flatten",
                                             "Squeeze",
                                             "Unsqueeze",
                                             "Transpose",
                                             "Concat",
                                             "Slice",
                                             "Gather",
                                             "Split",
                                             "Expand",
                                             "Tile",
                                             "ConstantOfShape",
                                             "Range",
                                             "ReduceProd",
                                             "ReduceSum",
                                             "ReduceMax",
                                             "ReduceMin",
                                             "ReduceMean"};
  if (!foldable.contains(op))
    return false;
  SmallVector<const OnnxTensor *> in;
  for (unsigned i = 0; i < n.inputs.size(); ++i) {
    if (!hasInput(n, i)) {
      in.push_back(nullptr);
      continue;
    }
    const OnnxTensor *t = lookupConst(input(n, i));
    if (!t || (!t->isFloat() && !t->isInt()))
      return false; // a runtime value: import the op normally
    in.push_back(t);
  }
  if (in.empty() || !in[0])
    return false;
  const OnnxTensor &x = *in[0];
  auto tooLarge = [&](ArrayRef<int64_t> dims) {
    int64_t count;
    return !checkedProduct(dims, kMaxHostElements, count);
  };
  auto result = [&](unsigned idx, OnnxTensor t) -> FailureOr<bool> {
    if (failed(defineConst(n, idx, std::move(t))))
      return failure();
    return true;
  };

  // Elementwise ops with numpy broadcasting.
  static const llvm::StringSet<> binary = {
      "Add",     "Sub",         "Mul",
      "Div",     "Equal",       "Less",
      "Greater", "LessOrEqual", "GreaterOrEqual",
      "And",     "Or",          "Max",
      "Min"};
  if (binary.contains(op) || op == "Where") {
    SmallVector<Shape> shapes;
    Shape outShape;
    for (const OnnxTensor *t : in) {
      if (!t)
        return false;
      Shape next;
      if (!broadcastShapes(outShape, t->dims, next))
        return fail("operand shapes " + shapeStr(outShape) + " and " +
                    shapeStr(t->dims) + " are not broadcastable");
      outShape = next;
      shapes.push_back(Shape(t->dims.begin(), t->dims.end()));
    }
    if (tooLarge(outShape))
      return false;
    bool isWhere = op == "Where";
    if ((isWhere && in.size() != 3) || (!isWhere && in.size() < 2))
      return false;
    if ((op == "Max" || op == "Min") && in.size() != 2)
      return false;
    const OnnxTensor &a = isWhere ? *in[1] : *in[0];
    const OnnxTensor &c = isWhere ? *in[2] : *in[1];
    if (!sameKind(a, c))
      return false;
    bool compare = op == "Equal" || op == "Less" || op == "Greater" ||
                   op == "LessOrEqual" || op == "GreaterOrEqual" ||
                   op == "And" || op == "Or";
    int32_t outType = compare ? kBool : a.isFloat() ? kFloat : a.dataType;
    OnnxTensor out = makeTensor(outType, outShape);
    bool fl = a.isFloat();
    bool divByZero = false;
    forEachBroadcast(outShape, shapes, [&](int64_t o, ArrayRef<int64_t> s) {
      if (isWhere) {
        bool cond = asInt(*in[0], s[0]) != 0;
        copyElement(cond ? a : c, cond ? s[1] : s[2], out, o);
        return;
      }
      if (compare) {
        double u = asDouble(a, s[0]), v = asDouble(c, s[1]);
        bool r = op == "Equal"            ? u == v
                 : op == "Less"           ? u < v
                 : op == "Greater"        ? u > v
                 : op == "LessOrEqual"    ? u <= v
                 : op == "GreaterOrEqual" ? u >= v
                 : op == "And"            ? (u != 0 && v != 0)
                                          : (u != 0 || v != 0);
        out.intData[o] = r;
        return;
      }
      if (fl) {
        float u = a.floatData[s[0]], v = c.floatData[s[1]];
        out.floatData[o] = op == "Add"   ? u + v
                           : op == "Sub" ? u - v
                           : op == "Mul" ? u * v
                           : op == "Div" ? u / v
                           : op == "Max" ? std::max(u, v)
                                         : std::min(u, v);
        return;
      }
      // Wrapping int64 arithmetic (shape values are small in practice).
      uint64_t u = uint64_t(a.intData[s[0]]), v = uint64_t(c.intData[s[1]]);
      int64_t iu = a.intData[s[0]], iv = c.intData[s[1]];
      int64_t r;
      if (op == "Add")
        r = int64_t(u + v);
      else if (op == "Sub")
        r = int64_t(u - v);
      else if (op == "Mul")
        r = int64_t(u * v);
      else if (op == "Div") {
        if (iv == 0 || (iu == INT64_MIN && iv == -1)) {
          divByZero = true;
          r = 0;
        } else {
          r = iu / iv;
        }
      } else if (op == "Max")
        r = std::max(iu, iv);
      else
        r = std::min(iu, iv);
      out.intData[o] = r;
    });
    if (divByZero)
      return fail("integer division by zero in a constant expression");
    return result(0, std::move(out));
  }

  // Elementwise unary ops.
  if (op == "Neg" || op == "Abs" || op == "Floor" || op == "Ceil" ||
      op == "Sqrt" || op == "Reciprocal" || op == "Not") {
    OnnxTensor out = x;
    if (op == "Not") {
      for (int64_t &v : out.intData)
        v = v == 0;
      out.dataType = kBool;
    } else if (out.isFloat()) {
      for (float &v : out.floatData)
        v = op == "Neg"     ? -v
            : op == "Abs"   ? std::fabs(v)
            : op == "Floor" ? std::floor(v)
            : op == "Ceil"  ? std::ceil(v)
            : op == "Sqrt"  ? std::sqrt(v)
                            : 1.0f / v;
    } else {
      if (op == "Sqrt" || op == "Reciprocal")
        return false;
      for (int64_t &v : out.intData)
        v = op == "Neg"   ? int64_t(0 - uint64_t(v))
            : op == "Abs" ? (v < 0 ? int64_t(0 - uint64_t(v)) : v)
                          : v;
    }
    return result(0, std::move(out));
  }

  if (op == "Cast") {
    int64_t to = n.getInt("to", 0);
    OnnxTensor out;
    out.dims = x.dims;
    switch (OnnxDataType(to)) {
    case OnnxDataType::Float:
    case OnnxDataType::Double:
    case OnnxDataType::Float16:
    case OnnxDataType::BFloat16:
      // Wider or narrower floats are kept as float32.
      out.dataType = kFloat;
      for (int64_t i = 0, e = x.numElements(); i < e; ++i)
        out.floatData.push_back(float(asDouble(x, i)));
      break;
    case OnnxDataType::Bool:
      out.dataType = kBool;
      for (int64_t i = 0, e = x.numElements(); i < e; ++i)
        out.intData.push_back(asDouble(x, i) != 0.0);
      break;
    case OnnxDataType::Int64:
    case OnnxDataType::Int32:
    case OnnxDataType::Int16:
    case OnnxDataType::Int8:
    case OnnxDataType::UInt8:
    case OnnxDataType::UInt16:
      out.dataType = int32_t(to);
      for (int64_t i = 0, e = x.numElements(); i < e; ++i)
        out.intData.push_back(asInt(x, i));
      break;
    default:
      return fail("Cast to " + onnxDataTypeName(int32_t(to)) +
                  " is not supported");
    }
    return result(0, std::move(out));
  }

  if (op == "Identity")
    return result(0, x);

  // Reshape-like ops only change dims.
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
      op == "Unsqueeze") {
    Shape outShape;
    LogicalResult ok = op == "Reshape"   ? reshapeTarget(n, x.dims, outShape)
                       : op == "Flatten" ? flattenShape(n, x.dims, outShape)
                       : op == "Squeeze" ? squeezeShape(n, x.dims, outShape)
                                         : unsqueezeShape(n, x.dims, outShape);
    if (failed(ok))
      return failure();
    OnnxTensor out = x;
    out.dims.assign(outShape.begin(), outShape.end());
    return result(0, std::move(out));
  }

  if (op == "Transpose") {
    size_t rank = x.dims.size();
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
    OnnxTensor out = x;
    out.dims.assign(perm.size(), 0);
    for (size_t i = 0; i < perm.size(); ++i)
      out.dims[i] = x.dims[perm[i]];
    if (x.isFloat()) {
      SmallVector<float> t = transposeData<float>(x.floatData, x.dims, perm);
      out.floatData.assign(t.begin(), t.end());
    } else {
      SmallVector<int64_t> t = transposeData<int64_t>(x.intData, x.dims, perm);
      out.intData.assign(t.begin(), t.end());
    }
    return result(0, std::move(out));
  }

  if (op == "Concat") {
    int64_t rank = int64_t(x.dims.size());
    int64_t axis = n.getInt("axis", 0);
    if (rank == 0 || failed(normalizeAxis(axis, rank, "axis")))
      return failure();
    Shape outShape(x.dims.begin(), x.dims.end());
    outShape[axis] = 0;
    for (const OnnxTensor *t : in) {
      if (!t || !sameKind(*t, x) || int64_t(t->dims.size()) != rank)
        return false;
      for (int64_t i = 0; i < rank; ++i)
        if (i != axis && t->dims[i] != x.dims[i])
          return fail("operand shapes " + shapeStr(x.dims) + " and " +
                      shapeStr(t->dims) + " do not concatenate on axis " +
                      Twine(axis));
      outShape[axis] += t->dims[axis];
    }
    if (tooLarge(outShape))
      return false;
    OnnxTensor out = makeTensor(x.isFloat() ? kFloat : kInt64, outShape);
    int64_t outer = product(ArrayRef<int64_t>(outShape).take_front(axis));
    int64_t inner = product(ArrayRef<int64_t>(outShape).drop_front(axis + 1));
    int64_t o = 0;
    for (int64_t i = 0; i < outer; ++i)
      for (const OnnxTensor *t : in) {
        int64_t chunk = t->dims[axis] * inner;
        for (int64_t j = 0; j < chunk; ++j)
          copyElement(*t, i * chunk + j, out, o++);
      }
    return result(0, std::move(out));
  }

  if (op == "Slice") {
    SliceSpec spec;
    if (failed(sliceSpec(n, x.dims, spec)))
      return failure();
    if (tooLarge(spec.count))
      return false;
    SmallVector<int64_t> strides = rowMajorStrides(x.dims);
    size_t rank = x.dims.size();
    SmallVector<int64_t> linear;
    SmallVector<int64_t> idx(rank, 0);
    int64_t total = product(spec.count);
    for (int64_t lin = 0; lin < total; ++lin) {
      int64_t src = 0;
      for (size_t i = 0; i < rank; ++i)
        src += (spec.start[i] + idx[i] * spec.step[i]) * strides[i];
      linear.push_back(src);
      for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
        if (++idx[i] < spec.count[i])
          break;
        idx[i] = 0;
      }
    }
    return result(0, gatherLinear(x, spec.count, linear));
  }

  if (op == "Gather") {
    if (in.size() < 2 || !in[1] || in[1]->isFloat())
      return false;
    const OnnxTensor &idx = *in[1];
    int64_t rank = int64_t(x.dims.size());
    int64_t axis = n.getInt("axis", 0);
    if (rank == 0 || failed(normalizeAxis(axis, rank, "axis")))
      return failure();
    int64_t dim = x.dims[axis];
    ArrayRef<int64_t> s(x.dims);
    Shape outShape(s.take_front(axis));
    outShape.append(idx.dims.begin(), idx.dims.end());
    outShape.append(s.begin() + axis + 1, s.end());
    if (tooLarge(outShape))
      return false;
    int64_t outer = product(s.take_front(axis));
    int64_t inner = product(s.drop_front(axis + 1));
    SmallVector<int64_t> linear;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i : idx.intData) {
        if (i < -dim || i >= dim)
          return fail("index " + Twine(i) + " is out of range for dimension " +
                      Twine(dim));
        int64_t k = i < 0 ? i + dim : i;
        for (int64_t j = 0; j < inner; ++j)
          linear.push_back((o * dim + k) * inner + j);
      }
    return result(0, gatherLinear(x, outShape, linear));
  }

  if (op == "Split") {
    int64_t axis;
    SmallVector<int64_t> sizes;
    if (failed(splitSizes(n, x.dims, axis, sizes)))
      return failure();
    int64_t offset = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      Shape dims(x.dims.begin(), x.dims.end());
      dims[axis] = sizes[k];
      SmallVector<int64_t> linear;
      int64_t outer = product(ArrayRef<int64_t>(x.dims).take_front(axis));
      int64_t inner = product(ArrayRef<int64_t>(x.dims).drop_front(axis + 1));
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < sizes[k]; ++i)
          for (int64_t j = 0; j < inner; ++j)
            linear.push_back((o * x.dims[axis] + offset + i) * inner + j);
      offset += sizes[k];
      if (failed(defineConst(n, unsigned(k), gatherLinear(x, dims, linear))))
        return failure();
    }
    return true;
  }

  if (op == "Expand" || op == "Tile") {
    if (in.size() < 2 || !in[1] || in[1]->isFloat() || in[1]->dims.size() != 1)
      return false;
    ArrayRef<int64_t> arg(in[1]->intData);
    Shape outShape;
    if (op == "Expand") {
      if (arg.size() > 64 || !broadcastShapes(x.dims, arg, outShape))
        return fail("cannot expand " + shapeStr(x.dims) + " to " +
                    shapeStr(arg));
    } else {
      if (arg.size() != x.dims.size())
        return fail("repeats must have " + Twine(x.dims.size()) + " values");
      for (size_t i = 0; i < arg.size(); ++i) {
        if (arg[i] < 0 || arg[i] > kMaxHostElements)
          return fail("invalid repeats " + shapeStr(arg));
        outShape.push_back(x.dims[i] * arg[i]);
      }
    }
    if (tooLarge(outShape))
      return false;
    size_t rank = outShape.size();
    Shape padded = padRank(x.dims, rank);
    SmallVector<int64_t> strides = rowMajorStrides(padded);
    SmallVector<int64_t> linear;
    SmallVector<int64_t> idx(rank, 0);
    int64_t total = product(outShape);
    for (int64_t lin = 0; lin < total; ++lin) {
      int64_t src = 0;
      for (size_t i = 0; i < rank; ++i)
        src += (padded[i] == 0 ? 0 : idx[i] % padded[i]) * strides[i];
      linear.push_back(src);
      for (int64_t i = int64_t(rank) - 1; i >= 0; --i) {
        if (++idx[i] < outShape[i])
          break;
        idx[i] = 0;
      }
    }
    return result(0, gatherLinear(x, outShape, linear));
  }

  if (op == "ConstantOfShape") {
    if (x.isFloat() || x.dims.size() > 1)
      return fail("the shape input must be a 1-D integer tensor");
    for (int64_t d : x.intData)
      if (d < 0)
        return fail("invalid shape " + shapeStr(x.intData));
    if (tooLarge(x.intData))
      return false;
    OnnxTensor value = makeTensor(kFloat, {});
    if (const OnnxAttribute *a = n.getAttr("value")) {
      if (a->kind != OnnxAttribute::Kind::Tensor || a->t.numElements() != 1 ||
          (!a->t.isFloat() && !a->t.isInt()))
        return fail("value must be a one-element tensor");
      value = a->t;
    }
    OnnxTensor out =
        makeTensor(value.isFloat() ? kFloat : value.dataType, x.intData);
    if (out.isFloat())
      std::fill(out.floatData.begin(), out.floatData.end(), value.floatData[0]);
    else
      std::fill(out.intData.begin(), out.intData.end(), value.intData[0]);
    return result(0, std::move(out));
  }

  if (op == "Range") {
    if (in.size() != 3 || !in[1] || !in[2])
      return false;
    for (const OnnxTensor *t : in)
      if (t->numElements() != 1 || !sameKind(*t, x))
        return fail("start, limit and delta must be scalars of one type");
    double start = asDouble(x, 0), limit = asDouble(*in[1], 0),
           delta = asDouble(*in[2], 0);
    if (delta == 0.0)
      return fail("delta must not be 0");
    double count = std::max(std::ceil((limit - start) / delta), 0.0);
    if (!(count <= double(kMaxHostElements)))
      return false;
    OnnxTensor out =
        makeTensor(x.isFloat() ? kFloat : x.dataType, {int64_t(count)});
    for (int64_t i = 0; i < int64_t(count); ++i) {
      if (out.isFloat())
        out.floatData[i] = float(start + double(i) * delta);
      else
        out.intData[i] = x.intData[0] + i * in[2]->intData[0];
    }
    return result(0, std::move(out));
  }

  if (op == "ReduceProd" || op == "ReduceSum" || op == "ReduceMax" ||
      op == "ReduceMin" || op == "ReduceMean") {
    SmallVector<int64_t> axes;
    bool present;
    if (failed(getIntsInputOrAttr(
            n, 1, "axes", op == "ReduceSum" ? 13 : INT64_MAX, axes, present)))
      return failure();
    int64_t rank = int64_t(x.dims.size());
    if (axes.empty()) {
      if (n.getInt("noop_with_empty_axes", 0) != 0)
        return result(0, x);
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    }
    SmallVector<bool> reduced(rank, false);
    for (int64_t a : axes) {
      if (failed(normalizeAxis(a, rank, "axis")))
        return failure();
      reduced[a] = true;
    }
    bool keep = n.getInt("keepdims", 1) != 0;
    Shape keptShape(x.dims.begin(), x.dims.end()), outShape;
    int64_t count = 1;
    for (int64_t i = 0; i < rank; ++i) {
      if (reduced[i]) {
        count *= keptShape[i];
        keptShape[i] = 1;
        if (keep)
          outShape.push_back(1);
      } else {
        outShape.push_back(keptShape[i]);
      }
    }
    if (count == 0)
      return false;
    bool fl = x.isFloat();
    OnnxTensor out = makeTensor(fl ? kFloat : x.dataType, outShape);
    SmallVector<bool> seen(product(outShape), false);
    SmallVector<int64_t> outStrides = broadcastStrides(keptShape, rank);
    SmallVector<int64_t> idx(rank, 0);
    for (int64_t lin = 0, e = x.numElements(); lin < e; ++lin) {
      int64_t o = 0;
      for (int64_t i = 0; i < rank; ++i)
        o += idx[i] * outStrides[i];
      if (fl) {
        float v = x.floatData[lin], &acc = out.floatData[o];
        acc = !seen[o]             ? v
              : op == "ReduceProd" ? acc * v
              : op == "ReduceMax"  ? std::max(acc, v)
              : op == "ReduceMin"  ? std::min(acc, v)
                                   : acc + v;
      } else {
        int64_t v = x.intData[lin], &acc = out.intData[o];
        acc = !seen[o]             ? v
              : op == "ReduceProd" ? int64_t(uint64_t(acc) * uint64_t(v))
              : op == "ReduceMax"  ? std::max(acc, v)
              : op == "ReduceMin"  ? std::min(acc, v)
                                   : int64_t(uint64_t(acc) + uint64_t(v));
      }
      seen[o] = true;
      for (int64_t i = rank - 1; i >= 0; --i) {
        if (++idx[i] < x.dims[i])
          break;
        idx[i] = 0;
      }
    }
    if (op == "ReduceMean") {
      if (fl)
        for (float &v : out.floatData)
          v /= float(count);
      else
        for (int64_t &v : out.intData)
          v /= count;
    }
    return result(0, std::move(out));
  }
  return false;
}

} // namespace onnx_import
} // namespace qc
