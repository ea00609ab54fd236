//===- FuseQDQ.cpp - float ops between dcast and qcast ⇒ integer qc ops ---===//

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "GroupedConv.h"
#include "LookupTable.h"
#include "qc/Dialect/QC/Utils/QuantMath.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace qc {
#define GEN_PASS_DEF_QCFUSEQDQ
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

/// The quantized value `v` dequantizes, if it is a per-tensor i8 activation.
Value dequantizedActivation(Value v) {
  auto dq = v.getDefiningOp<quant::DequantizeCastOp>();
  if (!dq)
    return {};
  auto t = cast<RankedTensorType>(dq.getInput().getType());
  if (!isa<quant::UniformQuantizedType>(t.getElementType()))
    return {};
  return dq.getInput();
}

/// The input of a tosa.slice that only crops the end rows/columns of an NHWC
/// tensor (what the importer emits when a strided window leaves them unread;
/// TOSA wants the division by the stride exact), if `v` is one and no window
/// of `conv`'s reads a cropped row or column (qc::cropIsUnread).
/// qc.conv2d rounds the window count down, so it reads the uncropped input.
/// The quantizer gives the crop the scale and zero point of its input, so
/// the conv often reads dcast(qcast(slice(dcast x))) with the qcast's type
/// that of x: a requantization that changes no value. Then the slice.
tosa::SliceOp cropThroughRequantize(Value v) {
  if (auto slice = v.getDefiningOp<tosa::SliceOp>())
    return slice;
  Value requantized = dequantizedActivation(v);
  auto q = requantized ? requantized.getDefiningOp<quant::QuantizeCastOp>() : nullptr;
  auto slice = q ? q.getInput().getDefiningOp<tosa::SliceOp>() : nullptr;
  Value src = slice ? dequantizedActivation(slice.getInput1()) : Value();
  if (!src || cast<RankedTensorType>(src.getType()).getElementType() !=
                  cast<RankedTensorType>(q.getType()).getElementType())
    return nullptr;
  return slice;
}

template <typename ConvT>
Value uncroppedConvInput(ConvT conv) {
  Value v = conv.getInput();
  tosa::SliceOp slice = cropThroughRequantize(v);
  if (!slice)
    return v;
  DenseElementsAttr start;
  if (!matchPattern(slice.getStart(), m_Constant(&start)) ||
      llvm::any_of(start.getValues<APInt>(), [](const APInt &s) { return !s.isZero(); }))
    return v;
  auto in = cast<RankedTensorType>(slice.getInput1().getType());
  auto cropped = cast<RankedTensorType>(slice.getType());
  auto out = cast<RankedTensorType>(conv.getType());
  auto w = cast<RankedTensorType>(conv.getWeight().getType());
  if (in.getRank() != 4 || in.getDimSize(0) != cropped.getDimSize(0) ||
      in.getDimSize(3) != cropped.getDimSize(3))
    return v;
  // Kernel dims: OHWI (conv2d) or [KH, KW, C, M] (depthwise).
  bool depthwise = std::is_same_v<ConvT, tosa::DepthwiseConv2DOp>;
  if (!qc::cropIsUnread(in.getShape(), cropped.getShape(), out.getShape(),
                        w.getShape().slice(depthwise ? 0 : 1, 2), conv.getStride(),
                        conv.getDilation(), conv.getPad()))
    return v;
  return slice.getInput1();
}

/// A constant i8 weight: dcast(scast(arith.constant)).
struct ConstWeight {
  Value typed;               // the quant-typed tensor (scast result)
  DenseElementsAttr values;  // the i8 storage values
  quant::UniformQuantizedPerAxisType type;
};

std::optional<ConstWeight> dequantizedWeight(Value v) {
  auto dq = v.getDefiningOp<quant::DequantizeCastOp>();
  if (!dq)
    return std::nullopt;
  auto sc = dq.getInput().getDefiningOp<quant::StorageCastOp>();
  DenseElementsAttr values;
  if (!sc || !matchPattern(sc.getInput(), m_Constant(&values)))
    return std::nullopt;
  auto type = dyn_cast<quant::UniformQuantizedPerAxisType>(
      cast<RankedTensorType>(sc.getType()).getElementType());
  if (!type)
    return std::nullopt;
  return ConstWeight{sc.getResult(), values, type};
}

double scaleOf(Value quantized) {
  return cast<quant::UniformQuantizedType>(
             cast<RankedTensorType>(quantized.getType()).getElementType())
      .getScale();
}

