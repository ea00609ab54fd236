//===- OutlineParallel.cpp - loops marked qc.parallel ⇒ pool tasks --------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/TargetParser/Triple.h"

namespace qc {
#define GEN_PASS_DEF_QCOUTLINEPARALLEL
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

/// A value the task can take as an argument (a pointer or a scalar after the
/// bare-pointer lowering).
bool passable(Type t) {
  if (auto m = dyn_cast<MemRefType>(t))
    return m.hasStaticShape() && m.getLayout().isIdentity();
  return t.isIndex() || t.isIntOrFloat();
}

/// Ops cloned into the task instead of passed: constants, globals and
/// stack scratch buffers (each task call needs its own: a kernel writes its
/// scratch before reading it within one iteration, and iterations run on
/// several threads at once).
bool cloneable(Operation *op) {
  return op && op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         (op->hasTrait<OpTrait::ConstantLike>() ||
          isa<memref::GetGlobalOp, memref::AllocaOp>(op));
}

struct QCOutlineParallelPass
    : qc::impl::QCOutlineParallelBase<QCOutlineParallelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto target = module->getAttrOfType<qc::TargetAttr>("qc.target");
    llvm::Triple::ArchType arch =
        target ? llvm::Triple(target.getTriple()).getArch()
               : llvm::Triple::UnknownArch;
    if (arch != llvm::Triple::x86_64 && arch != llvm::Triple::aarch64 &&
        arch != llvm::Triple::riscv64) {
      // No thread-pool runtime is built for this target: the loops stay
      // serial.
      module.walk([](scf::ForOp f) { f->removeAttr("qc.parallel"); });
      return;
    }
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp f) {
      if (f->hasAttr("qc.parallel"))
        loops.push_back(f);
    });
    int counter = 0;
    for (scf::ForOp loop : loops) {
      loop->removeAttr("qc.parallel");
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      std::optional<int64_t> st = getConstantIntValue(loop.getStep());
      if (!lb || !ub || !st || *st <= 0 || loop.getNumResults() != 0)
        continue;
      int64_t iterations = (*ub - *lb + *st - 1) / *st;
      if (iterations < 2)
        continue;
      llvm::SetVector<Value> used;
      getUsedValuesDefinedAbove(loop.getRegion(), used);
      SmallVector<Value> args, clones;
      bool ok = true;
      for (Value v : used) {
        if (cloneable(v.getDefiningOp()))
          clones.push_back(v);
        else if (passable(v.getType()))
          args.push_back(v);
        else
          ok = false;
      }
      if (!ok)
        continue;

      OpBuilder b(module.getBodyRegion());
      b.setInsertionPointToEnd(module.getBody());
      Location loc = loop.getLoc();
      std::string id = std::to_string(counter++);
      SmallVector<Type> argTypes = llvm::to_vector(ValueRange(args).getTypes());
      SmallVector<Type> taskTypes = argTypes;
      taskTypes.append({b.getIndexType(), b.getIndexType()});
      auto task = func::FuncOp::create(b, loc, "__qc_task_" + id,
                                       b.getFunctionType(taskTypes, {}));
      task.setPrivate();
      task->setAttr("qc.task", b.getUnitAttr());
      Block *entry = task.addEntryBlock();
      OpBuilder tb = OpBuilder::atBlockEnd(entry);
      IRMapping map;
      for (auto [v, a] : llvm::zip(args, entry->getArguments()))
        map.map(v, a);
      for (Value v : clones)
        map.map(v, tb.clone(*v.getDefiningOp())->getResult(0));
      Value begin = entry->getArgument(args.size());
      Value end = entry->getArgument(args.size() + 1);
      Value one = arith::ConstantIndexOp::create(tb, loc, 1);
      auto inner = scf::ForOp::create(tb, loc, begin, end, one);
      {
        OpBuilder::InsertionGuard guard(tb);
        tb.setInsertionPointToStart(inner.getBody());
        // iv = lb + i · step
        Value iv = arith::AddIOp::create(
            tb, loc, arith::ConstantIndexOp::create(tb, loc, *lb),
            arith::MulIOp::create(tb, loc, inner.getInductionVar(),
                                  arith::ConstantIndexOp::create(tb, loc, *st)));
        map.map(loop.getInductionVar(), iv);
        for (Operation &op : loop.getBody()->without_terminator())
          tb.clone(op, map);
      }
      func::ReturnOp::create(tb, loc);

      SmallVector<Type> forTypes = argTypes;
      forTypes.push_back(b.getIndexType());
      auto dispatch = func::FuncOp::create(b, loc, "__qc_parallel_for_" + id,
                                           b.getFunctionType(forTypes, {}));
      dispatch.setPrivate();

      OpBuilder cb(loop);
      SmallVector<Value> callArgs = args;
      callArgs.push_back(arith::ConstantIndexOp::create(cb, loc, iterations));
      func::CallOp::create(cb, loc, dispatch, callArgs);
      loop.erase();
    }
  }
};

} // namespace
