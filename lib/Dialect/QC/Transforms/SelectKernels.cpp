//===- SelectKernels.cpp - record each op's kernel from the target --------===//

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Target/TargetInfo.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"

namespace qc {
#define GEN_PASS_DEF_QCSELECTKERNELS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {
struct QCSelectKernelsPass
    : qc::impl::QCSelectKernelsBase<QCSelectKernelsPass> {
  /// The constant values of `weight` (through its storage cast), or null.
  static DenseElementsAttr weightValues(Value weight) {
    if (auto cast = weight.getDefiningOp<quant::StorageCastOp>())
      weight = cast.getInput();
    DenseElementsAttr values;
    if (!matchPattern(weight, m_Constant(&values)) ||
        !values.getElementType().isInteger(8))
      return {};
    return values;
  }

  /// Whether `weight` is a constant whose values all lie in [-127, 127].
  static bool narrowWeights(Value weight) {
    DenseElementsAttr values = weightValues(weight);
    return values && llvm::all_of(values.getValues<int8_t>(),
                                  [](int8_t v) { return v != -128; });
  }

  /// For a dense conv's or a fully-connected op's constant weights ([O, KH,
  /// KW, C] or [O, C]) holding -128: the reduction steps (a tap's 4 input
  /// channels for a vector of `lanes` output channels) that hold a -128, as
  /// a share of all steps — the extra steps a kernel exact only on [-127,
  /// 127] runs to correct them (qc-convert-qc-to-loops, convDot). 1 where
  /// the weights are not constant.
  static double correctionShare(Value weight, int64_t lanes) {
    DenseElementsAttr values = weightValues(weight);
    if (!values || lanes <= 0)
      return 1.0;
    ArrayRef<int64_t> shape = values.getType().getShape();
    const int64_t o = shape.front(), c = shape.back();
    const int64_t taps = values.getNumElements() / std::max<int64_t>(1, o * c);
    const int64_t groups = (c + 3) / 4, vectors = (o + lanes - 1) / lanes;
    std::vector<int8_t> w(values.getValues<int8_t>().begin(),
                          values.getValues<int8_t>().end());
    int64_t marked = 0;
    std::vector<bool> step(taps * groups);
    for (int64_t v = 0; v < vectors; ++v) {
      std::fill(step.begin(), step.end(), false);
      for (int64_t k = v * lanes; k < std::min(o, (v + 1) * lanes); ++k)
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t i = 0; i < c; ++i)
            if (w[(k * taps + t) * c + i] == -128)
              step[t * groups + i / 4] = true;
      marked += llvm::count(step, true);
    }
    return double(marked) / double(vectors * taps * groups);
  }

  /// Up to this share of corrected steps a narrow-weight kernel is still
  /// taken on weights holding -128 (AVX2: the vpmaddubsw kernel is ~12%
  /// faster than the vpmaddwd one on resnet18, and a corrected step costs
  /// about one step of it).
  static constexpr double kMaxCorrectionShare = 1.0 / 16;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto target = module->getAttrOfType<qc::TargetAttr>("qc.target");
    auto info = qc::getTargetInfo(target);
    module.walk([&](Operation *op) {
      if (!isa<qc::Conv2DOp, qc::FullyConnectedOp>(op))
        return;
      auto conv = dyn_cast<qc::Conv2DOp>(op);
      Value weight = conv ? conv.getWeight()
                          : cast<qc::FullyConnectedOp>(op).getWeight();
      // A recorded kernel is kept, unless it is exact only on weights in
      // [-127, 127] and these hold -128 in a grouped conv (a dense one
      // corrects them).
      const bool grouped = conv && conv.getGroups() != 1;
      if (auto recorded = op->getAttrOfType<qc::KernelAttr>("kernel"))
        if (!info->needsNarrowWeights(recorded) || !grouped ||
            narrowWeights(weight))
          return;
      // Output channels and pixels (all leading dims of the NHWC / [M, N]
      // result).
      auto out = cast<RankedTensorType>(op->getResult(0).getType());
      int64_t channels = out.getShape().back();
      int64_t pixels = out.getNumElements() / std::max<int64_t>(channels, 1);
      qc::KernelAttr kernel;
      if (conv && conv.getGroups() != 1) {
        kernel = info->selectGroupedKernel(&getContext(), channels,
                                           channels / conv.getGroups(), pixels);
      } else if (conv) {
        auto in = cast<RankedTensorType>(conv.getInput().getType());
        auto wt = cast<RankedTensorType>(conv.getWeight().getType());
        ArrayRef<int64_t> stride = conv.getStride();
        kernel = info->selectTileKernel(
            &getContext(), {in.getDimSize(3), channels, pixels,
                            wt.getDimSize(1) * wt.getDimSize(2),
                            out.getDimSize(2), wt.getDimSize(2),
                            conv.getDilation()[1],
                            stride[0] == 1 && stride[1] == 1});
      }
      if (!kernel)
        kernel = info->selectKernel(&getContext(), channels, pixels);
      if (narrowWeights(weight)) {
        kernel = info->narrowWeightKernel(&getContext(), kernel, channels,
                                          pixels, grouped);
      } else if (!grouped) {
        // Weights holding -128: the narrow kernel with corrections where
        // few steps need them.
        qc::KernelAttr narrow = info->narrowWeightKernel(
            &getContext(), kernel, channels, pixels, /*grouped=*/false);
        if (narrow != kernel &&
            correctionShare(weight, narrow.getLanes()) <= kMaxCorrectionShare)
          kernel = narrow;
      }
      // A kernel exact only on [-127, 127] that no narrow-weight choice
      // made (AArch64's smull one) on weights holding -128: kept with
      // corrections in a dense layer where few steps need them, else the
      // portable dot product.
      if (info->needsNarrowWeights(kernel) && !narrowWeights(weight) &&
          (grouped ||
           correctionShare(weight, kernel.getLanes()) > kMaxCorrectionShare))
        kernel = qc::KernelAttr::get(&getContext(), "dot4.generic", 16, 4, 1,
                                     /*signedInput=*/false);
      op->setAttr("kernel", kernel);
    });
  }
};
} // namespace