/// The float epilogue between an anchor and its qcast: an optional clamp.
struct Epilogue {
  Value anchorResult;
  double lo = -INFINITY, hi = INFINITY;
};

Epilogue peelClamp(Value v) {
  Epilogue e{v};
  if (auto clamp = v.getDefiningOp<tosa::ClampOp>()) {
    auto lo = dyn_cast<FloatAttr>(clamp.getMinValAttr());
    auto hi = dyn_cast<FloatAttr>(clamp.getMaxValAttr());
    if (lo && hi && clamp.getInput().hasOneUse()) {
      e.anchorResult = clamp.getInput();
      e.lo = lo.getValueAsDouble();
      e.hi = hi.getValueAsDouble();
    }
  }
  return e;
}

/// Clamp bounds in the output's int8 domain: q = zp + round(real / scale).
std::pair<int64_t, int64_t> quantizedBounds(const Epilogue &e,
                                            quant::UniformQuantizedType out) {
  auto bound = [&](double real, int64_t dflt) -> int64_t {
    if (!std::isfinite(real) || std::fabs(real) > 1e30)
      return dflt;
    double q = out.getZeroPoint() + qc::roundHalfEven(real / out.getScale());
    return static_cast<int64_t>(std::clamp(q, -128.0, 127.0));
  };
  return {bound(e.lo, -128), bound(e.hi, 127)};
}

/// The float bias `floatBias` of `channels` (zeros if null), if constant.
FailureOr<SmallVector<float>> floatBiasValues(Value floatBias, int64_t channels) {
  SmallVector<float> b(channels, 0.0f);
  if (floatBias) {
    DenseElementsAttr attr;
    if (!matchPattern(floatBias, m_Constant(&attr)) ||
        attr.getNumElements() != channels)
      return failure();
    b = llvm::to_vector(attr.getValues<float>());
  }
  return b;
}

/// int32 bias = round(b / (s_x · s_w[o])), saturated.
Value quantizeBias(PatternRewriter &rewriter, Location loc, ArrayRef<float> b,
                   double inputScale, ArrayRef<double> weightScales) {
  const int64_t channels = b.size();
  SmallVector<int32_t> q(channels);
  for (int64_t o = 0; o < channels; ++o) {
    double ws = weightScales.size() == 1 ? weightScales[0] : weightScales[o];
    double v = qc::roundHalfEven(double(b[o]) / (inputScale * ws));
    q[o] = static_cast<int32_t>(std::clamp(v, -2147483648.0, 2147483647.0));
  }
  auto type = RankedTensorType::get({channels}, rewriter.getI32Type());
  return arith::ConstantOp::create(
             rewriter, loc, type, DenseElementsAttr::get(type, ArrayRef(q)))
      .getResult();
}

FailureOr<Value> quantizeBias(PatternRewriter &rewriter, Location loc,
                              Value floatBias, double inputScale,
                              ArrayRef<double> weightScales, int64_t channels) {
  auto b = floatBiasValues(floatBias, channels);
  if (failed(b))
    return failure();
  return quantizeBias(rewriter, loc, *b, inputScale, weightScales);
}

/// An OHWI per-channel weight value built from `values` (row-major over
/// `shape`) with `scales` along dimension 0.
Value makeWeight(PatternRewriter &rewriter, Location loc,
                 quant::UniformQuantizedPerAxisType like,
                 ArrayRef<int64_t> shape, ArrayRef<int8_t> values,
                 ArrayRef<double> scales) {
  MLIRContext *ctx = rewriter.getContext();
  // The range covers every value (groups' weights may differ: only some
  // hold -128).
  int64_t lo = like.getStorageTypeMin();
  if (llvm::is_contained(values, int8_t(-128)))
    lo = -128;
  auto qtype = quant::UniformQuantizedPerAxisType::get(
      like.getFlags(), like.getStorageType(), like.getExpressedType(), scales,
      SmallVector<int64_t>(scales.size(), 0), 0, lo, like.getStorageTypeMax());
  auto storage = RankedTensorType::get(shape, IntegerType::get(ctx, 8));
  Value raw = arith::ConstantOp::create(
      rewriter, loc, storage, DenseElementsAttr::get(storage, values));
  return quant::StorageCastOp::create(rewriter, loc,
                                      RankedTensorType::get(shape, qtype), raw);
}

