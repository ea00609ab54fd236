//===- SelectKernels.cpp - record each op's kernel from the target --------===//

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Dialect/QC/Utils/QuantMath.h"
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
  /// KW, C] or [O, C]): the reduction steps holding a -128 (qc::minWeightSteps,
  /// which convDot corrects) as a share of all steps, for vectors of `lanes`
  /// output channels. 1 where the weights are not constant.
  static double correctionShare(Value weight, int64_t lanes) {
    DenseElementsAttr values = weightValues(weight);
    if (!values || lanes <= 0)
      return 1.0;
    ArrayRef<int64_t> shape = values.getType().getShape();
    const int64_t o = shape.front(), c = shape.back();
    const int64_t taps = values.getNumElements() / std::max<int64_t>(1, o * c);
    SmallVector<int8_t> w(values.getValues<int8_t>());
    int64_t marked = 0;
    for (const auto &steps : qc::minWeightSteps(w.data(), o, taps, c, lanes))
      marked += steps.size();
    return double(marked) /
           double((o + lanes - 1) / lanes * taps * ((c + 3) / 4));
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
      // A kernel exact only on weights in [-127, 127] (x86's narrow-weight
      // one, AArch64's smull) takes weights holding -128 in a dense layer
      // where few steps need correcting; else the faster narrow-weight
      // kernel is not taken, and a selected one gives way to the portable
      // dot product.
      const bool narrow = narrowWeights(weight);
      llvm::SmallDenseMap<int64_t, double> shares; // by lanes
      auto fits = [&](qc::KernelAttr k) {
        if (!info->needsNarrowWeights(k) || narrow)
          return true;
        if (grouped)
          return false;
        auto [it, inserted] = shares.try_emplace(k.getLanes(), 0.0);
        if (inserted)
          it->second = correctionShare(weight, k.getLanes());
        return it->second <= kMaxCorrectionShare;
      };
      qc::KernelAttr faster = info->narrowWeightKernel(&getContext(), kernel,
                                                       channels, pixels, grouped);
      if (fits(faster))
        kernel = faster;
      if (!fits(kernel))
        kernel = qc::KernelAttr::get(&getContext(), "dot4.generic", 16, 4, 1,
                                     /*signedInput=*/false);
      op->setAttr("kernel", kernel);
    });
  }
};
} // namespace
