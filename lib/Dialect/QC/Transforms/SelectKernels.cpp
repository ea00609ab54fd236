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
  /// Whether `weight` is a constant (through its storage cast) whose values
  /// all lie in [-127, 127].
  static bool narrowWeights(Value weight) {
    if (auto cast = weight.getDefiningOp<quant::StorageCastOp>())
      weight = cast.getInput();
    DenseElementsAttr values;
    if (!matchPattern(weight, m_Constant(&values)) ||
        !values.getElementType().isInteger(8))
      return false;
    return llvm::all_of(values.getValues<int8_t>(),
                        [](int8_t v) { return v != -128; });
  }

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
      // [-127, 127] and these hold -128.
      if (auto recorded = op->getAttrOfType<qc::KernelAttr>("kernel"))
        if (!info->needsNarrowWeights(recorded) || narrowWeights(weight))
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
      if (narrowWeights(weight))
        kernel = info->narrowWeightKernel(&getContext(), kernel, channels,
                                          pixels, conv && conv.getGroups() != 1);
      op->setAttr("kernel", kernel);
    });
  }
};
} // namespace