/// TOSA pads are [top, bottom, left, right]; qc's are [top, left, bottom, right].
DenseI64ArrayAttr qcPad(PatternRewriter &rewriter, ArrayRef<int64_t> tosaPad) {
  return rewriter.getDenseI64ArrayAttr(
      {tosaPad[0], tosaPad[2], tosaPad[1], tosaPad[3]});
}

/// qcast(clamp?(anchor(dcast ...))) ⇒ one integer qc op.
struct FuseAnchor : OpRewritePattern<quant::QuantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(quant::QuantizeCastOp qcast,
                                PatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(qcast.getType());
    auto outQ = dyn_cast<quant::UniformQuantizedType>(outType.getElementType());
    if (!outQ || qcast->hasAttr("qc.keep_float"))
      return failure();
    Epilogue e = peelClamp(qcast.getInput());
    auto [clampMin, clampMax] = quantizedBounds(e, outQ);
    Operation *anchor = e.anchorResult.getDefiningOp();
    if (!anchor || (!e.anchorResult.hasOneUse() && e.anchorResult != qcast.getInput()))
      return failure();
    Location loc = anchor->getLoc();
    IntegerAttr cmin = rewriter.getI64IntegerAttr(clampMin);
    IntegerAttr cmax = rewriter.getI64IntegerAttr(clampMax);

    Value result;
    if (auto conv = dyn_cast<tosa::Conv2DOp>(anchor)) {
      Value x = dequantizedActivation(uncroppedConvInput(conv));
      auto w = dequantizedWeight(conv.getWeight());
      if (!x || !w)
        return failure();
      int64_t o = cast<RankedTensorType>(conv.getType()).getShape().back();
      auto bias = quantizeBias(rewriter, loc, conv.getBias(), scaleOf(x),
                               w->type.getScales(), o);
      if (failed(bias))
        return failure();
      result = qc::Conv2DOp::create(
          rewriter, loc, outType, x, w->typed, *bias, Value(), conv.getStrideAttr(),
          conv.getDilationAttr(), qcPad(rewriter, conv.getPad()),
          rewriter.getI64IntegerAttr(1), cmin, cmax, qc::KernelAttr());
    } else if (auto dw = dyn_cast<tosa::DepthwiseConv2DOp>(anchor)) {
      Value x = dequantizedActivation(uncroppedConvInput(dw));
      auto w = dequantizedWeight(dw.getWeight());
      if (!x || !w)
        return failure();
      // [KH,KW,C,M] with scales per C ⇒ OHWI [C·M,KH,KW,1] with per-(c,m) scales.
      ArrayRef<int64_t> s = cast<RankedTensorType>(w->typed.getType()).getShape();
      int64_t kh = s[0], kw = s[1], c = s[2], m = s[3];
      SmallVector<int8_t> src = llvm::to_vector(w->values.getValues<int8_t>());
      SmallVector<int8_t> dst(src.size());
      SmallVector<double> scales(c * m);
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t mi = 0; mi < m; ++mi) {
          scales[ci * m + mi] = w->type.getScales()[ci];
          for (int64_t y = 0; y < kh; ++y)
            for (int64_t xx = 0; xx < kw; ++xx)
              dst[((ci * m + mi) * kh + y) * kw + xx] =
                  src[((y * kw + xx) * c + ci) * m + mi];
        }
      Value weight = makeWeight(rewriter, loc, w->type, {c * m, kh, kw, 1},
                                dst, scales);
      auto bias = quantizeBias(rewriter, loc, dw.getBias(), scaleOf(x), scales,
                               c * m);
      if (failed(bias))
        return failure();
      result = qc::Conv2DOp::create(
          rewriter, loc, outType, x, weight, *bias, Value(), dw.getStrideAttr(),
          dw.getDilationAttr(), qcPad(rewriter, dw.getPad()),
          rewriter.getI64IntegerAttr(c), cmin, cmax, qc::KernelAttr());
    } else if (auto concat = dyn_cast<tosa::ConcatOp>(anchor)) {
      result = fuseGroupedConv(rewriter, concat, outType, cmin, cmax);
    } else if (isa<tosa::AddOp, tosa::ReshapeOp>(anchor)) {
      result = fuseFullyConnectedOrAdd(rewriter, anchor, outType, cmin, cmax);
    } else if (auto pool = dyn_cast<tosa::AvgPool2dOp>(anchor)) {
      Value x = dequantizedActivation(pool.getInput());
      if (!x)
        return failure();
      result = qc::AvgPool2DOp::create(
          rewriter, loc, outType, x, pool.getKernelAttr(), pool.getStrideAttr(),
          qcPad(rewriter, pool.getPad()), rewriter.getBoolAttr(false), cmin,
          cmax);
    }
    if (!result)
      return failure();
    if (auto layer = qcast->getAttr("qc.layer"))
      result.getDefiningOp()->setAttr("qc.layer", layer);
    rewriter.replaceOp(qcast, result);
    return success();
  }

  /// concat(conv_g(slice_g(dcast x)) for each group g) ⇒ one qc.conv2d with
  /// `groups` (GroupedConv.h): the groups' weights, scales and biases in
  /// group order.
  Value fuseGroupedConv(PatternRewriter &rewriter, tosa::ConcatOp concat,
                        RankedTensorType outType, IntegerAttr cmin,
                        IntegerAttr cmax) const {
    auto parts = qc::matchGroupedConv(concat);
    Value x = parts ? dequantizedActivation(parts->input) : Value();
    if (!x)
      return {};
    SmallVector<int8_t> weights;
    SmallVector<double> scales;
    SmallVector<float> biases;
    std::optional<ConstWeight> first;
    for (tosa::Conv2DOp conv : parts->convs) {
      auto w = dequantizedWeight(conv.getWeight());
      int64_t o = cast<RankedTensorType>(conv.getType()).getShape().back();
      auto b = floatBiasValues(conv.getBias(), o);
      if (!w || w->type.getQuantizedDimension() != 0 || failed(b))
        return {};
      llvm::append_range(weights, w->values.getValues<int8_t>());
      llvm::append_range(scales, w->type.getScales());
      llvm::append_range(biases, *b);
      if (!first)
        first = w;
    }
    tosa::Conv2DOp conv = parts->convs.front();
    Location loc = concat.getLoc();
    SmallVector<int64_t> shape(
        cast<RankedTensorType>(first->typed.getType()).getShape());
    shape[0] = scales.size();
    Value weight = makeWeight(rewriter, loc, first->type, shape, weights, scales);
    Value bias = quantizeBias(rewriter, loc, biases, scaleOf(x), scales);
    return qc::Conv2DOp::create(
        rewriter, loc, outType, x, weight, bias, Value(), conv.getStrideAttr(),
        conv.getDilationAttr(), qcPad(rewriter, conv.getPad()),
        rewriter.getI64IntegerAttr(parts->convs.size()), cmin, cmax,
        qc::KernelAttr());
  }

  /// add(dcast a, dcast b) ⇒ qc.add; [add(]reshape(matmul(dcast x, dcast w))
  /// [, bias)] ⇒ qc.fully_connected.
  Value fuseFullyConnectedOrAdd(PatternRewriter &rewriter, Operation *anchor,
                                RankedTensorType outType, IntegerAttr cmin,
                                IntegerAttr cmax) const {
    Location loc = anchor->getLoc();
    Value biasValue;
    Operation *reshape = anchor;
    if (auto add = dyn_cast<tosa::AddOp>(anchor)) {
      Value a = dequantizedActivation(add.getInput1());
      Value b = dequantizedActivation(add.getInput2());
      auto shape = [](Value v) { return cast<RankedTensorType>(v.getType()).getShape(); };
      if (a && b && shape(a) == shape(b) && shape(a) == outType.getShape())
        return qc::AddOp::create(rewriter, loc, outType, a, b, cmin, cmax);
      for (auto [x, other] : {std::pair(add.getInput1(), add.getInput2()),
                              std::pair(add.getInput2(), add.getInput1())})
        if (x.getDefiningOp<tosa::ReshapeOp>() && matchPattern(other, m_Constant())) {
          reshape = x.getDefiningOp();
          biasValue = other;
        }
      if (!biasValue || !reshape->hasOneUse())
        return {};
    }
    auto rs = dyn_cast<tosa::ReshapeOp>(reshape);
    if (!rs)
      return {};
    auto mm = rs.getInput1().getDefiningOp<tosa::MatMulOp>();
    if (!mm || !mm->hasOneUse())
      return {};
    Value x3 = dequantizedActivation(mm.getA());
    auto w = dequantizedWeight(mm.getB());
    if (!x3 || !w || w->type.getQuantizedDimension() != 2)
      return {};
    ArrayRef<int64_t> xs = cast<RankedTensorType>(x3.getType()).getShape();
    ArrayRef<int64_t> ws = cast<RankedTensorType>(w->typed.getType()).getShape();
    int64_t m = xs[1], k = xs[2], n = ws[2];
    if (xs[0] != 1 || ws[0] != 1 || outType.getRank() != 2 ||
        outType.getDimSize(0) != m || outType.getDimSize(1) != n)
      return {};
    // A bias must be one row of N values (shape [N] or [1,N]).
    if (biasValue &&
        cast<ShapedType>(biasValue.getType()).getNumElements() != n)
      return {};
    SmallVector<int8_t> src = llvm::to_vector(w->values.getValues<int8_t>());
    SmallVector<int8_t> dst(n * k);
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t nn = 0; nn < n; ++nn)
        dst[nn * k + kk] = src[kk * n + nn];
    SmallVector<double> scales(w->type.getScales());
    Value weight = makeWeight(rewriter, loc, w->type, {n, k}, dst, scales);
    auto bias = quantizeBias(rewriter, loc, biasValue, scaleOf(x3), scales, n);
    if (failed(bias))
      return {};
    auto x3Type = cast<RankedTensorType>(x3.getType());
    Value x2 = qc::ReshapeOp::create(
        rewriter, loc,
        RankedTensorType::get({m, k}, x3Type.getElementType()), x3);
    return qc::FullyConnectedOp::create(rewriter, loc, outType, x2, weight,
                                        *bias, cmin, cmax, qc::KernelAttr());
  }
};

