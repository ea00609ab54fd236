//===- FuseEpilogue.cpp - residual adds and clamps into epilogues ---------===//

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Dialect/QC/Utils/QuantMath.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace qc {
#define GEN_PASS_DEF_QCFUSEEPILOGUE
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

quant::UniformQuantizedType quantOf(Value v) {
  return cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(v.getType()).getElementType());
}

/// add(conv(x, w, b), r) = conv(x, w, b) + r: both terms are rescaled to the
/// add's output scale inside one rounding shift.
struct FuseResidualAdd : OpRewritePattern<qc::AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(qc::AddOp add,
                                PatternRewriter &rewriter) const override {
    for (auto [convValue, residual] : {std::pair(add.getLhs(), add.getRhs()),
                                       std::pair(add.getRhs(), add.getLhs())}) {
      auto conv = convValue.getDefiningOp<qc::Conv2DOp>();
      if (!conv || !conv->hasOneUse() || conv.getResidual() ||
          static_cast<int64_t>(conv.getClampMin()) != -128 || static_cast<int64_t>(conv.getClampMax()) != 127 ||
          !representable(conv, residual, add))
        continue;
      auto fused = qc::Conv2DOp::create(
          rewriter, conv.getLoc(), add.getType(), conv.getInput(),
          conv.getWeight(), conv.getBias(), residual, conv.getStrideAttr(),
          conv.getDilationAttr(), conv.getPadAttr(), conv.getGroupsAttr(),
          add.getClampMinAttr(), add.getClampMaxAttr(), conv.getKernelAttr());
      if (auto layer = add->getAttr("qc.layer"))
        fused->setAttr("qc.layer", layer);
      rewriter.replaceOp(add, fused.getResult());
      rewriter.eraseOp(conv);
      return success();
    }
    return failure();
  }

  /// Every channel's residual multiplier, aligned to that channel's shift,
  /// must fit 53 bits so the epilogue's 64-bit sum cannot overflow.
  static bool representable(qc::Conv2DOp conv, Value residual, qc::AddOp add) {
    double sx = quantOf(conv.getInput()).getScale();
    double so = quantOf(add.getOutput()).getScale();
    double sr = quantOf(residual).getScale();
    Type we = cast<RankedTensorType>(conv.getWeight().getType()).getElementType();
    SmallVector<double> ws;
    if (auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(we))
      ws.assign(axis.getScales().begin(), axis.getScales().end());
    else
      ws.push_back(cast<quant::UniformQuantizedType>(we).getScale());
    for (double w : ws) {
      qc::FixedPointMultiplier fp = qc::quantizeMultiplier(sx * w / so);
      if (fp.multiplier == 0 ||
          std::fabs(std::ldexp(sr / so, fp.shift)) >= std::ldexp(1.0, 53))
        return false;
    }
    return true;
  }
};

/// lut(op(...)) where the table is clamp(q, lo, hi) and keeps the
/// quantization (a ReLU6 exported as its own Q/DQ pair after the conv, as
/// PyTorch writes it) is op(...) with its clamp narrowed to [lo, hi]: one
/// pass over memory instead of two, same bits.
struct FoldClampTable : OpRewritePattern<qc::LookupTableOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(qc::LookupTableOp lut,
                                PatternRewriter &rewriter) const override {
    if (lut.getInput().getType() != lut.getType())
      return failure();
    Operation *producer = lut.getInput().getDefiningOp();
    if (!producer || !producer->hasOneUse() ||
        !isa<qc::Conv2DOp, qc::FullyConnectedOp, qc::AddOp>(producer))
      return failure();
    ArrayRef<int8_t> table = lut.getTable();
    // The table must be clamp(q, lo, hi): lo = table[-128], hi = table[127].
    int64_t lo = table.front(), hi = table.back();
    if (lo > hi)
      return failure();
    for (int q = -128; q <= 127; ++q)
      if (table[q + 128] != std::clamp<int64_t>(q, lo, hi))
        return failure();
    auto oldMin = producer->getAttrOfType<IntegerAttr>("clamp_min");
    auto oldMax = producer->getAttrOfType<IntegerAttr>("clamp_max");
    int64_t newMin = std::max<int64_t>(lo, oldMin ? oldMin.getInt() : -128);
    int64_t newMax = std::min<int64_t>(hi, oldMax ? oldMax.getInt() : 127);
    if (newMin > newMax)
      return failure();
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setAttr("clamp_min", rewriter.getI64IntegerAttr(newMin));
      producer->setAttr("clamp_max", rewriter.getI64IntegerAttr(newMax));
      if (auto layer = lut->getAttr("qc.layer"))
        producer->setAttr("qc.layer", layer);
    });
    rewriter.replaceOp(lut, producer->getResult(0));
    return success();
  }
};

struct QCFuseEpiloguePass
    : qc::impl::QCFuseEpilogueBase<QCFuseEpiloguePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateFuseEpiloguePatterns(patterns);
    // No folding: upstream folds dcast(qcast x) to x, which would drop the
    // quantization points of tensors computed in float.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      signalPassFailure();
  }
};

} // namespace

void qc::populateFuseEpiloguePatterns(RewritePatternSet &patterns) {
  patterns.add<FuseResidualAdd, FoldClampTable>(patterns.getContext());
}
