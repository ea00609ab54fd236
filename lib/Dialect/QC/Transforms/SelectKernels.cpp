//===- SelectKernels.cpp - record each op's kernel from the target --------===//

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Target/TargetInfo.h"

namespace qc {
#define GEN_PASS_DEF_QCSELECTKERNELS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {
struct QCSelectKernelsPass
    : qc::impl::QCSelectKernelsBase<QCSelectKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto target = module->getAttrOfType<qc::TargetAttr>("qc.target");
    auto info = qc::getTargetInfo(target);
    qc::KernelAttr kernel = info->selectKernel(&getContext());
    module.walk([&](Operation *op) {
      if (isa<qc::Conv2DOp, qc::FullyConnectedOp>(op) && !op->hasAttr("kernel"))
        op->setAttr("kernel", kernel);
    });
  }
};
} // namespace
