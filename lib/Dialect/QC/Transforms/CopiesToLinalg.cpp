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
      linalg::CopyOp::create(b, c.getLoc(), c.getSource(), c.getTarget());
      c.erase();
    }
  }
};
} // namespace
