//===- ImportQuant.cpp - QuantizeLinear / DequantizeLinear ----------------===//
//
// Already-quantized (QDQ) models enter at qc's own QDQ form:
//
//  * QuantizeLinear of a runtime tensor becomes quant.qcast followed by
//    quant.dcast (per-tensor parameters); the only node that may read its
//    int8 output is a DequantizeLinear with the same parameters, which then
//    stands for the dcast. uint8 tensors become int8 ones with the zero point
//    moved down by 128: sat[0,255](round(x/s) + z) - 128 equals
//    sat[-128,127](round(x/s) + z - 128) and dequantizes to the same value.
//  * QuantizeLinear / DequantizeLinear of constants (weights and biases,
//    per-tensor or per-axis) are evaluated at import time. The scales of a
//    dequantized weight are remembered, and the weight constants built for
//    Conv, ConvTranspose, Gemm and MatMul carry them (qc.weight_scales) in the
//    layout of the TOSA op, so that qc-quantize-constants gives back exactly
//    the model's int8 weights instead of choosing its own scales.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <cmath>

using namespace mlir;

namespace qc {
namespace onnx_import {

namespace {

bool isQuantStorage(int32_t dataType) {
  return dataType == int32_t(OnnxDataType::Int8) ||
         dataType == int32_t(OnnxDataType::UInt8);
}

/// Index into per-axis parameters of element `i` of a row-major tensor.
struct ChannelOf {
  ChannelOf(const std::vector<int64_t> &dims, int64_t axis) {
    if (axis < 0)
      return;
    channels = dims[axis];
    for (size_t d = axis + 1; d < dims.size(); ++d)
      inner *= dims[d];
  }
  size_t operator()(size_t i) const { return (i / inner) % channels; }
  size_t inner = 1, channels = 1;
};

/// ONNX round(): half to even.
double roundEven(double x) { return std::nearbyint(x); }

} // namespace

LogicalResult Importer::readQuantParams(const OnnxNode &n,
                                        ArrayRef<int64_t> xShape,
                                        bool dequantize, QuantParams &p) {
  int64_t rank = xShape.size();
  const OnnxTensor *scale = getFloatConst(n, 1, "scale");
  if (!scale)
    return failure();
  const OnnxTensor *zp = nullptr;
  if (hasInput(n, 2)) {
    zp = lookupConst(input(n, 2));
    if (!zp)
      return fail("zero point '" + input(n, 2) + "' must be a constant");
    if (!isQuantStorage(zp->dataType) &&
        !(dequantize && zp->dataType == int32_t(OnnxDataType::Int32)))
      return fail("zero point '" + input(n, 2) + "' has element type " +
                  onnxDataTypeName(zp->dataType) +
                  "; int8 and uint8 are supported");
    if (zp->dims != scale->dims)
      return fail("zero point shape " + shapeStr(zp->dims) +
                  " does not match scale shape " + shapeStr(scale->dims));
  }
  p.storageType = zp ? zp->dataType : int32_t(OnnxDataType::UInt8);
  p.axis = -1;
  if (scale->dims.size() > 1)
    return fail("scale must be a scalar or 1-D, has shape " +
                shapeStr(scale->dims));
  if (scale->dims.size() == 1) {
    int64_t axis = n.getInt("axis", 1);
    if (opset() < 13 && scale->numElements() != 1)
      return fail("per-axis scales need opset 13");
    if (failed(normalizeAxis(axis, rank, "axis")))
      return failure();
    if (scale->numElements() != xShape[axis])
      return fail("scale has " + Twine(scale->numElements()) +
                  " elements; axis " + Twine(axis) + " of the input has " +
                  Twine(xShape[axis]));
    p.axis = axis;
  }
  p.scales.assign(scale->floatData.begin(), scale->floatData.end());
  p.zeroPoints.assign(p.scales.size(), 0);
  if (zp)
    p.zeroPoints.assign(zp->intData.begin(), zp->intData.end());
  for (float s : p.scales)
    if (!(s > 0.0f) || !std::isfinite(s))
      return fail("scale " + std::to_string(s) + " must be positive and finite");
  return success();
}

LogicalResult Importer::importQuantizeLinear(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  FailureOr<Shape> xShape = shapeOf(input(n, 0));
  QuantParams p;
  if (failed(xShape) || failed(readQuantParams(n, *xShape, false, p)))
    return failure();
  bool isUnsigned = p.storageType == int32_t(OnnxDataType::UInt8);
  int64_t qmin = isUnsigned ? 0 : -128, qmax = isUnsigned ? 255 : 127;
  for (int64_t z : p.zeroPoints)
    if (z < qmin || z > qmax)
      return fail("zero point " + Twine(z) + " is out of range");

  if (const OnnxTensor *x = lookupConst(input(n, 0))) {
    // A constant (a float weight quantized in the graph): evaluate.
    if (!x->isFloat())
      return fail("input has element type " + onnxDataTypeName(x->dataType) +
                  "; only float32 is supported");
    ChannelOf channelOf(x->dims, p.axis);
    OnnxTensor out;
    out.dims = x->dims;
    out.dataType = p.storageType;
    out.intData.resize(x->floatData.size());
    for (size_t i = 0; i < x->floatData.size(); ++i) {
      size_t c = channelOf(i);
      double q = roundEven(double(x->floatData[i]) / double(p.scales[c])) +
                 double(p.zeroPoints[c]);
      if (std::isnan(q))
        return fail("input '" + input(n, 0) + "' holds NaN");
      out.intData[i] = int64_t(std::clamp(q, double(qmin), double(qmax)));
    }
    return defineConst(n, 0, std::move(out));
  }

  if (p.axis >= 0 && p.scales.size() != 1)
    return fail("per-axis quantization of a runtime tensor is not supported; "
                "activations need one scale");
  ImportedValue *x = getValue(input(n, 0));
  if (!x)
    return failure();
  int64_t zp = p.zeroPoints[0] - (isUnsigned ? 128 : 0);
  Type i8 = b.getIntegerType(8), f32Type = b.getF32Type();
  auto qtype = quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, i8, f32Type, double(p.scales[0]), zp,
      -128, 127);
  bool nhwc = useNhwc(*x);
  Value in = layoutOf(*x, nhwc);
  auto inType = cast<RankedTensorType>(in.getType());
  auto q = quant::QuantizeCastOp::create(b, curLoc, inType.clone(qtype), in);
  q->setAttr("qc.layer", b.getStringAttr(input(n, 0)));
  Value dq = quant::DequantizeCastOp::create(b, curLoc, inType, q);

