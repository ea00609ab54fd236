//===- CopiesToLinalg.cpp - memref.copy ⇒ linalg.copy ---------------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

namespace qc {
#define GEN_PASS_DEF_QCCOPIESTOLINALG
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {
struct QCCopiesToLinalgPass
    : qc::impl::QCCopiesToLinalgBase<QCCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp c) { copies.push_back(c); });
    for (memref::CopyOp c : copies) {
      OpBuilder b(c);
      Value src = c.getSource(), dst = c.getTarget();
      // Between two dense buffers the copy is one flat loop (which LLVM
      // turns into plain vector moves), not a nest over every dimension.
      auto srcType = dyn_cast<MemRefType>(src.getType());
      auto dstType = dyn_cast<MemRefType>(dst.getType());
      if (srcType && dstType && srcType.getRank() > 1 &&
          srcType.getLayout().isIdentity() && dstType.getLayout().isIdentity() &&
          srcType.hasStaticShape()) {
        SmallVector<ReassociationIndices> all = {
            llvm::to_vector(llvm::seq<int64_t>(0, srcType.getRank()))};
        src = memref::CollapseShapeOp::create(b, c.getLoc(), src, all);
        dst = memref::CollapseShapeOp::create(b, c.getLoc(), dst, all);
      }
      linalg::CopyOp::create(b, c.getLoc(), src, dst);
      c.erase();
    }
  }
};
} // namespace