/// reshape/transpose/max_pool(dcast q) ⇒ dcast(qc op q): these ops commute
/// with the monotone affine map a quantization is.
struct SinkDequantize : RewritePattern {
  SinkDequantize(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<tosa::ReshapeOp, tosa::TransposeOp, tosa::MaxPool2dOp>(op))
      return failure();
    Value q = dequantizedActivation(op->getOperand(0));
    if (!q)
      return failure();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    auto qType = resultType.clone(
        cast<RankedTensorType>(q.getType()).getElementType());
    Location loc = op->getLoc();
    Value r;
    if (isa<tosa::ReshapeOp>(op)) {
      r = qc::ReshapeOp::create(rewriter, loc, qType, q);
    } else if (auto t = dyn_cast<tosa::TransposeOp>(op)) {
      SmallVector<int64_t> perms(t.getPerms().begin(), t.getPerms().end());
      r = qc::TransposeOp::create(rewriter, loc, qType, q,
                                  rewriter.getDenseI64ArrayAttr(perms));
    } else {
      auto pool = cast<tosa::MaxPool2dOp>(op);
      r = qc::MaxPool2DOp::create(rewriter, loc, qType, q, pool.getKernelAttr(),
                                  pool.getStrideAttr(),
                                  qcPad(rewriter, pool.getPad()));
    }
    rewriter.replaceOpWithNewOp<quant::DequantizeCastOp>(op, resultType, r);
    return success();
  }
};

