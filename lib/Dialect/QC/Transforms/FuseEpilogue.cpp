//===- FuseEpilogue.cpp - residual adds into conv epilogues ---------------===//

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
  patterns.add<FuseResidualAdd>(patterns.getContext());
}
