//===- QDQ.cpp - quantize/dequantize form ---------------------------------===//
//
// qc-compute-quant-params (observers ⇒ qcast/dcast pairs) and
// qc-quantize-constants (float weights ⇒ per-channel i8 constants).
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "GroupedConv.h"

#include "qc/Dialect/QC/Utils/QuantMath.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

namespace qc {
#define GEN_PASS_DEF_QCCOMPUTEQUANTPARAMS
#define GEN_PASS_DEF_QCQUANTIZECONSTANTS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

struct QCComputeQuantParamsPass
    : qc::impl::QCComputeQuantParamsBase<QCComputeQuantParamsPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Type i8 = IntegerType::get(ctx, 8), f32 = Float32Type::get(ctx);
    WalkResult result = getOperation().walk([&](qc::ObserveOp obs) {
      qc::StatsAttr stats = obs.getStatsAttr();
      if (!stats) {
        obs.emitError() << "observer '" << obs.getName()
                        << "' has no statistics; run calibration first";
        return WalkResult::interrupt();
      }
      qc::AffineParams p = qc::chooseActivationParams(
          stats.getMin().convertToDouble(), stats.getMax().convertToDouble());
      auto qtype = quant::UniformQuantizedType::get(
          quant::QuantizationFlags::Signed, i8, f32, p.scale, p.zeroPoint,
          -128, 127);
      auto tensorType = cast<RankedTensorType>(obs.getType());
      OpBuilder b(obs);
      auto q = quant::QuantizeCastOp::create(
          b, obs.getLoc(), tensorType.clone(qtype), obs.getInput());
      q->setAttr("qc.layer", obs.getNameAttr());
      if (llvm::is_contained(keepFloat, obs.getName().str()))
        q->setAttr("qc.keep_float", b.getUnitAttr());
      Value dq = quant::DequantizeCastOp::create(b, obs.getLoc(), tensorType, q);
      obs.replaceAllUsesWith(dq);
      obs.erase();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

/// Replaces the constant float weight `use` by dcast(scast(i8 constant)) with
/// one symmetric scale per index of dimension `axis`.
LogicalResult quantizeWeight(OpOperand &use, int32_t axis) {
  DenseElementsAttr attr;
  if (!matchPattern(use.get(), m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return failure();
  auto type = cast<RankedTensorType>(attr.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t channels = shape[axis];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= shape[d];
  auto channelOf = [&](int64_t i) { return (i / inner) % channels; };

  SmallVector<float> w = llvm::to_vector(attr.getValues<float>());
  // q = round(w / scale) per channel, within [-127, 127] (qc's own scales).
  // With `exact`, fails unless every weight is k * scale as DequantizeLinear
  // computes it, k in [-128, 127]: a model's own int8 weights are kept as
  // they are, -128 included (PyTorch's per-channel qint8 weights hold it
  // wherever a channel's extreme is negative; the kernels that need [-127,
  // 127] correct it or give way: qc-select-kernels).
  SmallVector<int8_t> q(w.size());
  bool holds128 = false;
  auto quantize = [&](ArrayRef<double> scales, bool exact) {
    holds128 = false;
    for (int64_t i = 0, e = w.size(); i < e; ++i) {
      double s = scales[channelOf(i)];
      double k = qc::roundHalfEven(double(w[i]) / s);
      if (exact && !(k >= -128.0 && k <= 127.0 && float(k) * float(s) == w[i]))
        return false;
      q[i] = static_cast<int8_t>(std::clamp(k, exact ? -128.0 : -127.0, 127.0));
      holds128 |= q[i] == -128;
    }
    return true;
  };
  // The model's own scales (an imported QDQ model) are kept when they
  // reproduce every weight exactly; otherwise scale = max|w|/127 per channel.
  SmallVector<double> scales;
  auto given = use.get().getDefiningOp()->getAttrOfType<DenseF64ArrayAttr>(
      "qc.weight_scales");
  if (given && int64_t(given.size()) == channels &&
      quantize(given.asArrayRef(), /*exact=*/true)) {
    scales.assign(given.asArrayRef().begin(), given.asArrayRef().end());
  } else {
    SmallVector<double> maxAbs(channels, 0.0);
    for (int64_t i = 0, e = w.size(); i < e; ++i)
      maxAbs[channelOf(i)] = std::max<double>(maxAbs[channelOf(i)], std::fabs(w[i]));
    for (int64_t c = 0; c < channels; ++c)
      scales.push_back(qc::chooseWeightScale(maxAbs[c]));
    quantize(scales, /*exact=*/false);
  }

  MLIRContext *ctx = type.getContext();
  Type i8 = IntegerType::get(ctx, 8);
  auto qtype = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, Float32Type::get(ctx), scales,
      SmallVector<int64_t>(channels, 0), axis, holds128 ? -128 : -127, 127);
  OpBuilder b(use.getOwner());
  Location loc = use.get().getLoc();
  auto storageType = type.clone(i8);
  Value raw = arith::ConstantOp::create(
      b, loc, storageType,
      DenseElementsAttr::get(storageType, ArrayRef<int8_t>(q)));
  Value typed = quant::StorageCastOp::create(b, loc, type.clone(qtype), raw);
  Value dq = quant::DequantizeCastOp::create(b, loc, type, typed);
  use.set(dq);
  return success();
}

/// True if `v` reaches a quantize through the ops an integer op fuses: a
/// clamp; for matmuls a reshape and a constant bias add; for a group of a
/// grouped convolution the concat of the groups.
bool resultIsQuantized(Value v) {
  for (int steps = 0; steps < 4; ++steps) {
    if (!v.hasOneUse())
      return false;
    Operation *user = *v.getUsers().begin();
    if (isa<quant::QuantizeCastOp>(user))
      return !user->hasAttr("qc.keep_float");
    if (isa<tosa::ConcatOp>(user) && qc::enclosingGroupedConv(v)) {
      v = user->getResult(0);
      continue;
    }
    if (!isa<tosa::ClampOp, tosa::ReshapeOp, tosa::AddOp>(user))
      return false;
    v = user->getResult(0);
  }
  return false;
}

struct QCQuantizeConstantsPass
    : qc::impl::QCQuantizeConstantsBase<QCQuantizeConstantsPass> {
  void runOnOperation() override {
    getOperation().walk([&](Operation *op) {
      if (op->getNumResults() != 1 || !resultIsQuantized(op->getResult(0)))
        return;
      if (auto conv = dyn_cast<tosa::Conv2DOp>(op))
        (void)quantizeWeight(conv.getWeightMutable(), /*axis=*/0);
      else if (auto dw = dyn_cast<tosa::DepthwiseConv2DOp>(op))
        (void)quantizeWeight(dw.getWeightMutable(), /*axis=*/2);
      else if (auto mm = dyn_cast<tosa::MatMulOp>(op))
        (void)quantizeWeight(mm.getBMutable(), /*axis=*/2);
    });
  }
};

} // namespace