/// qcast(f(dcast x)) for an elementwise float function f of one quantized
/// tensor ⇒ qc.lut x: f evaluated at the 256 levels of x, quantized once.
struct FuseLookupTable : OpRewritePattern<quant::QuantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(quant::QuantizeCastOp qcast,
                                PatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(qcast.getType());
    auto outQ = dyn_cast<quant::UniformQuantizedType>(outType.getElementType());
    if (!outQ || qcast->hasAttr("qc.keep_float"))
      return failure();
    // Collect the chain backwards from the quantize: elementwise ops of one
    // shape whose other operands are splat constants, used only inside it.
    SmallVector<Operation *> chain;
    Value root;
    SmallVector<Value> work = {qcast.getInput()};
    llvm::SmallPtrSet<Operation *, 8> inChain;
    while (!work.empty()) {
      Value v = work.pop_back_val();
      if (cast<RankedTensorType>(v.getType()).getShape() != outType.getShape())
        return failure();
      if (auto dq = v.getDefiningOp<quant::DequantizeCastOp>()) {
        Value x = dequantizedActivation(v);
        if (!x || (root && root != v))
          return failure();
        root = v;
        continue;
      }
      Operation *op = v.getDefiningOp();
      if (!op || !qc::isLookupTableOp(op))
        return failure();
      if (!inChain.insert(op).second)
        continue;
      chain.push_back(op);
      for (Value operand : qc::lookupTableInputs(op))
        work.push_back(operand);
    }
    if (!root || chain.size() > 16)
      return failure();
    for (Operation *op : chain)
      for (Operation *user : op->getUsers())
        if (!inChain.count(user) && user != qcast)
          return failure();
    Value x = root.getDefiningOp<quant::DequantizeCastOp>().getInput();
    auto inQ = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(x.getType()).getElementType());

    // Evaluate the chain at every input level, in block order.
    llvm::sort(chain, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
    SmallVector<int8_t> table(256);
    for (int level = -128; level <= 127; ++level) {
      DenseMap<Value, double> env;
      env[root] = double(float(level - inQ.getZeroPoint()) * float(inQ.getScale()));
      auto get = [&](Value v) {
        if (auto c = qc::splatValue(v))
          return *c;
        return env.lookup(v);
      };
      for (Operation *op : chain) {
        double a = get(op->getOperand(0)), r = 0;
        double b = op->getNumOperands() > 1 ? get(op->getOperand(1)) : 0;
        if (isa<tosa::SigmoidOp>(op)) r = 1.0 / (1.0 + std::exp(-a));
        else if (isa<tosa::TanhOp>(op)) r = std::tanh(a);
        else if (isa<tosa::ErfOp>(op)) r = std::erf(a);
        else if (isa<tosa::ExpOp>(op)) r = std::exp(a);
        else if (isa<tosa::ReciprocalOp>(op)) r = 1.0 / a;
        else if (isa<tosa::AbsOp>(op)) r = std::fabs(a);
        else if (auto c = dyn_cast<tosa::ClampOp>(op)) {
          auto lo = dyn_cast<FloatAttr>(c.getMinValAttr());
          auto hi = dyn_cast<FloatAttr>(c.getMaxValAttr());
          if (!lo || !hi)
            return failure();
          r = std::min(std::max(a, lo.getValueAsDouble()), hi.getValueAsDouble());
        } else if (isa<tosa::AddOp>(op)) r = a + b;
        else if (isa<tosa::SubOp>(op)) r = a - b;
        else if (isa<tosa::MulOp>(op)) r = a * b;
        else if (isa<tosa::MaximumOp>(op)) r = std::max(a, b);
        else if (isa<tosa::MinimumOp>(op)) r = std::min(a, b);
        env[op->getResult(0)] = r;
      }
      double y = env.lookup(qcast.getInput());
      double q = std::isfinite(y)
                     ? outQ.getZeroPoint() + qc::roundHalfEven(y / outQ.getScale())
                     : (y > 0 ? 127.0 : -128.0);
      table[level + 128] = static_cast<int8_t>(std::clamp(q, -128.0, 127.0));
    }
    auto lut = qc::LookupTableOp::create(rewriter, qcast.getLoc(), outType, x,
                                         rewriter.getDenseI8ArrayAttr(table));
    if (auto layer = qcast->getAttr("qc.layer"))
      lut->setAttr("qc.layer", layer);
    rewriter.replaceOp(qcast, lut.getResult());
    return success();
  }
};

