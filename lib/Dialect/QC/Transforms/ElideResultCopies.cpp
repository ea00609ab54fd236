//===- ElideResultCopies.cpp - write results into the caller's buffers ---===//

#include "qc/Dialect/QC/Transforms/Passes.h"

namespace qc {
#define GEN_PASS_DEF_QCELIDERESULTCOPIES
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {
struct QCElideResultCopiesPass
    : qc::impl::QCElideResultCopiesBase<QCElideResultCopiesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &entry = func.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (Operation &op : entry)
      if (auto c = dyn_cast<memref::CopyOp>(op))
        copies.push_back(c);
    for (memref::CopyOp c : copies) {
      // The target: an out parameter of this function used by this copy only.
      auto out = dyn_cast<BlockArgument>(c.getTarget());
      if (!out || out.getOwner() != &entry || !out.hasOneUse())
        continue;
      auto outType = dyn_cast<MemRefType>(out.getType());
      // The source: reshaped views of one static, dense allocation.
      SmallVector<Value> views;
      Value v = c.getSource();
      while (Operation *def = v.getDefiningOp()) {
        if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def))
          break;
        views.push_back(v);
        v = def->getOperand(0);
      }
      auto alloc = v.getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != &entry || !outType ||
          !outType.getLayout().isIdentity() || !outType.hasStaticShape())
        continue;
      auto allocType = alloc.getType();
      if (!allocType.getLayout().isIdentity() || !allocType.hasStaticShape() ||
          allocType.getNumElements() != outType.getNumElements() ||
          allocType.getElementType() != outType.getElementType() ||
          (allocType.getRank() != 1 && allocType != outType))
        continue;
      // Every use of the buffer (through any view) comes before the copy.
      bool before = true;
      SmallVector<Value> worklist{alloc.getResult()};
      while (!worklist.empty() && before) {
        Value b = worklist.pop_back_val();
        for (Operation *user : b.getUsers()) {
          if (user == c.getOperation())
            continue;
          Operation *top = entry.findAncestorOpInBlock(*user);
          if (!top || !top->isBeforeInBlock(c)) {
            before = false;
            break;
          }
          if (isa<ViewLikeOpInterface>(user))
            for (Value r : user->getResults())
              worklist.push_back(r);
        }
      }
      if (!before)
        continue;
      // The buffer becomes the out parameter (flattened to the allocation's
      // rank-1 type where it differs); the copy goes.
      OpBuilder b(alloc);
      Value replacement = out;
      if (allocType != outType) {
        SmallVector<ReassociationIndices> all = {
            llvm::to_vector(llvm::seq<int64_t>(0, outType.getRank()))};
        replacement = memref::CollapseShapeOp::create(b, alloc.getLoc(), out, all);
      }
      alloc.getResult().replaceAllUsesWith(replacement);
      alloc.erase();
      c.erase();
    }
  }
};
} // namespace
