//===- FoldBatchNorm.cpp - fold per-channel affines into convs ------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qc {
#define GEN_PASS_DEF_QCFOLDBATCHNORM
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

/// The per-output-channel values of a constant broadcast along the last
/// dimension (shape [1,...,1,O] or [O]), or failure.
FailureOr<SmallVector<float>> perChannelConstant(Value v, int64_t channels) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return failure();
  auto type = cast<ShapedType>(attr.getType());
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.empty() || shape.back() != channels ||
      type.getNumElements() != channels)
    return failure();
  return llvm::to_vector(attr.getValues<float>());
}

/// Builds a tosa.const of `type` holding `values`.
Value makeConst(PatternRewriter &rewriter, Location loc, RankedTensorType type,
                ArrayRef<float> values) {
  auto attr = DenseElementsAttr::get(type, values);
  return tosa::ConstOp::create(rewriter, loc, type, attr);
}

/// conv(x, W, b) · a + c = conv(x, W·a, b·a + c) for per-output-channel
/// constants a and c; either step may be absent.
template <typename ConvOp>
struct FoldAffineIntoConv : OpRewritePattern<ConvOp> {
  using OpRewritePattern<ConvOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvOp conv,
                                PatternRewriter &rewriter) const override {
    if (!conv->hasOneUse())
      return failure();
    auto outType = cast<RankedTensorType>(conv.getType());
    int64_t channels = outType.getShape().back();
    Operation *user = *conv->getUsers().begin();
    SmallVector<float> scale(channels, 1.0f), shift(channels, 0.0f);
    Operation *last = nullptr;
    if (auto mul = dyn_cast<tosa::MulOp>(user)) {
      Value other = mul.getInput1() == conv.getResult() ? mul.getInput2()
                                                         : mul.getInput1();
      auto a = perChannelConstant(other, channels);
      if (failed(a) || mul.getType() != outType)
        return failure();
      scale = *a;
      last = mul;
      if (mul->hasOneUse())
        user = *mul->getUsers().begin();
    }
    if (auto add = dyn_cast<tosa::AddOp>(user)) {
      Value prev = last ? last->getResult(0) : Value(conv.getResult());
      Value other = add.getInput1() == prev ? add.getInput2() : add.getInput1();
      auto c = perChannelConstant(other, channels);
      if (succeeded(c) && add.getType() == outType) {
        shift = *c;
        last = add;
      }
    }
    if (!last)
      return failure();

    DenseElementsAttr weight, bias;
    if (!matchPattern(conv.getWeight(), m_Constant(&weight)) ||
        !matchPattern(conv.getBias(), m_Constant(&bias)) ||
        !weight.getElementType().isF32())
      return failure();
    auto wType = cast<RankedTensorType>(weight.getType());
    SmallVector<float> w = llvm::to_vector(weight.getValues<float>());
    // The output channel of a weight element: OHWI keeps it in dimension 0;
    // depthwise [KH,KW,C,M] in the flattened (C,M) trailing dimensions.
    int64_t perOut = wType.getNumElements() / channels;
    bool depthwise = std::is_same_v<ConvOp, tosa::DepthwiseConv2DOp>;
    for (int64_t i = 0, e = w.size(); i < e; ++i) {
      int64_t o = depthwise ? i % channels : i / perOut;
      w[i] *= scale[o];
    }
    SmallVector<float> b(channels);
    SmallVector<float> oldBias = llvm::to_vector(bias.getValues<float>());
    if (static_cast<int64_t>(oldBias.size()) != channels)
      return failure();
    for (int64_t o = 0; o < channels; ++o)
      b[o] = oldBias[o] * scale[o] + shift[o];

    Location loc = conv.getLoc();
    Value newW = makeConst(rewriter, loc, wType, w);
    Value newB = makeConst(
        rewriter, loc, cast<RankedTensorType>(bias.getType()), b);
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getWeightMutable().assign(newW);
      conv.getBiasMutable().assign(newB);
    });
    rewriter.replaceAllUsesWith(last->getResult(0), conv.getResult());
    return success();
  }
};

struct QCFoldBatchNormPass
    : qc::impl::QCFoldBatchNormBase<QCFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateFoldBatchNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void qc::populateFoldBatchNormPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldAffineIntoConv<tosa::Conv2DOp>,
               FoldAffineIntoConv<tosa::DepthwiseConv2DOp>>(
      patterns.getContext());
}