/// qcast(dcast q) with q's own type is q.
struct FoldRoundTrip : OpRewritePattern<quant::QuantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(quant::QuantizeCastOp qcast,
                                PatternRewriter &rewriter) const override {
    auto dq = qcast.getInput().getDefiningOp<quant::DequantizeCastOp>();
    if (!dq || dq.getInput().getType() != qcast.getType())
      return failure();
    rewriter.replaceOp(qcast, dq.getInput());
    return success();
  }
};

struct QCFuseQDQPass : qc::impl::QCFuseQDQBase<QCFuseQDQPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    qc::populateFuseQDQPatterns(patterns);
    // No folding: upstream folds dcast(qcast x) to x, which would erase the
    // quantization points before the anchors around them are fused.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
    // A quantize read only by dequantizes feeds float ops alone: dcast(qcast
    // x) there is x without the rounding, so the pair goes.
    SmallVector<quant::QuantizeCastOp> floatOnly;
    getOperation().walk([&](quant::QuantizeCastOp q) {
      if (!q->use_empty() && llvm::all_of(q->getUsers(), [](Operation *u) {
            return isa<quant::DequantizeCastOp>(u);
          }))
        floatOnly.push_back(q);
    });
    for (quant::QuantizeCastOp q : floatOnly) {
      for (Operation *user : llvm::make_early_inc_range(q->getUsers())) {
        user->getResult(0).replaceAllUsesWith(q.getInput());
        user->erase();
      }
      q.erase();
    }
  }
};

} // namespace

void qc::populateFuseQDQPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseAnchor, SinkDequantize, FoldRoundTrip>(
      patterns.getContext());
  // Anchors and layout ops first; what is left between a dequantize and a
  // quantize may be an elementwise function.
  patterns.add<FuseLookupTable>(patterns.getContext(), /*benefit=*/0);
}