  const std::string &name = n.outputs[0];
  if (failed(checkRuntimeShape(*xShape, "result '" + name + "'")) ||
      failed(checkShape(name, *xShape, /*quantized=*/true)))
    return failure();
  storage.push_back(makeValue(*xShape, dq, nhwc));
  values[name] = &storage.back();
  p.scales.resize(1);
  p.zeroPoints.resize(1);
  quantizedValues[name] = std::move(p);
  return success();
}

LogicalResult Importer::importDequantizeLinear(const OnnxNode &n) {
  if (failed(checkExtraOutputs(n, 1)))
    return failure();
  StringRef xName = input(n, 0);
  FailureOr<Shape> xShape = shapeOf(xName);
  QuantParams p;
  if (failed(xShape) || failed(readQuantParams(n, *xShape, true, p)))
    return failure();

  if (const OnnxTensor *x = lookupConst(xName)) {
    // A quantized constant (weight or int32 bias): evaluate as ONNX does,
    // float32((x - zp) * scale), and remember the scales.
    if (!isQuantStorage(x->dataType) &&
        x->dataType != int32_t(OnnxDataType::Int32))
      return fail("input '" + xName + "' has element type " +
                  onnxDataTypeName(x->dataType) +
                  "; int8, uint8 and int32 are supported");
    if (hasInput(n, 2) && x->dataType != p.storageType)
      return fail("zero point type " + onnxDataTypeName(p.storageType) +
                  " does not match the input type " +
                  onnxDataTypeName(x->dataType));
    if (x->dataType == int32_t(OnnxDataType::Int32))
      for (int64_t z : p.zeroPoints)
        if (z != 0)
          return fail("an int32 input needs zero point 0");
    ChannelOf channelOf(x->dims, p.axis);
    OnnxTensor out;
    out.dims = x->dims;
    out.dataType = int32_t(OnnxDataType::Float);
    out.floatData.resize(x->intData.size());
    for (size_t i = 0; i < x->intData.size(); ++i) {
      size_t c = channelOf(i);
      out.floatData[i] =
          float(x->intData[i] - p.zeroPoints[c]) * p.scales[c];
    }
    WeightQuant wq;
    wq.axis = p.axis;
    wq.scales = std::move(p.scales);
    if (failed(defineConst(n, 0, std::move(out))))
      return failure();
    if (!n.outputs[0].empty())
      weightQuant[n.outputs[0]] = std::move(wq);
    return success();
  }

  auto it = quantizedValues.find(xName);
  if (it == quantizedValues.end())
    return fail("input '" + xName +
                "' must be a constant or the output of a QuantizeLinear "
                "(integer graph inputs are not supported)");
  const QuantParams &q = it->second;
  if (p.axis >= 0 && p.scales.size() != 1)
    return fail("per-axis dequantization of a runtime tensor is not "
                "supported");
  if (p.scales[0] != q.scales[0] || p.zeroPoints[0] != q.zeroPoints[0] ||
      p.storageType != q.storageType)
    return fail("scale and zero point differ from those of the "
                "QuantizeLinear that produced '" + xName +
                "'; a requantizing pair is not supported");
  return alias(n, 0, getValue(xName));
}

std::optional<SmallVector<double>>
Importer::weightScales(StringRef name, int64_t axis, int64_t begin,
                       int64_t count) const {
  auto it = weightQuant.find(name);
  if (it == weightQuant.end())
    return std::nullopt;
  const WeightQuant &wq = it->second;
  SmallVector<double> out;
  if (wq.scales.size() == 1) {
    out.assign(count, double(wq.scales[0]));
    return out;
  }
  if (wq.axis != axis || begin + count > int64_t(wq.scales.size()))
    return std::nullopt;
  for (int64_t i = 0; i < count; ++i)
    out.push_back(double(wq.scales[begin + i]));
  return out;
}

Value Importer::weightConst(ArrayRef<int64_t> shape, ArrayRef<float> data,
                            const std::optional<SmallVector<double>> &scales) {
  Value v = constF32(shape, data);
  if (scales)
    v.getDefiningOp()->setAttr(kWeightScalesAttr,
                               b.getDenseF64ArrayAttr(*scales));
  return v;
}

} // namespace onnx_import
} // namespace qc
