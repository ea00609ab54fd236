//===- GroupFloatConvs.cpp - a grouped float conv ⇒ one linalg conv -------===//
//
// The float build (calibration, `--float` libraries) of a grouped conv as the
// importer writes it (GroupedConv.h) would be a loop nest per group: a
// RegNet or ResNeXt has hundreds, and LLVM's optimization of the one
// function holding them all ran for over a quarter of an hour
// (regnet_y_400mf: 600 convs). Here each becomes one
// linalg.conv_2d_nhwgc_gfhwc over the input viewed as [N, H, W, G, C/G].
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "GroupedConv.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qc {
#define GEN_PASS_DEF_QCGROUPFLOATCONVS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

struct GroupFloatConv : OpRewritePattern<tosa::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::ConcatOp concat,
                                PatternRewriter &rewriter) const override {
    auto parts = qc::matchGroupedConv(concat);
    if (!parts)
      return failure();
    auto in = cast<RankedTensorType>(parts->input.getType());
    if (!in.getElementType().isF32())
      return failure();
    // The groups' weights [O/G, KH, KW, C/G] and biases, group after group:
    // [G, O/G, KH, KW, C/G] and [G, O/G].
    SmallVector<float> weights, biases;
    for (tosa::Conv2DOp conv : parts->convs) {
      DenseElementsAttr w, b;
      if (!matchPattern(conv.getWeight(), m_Constant(&w)) ||
          !matchPattern(conv.getBias(), m_Constant(&b)) ||
          !w.getElementType().isF32() || !b.getElementType().isF32())
        return failure();
      llvm::append_range(weights, w.getValues<float>());
      int64_t og = cast<RankedTensorType>(conv.getType()).getShape().back();
      if (b.isSplat())
        biases.append(og, b.getSplatValue<float>());
      else if (b.getNumElements() == og)
        llvm::append_range(biases, b.getValues<float>());
      else
        return failure();
    }
    tosa::Conv2DOp conv = parts->convs.front();
    auto sliced = cast<RankedTensorType>(conv.getInput().getType());
    auto wType = cast<RankedTensorType>(conv.getWeight().getType());
    auto outType = cast<RankedTensorType>(concat.getType());
    const int64_t g = parts->convs.size(), og = wType.getDimSize(0),
                  kh = wType.getDimSize(1), kw = wType.getDimSize(2),
                  cg = wType.getDimSize(3);
    const int64_t n = in.getDimSize(0), oh = outType.getDimSize(1),
                  ow = outType.getDimSize(2);
    Location loc = concat.getLoc();
    Type f32 = rewriter.getF32Type();
    auto constant = [&](ArrayRef<int64_t> shape, ArrayRef<float> values) {
      auto type = RankedTensorType::get(shape, f32);
      return arith::ConstantOp::create(rewriter, loc, type,
                                       DenseElementsAttr::get(type, values));
    };
    // The rows and columns the slices keep, padded as the convs pad.
    Value x = parts->input;
    if (sliced.getDimSize(1) != in.getDimSize(1) ||
        sliced.getDimSize(2) != in.getDimSize(2))
      x = tensor::ExtractSliceOp::create(
          rewriter, loc, x, SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(0)),
          {rewriter.getIndexAttr(n), rewriter.getIndexAttr(sliced.getDimSize(1)),
           rewriter.getIndexAttr(sliced.getDimSize(2)),
           rewriter.getIndexAttr(in.getDimSize(3))},
          SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
    ArrayRef<int64_t> pad = conv.getPad(); // top, bottom, left, right
    const int64_t hp = sliced.getDimSize(1) + pad[0] + pad[1],
                  wp = sliced.getDimSize(2) + pad[2] + pad[3];
    if (llvm::any_of(pad, [](int64_t p) { return p != 0; })) {
      auto index = [&](int64_t v) -> OpFoldResult { return rewriter.getIndexAttr(v); };
      Value zero = arith::ConstantOp::create(rewriter, loc, f32,
                                             rewriter.getF32FloatAttr(0.0f));
      x = tensor::PadOp::create(
          rewriter, loc, RankedTensorType::get({n, hp, wp, g * cg}, f32), x,
          {index(0), index(pad[0]), index(pad[2]), index(0)},
          {index(0), index(pad[1]), index(pad[3]), index(0)}, zero);
    }
    SmallVector<ReassociationIndices> lastSplit = {{0}, {1}, {2}, {3, 4}};
    Value xg = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({n, hp, wp, g, cg}, f32), x,
        lastSplit);
    Value w = constant({g, og, kh, kw, cg}, weights);
    Value init = tensor::EmptyOp::create(rewriter, loc,
                                         ArrayRef<int64_t>{n, oh, ow, g, og}, f32);
    Value withBias = linalg::BroadcastOp::create(rewriter, loc,
                                                 constant({g, og}, biases), init,
                                                 ArrayRef<int64_t>{0, 1, 2})
                         ->getResult(0);
    auto pair = [&](ArrayRef<int64_t> v) {
      return DenseIntElementsAttr::get(
          RankedTensorType::get({2}, rewriter.getI64Type()), v);
    };
    Value y = linalg::Conv2DNhwgcGfhwcOp::create(
                  rewriter, loc, TypeRange{withBias.getType()}, ValueRange{xg, w},
                  ValueRange{withBias}, pair(conv.getStride()),
                  pair(conv.getDilation()))
                  ->getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(concat, outType, y,
                                                         lastSplit);
    return success();
  }
};

struct QCGroupFloatConvsPass
    : qc::impl::QCGroupFloatConvsBase<QCGroupFloatConvsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GroupFloatConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
