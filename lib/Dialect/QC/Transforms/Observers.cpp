//===- Observers.cpp - insert, expose and fill calibration observers ------===//
//
// qc-insert-observers, qc-expose-observers and qc-import-calibration.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Dialect/QC/Utils/Calibration.h"

#include "GroupedConv.h"
#include "LookupTable.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

namespace qc {
#define GEN_PASS_DEF_QCINSERTOBSERVERS
#define GEN_PASS_DEF_QCEXPOSEOBSERVERS
#define GEN_PASS_DEF_QCIMPORTCALIBRATION
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

/// Ops whose int8 form keeps the input's quantization. The reshape after a
/// matmul is part of the fully-connected op, not a reshape of a quantized
/// value.
bool keepsInputQuantization(Operation *op) {
  if (isa<tosa::ReshapeOp>(op) && op->getOperand(0).getDefiningOp<tosa::MatMulOp>())
    return false;
  return isa<tosa::ReshapeOp, tosa::TransposeOp, tosa::MaxPool2dOp>(op);
}

/// True if `v` is an intermediate of a chain that becomes one integer op, so
/// only the chain's end is observed: anchor → clamp, matmul → reshape → add
/// of a constant bias.
bool continuesIntoUser(Value v) {
  if (!v.hasOneUse())
    return false;
  Operation *user = *v.getUsers().begin();
  Operation *def = v.getDefiningOp();
  if (isa<tosa::ClampOp>(user))
    return def && !keepsInputQuantization(def);
  if (def && isa<tosa::MatMulOp>(def) && isa<tosa::ReshapeOp>(user))
    return true;
  if (def && isa<tosa::ReshapeOp>(def) &&
      def->getOperand(0).getDefiningOp<tosa::MatMulOp>())
    if (auto add = dyn_cast<tosa::AddOp>(user)) {
      Value other = add.getInput1() == v ? add.getInput2() : add.getInput1();
      return matchPattern(other, m_Constant());
    }
  return false;
}

bool isFloatTensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && tensor.getElementType().isF32();
}

/// Elementwise functions of one tensor (GELU's x·(1 + erf(x/√2))/2, SiLU's
/// x·sigmoid(x), hard-swish) become one lookup table over their source, so
/// only the source and the function's result are observed, not its inside.
class TableRegions {
public:
  /// The one non-constant value the elementwise function computing `v`
  /// reads, or `v` itself if `v` is not computed by such a function.
  Value source(Value v) {
    auto it = sources.find(v);
    if (it != sources.end())
      return it->second;
    Value s = v;
    Operation *def = v.getDefiningOp();
    if (def && qc::isLookupTableOp(def) && def->getNumResults() == 1) {
      Value common;
      bool ok = true;
      for (Value in : qc::lookupTableInputs(def)) {
        Value inSource = in.getType() == v.getType() ? source(in) : Value();
        ok = ok && inSource && (!common || common == inSource);
        common = inSource;
      }
      if (ok && common)
        s = common;
    }
    sources[v] = s;
    return s;
  }

  /// True if `v` is inside such a function: its users all continue the
  /// function of the same source, and that source is itself observed.
  bool isInterior(Value v) {
    Value s = source(v);
    if (s == v || v.use_empty())
      return false;
    if (Operation *def = s.getDefiningOp())
      if (continuesIntoUser(s) || def->hasTrait<OpTrait::ConstantLike>())
        return false;
    return llvm::all_of(v.getUsers(), [&](Operation *user) {
      return qc::isLookupTableOp(user) && user->getNumResults() == 1 &&
             source(user->getResult(0)) == s;
    });
  }

private:
  DenseMap<Value, Value> sources;
};

std::string baseName(Location loc, StringRef fallback) {
  std::string name = qc::locationName(loc);
  return name.empty() ? fallback.str() : name;
}

struct QCInsertObserversPass
    : qc::impl::QCInsertObserversBase<QCInsertObserversPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    llvm::StringSet<> used;
    auto unique = [&](std::string name) {
      std::string candidate = name;
      for (int i = 1; used.contains(candidate); ++i)
        candidate = name + "_" + std::to_string(i);
      used.insert(candidate);
      return candidate;
    };
    OpBuilder builder(func.getContext());
    auto observe = [&](Value v, std::string name) {
      auto obs = qc::ObserveOp::create(builder, v.getLoc(), v.getType(), v,
                                       builder.getStringAttr(unique(name)),
                                       qc::StatsAttr());
      v.replaceAllUsesExcept(obs.getResult(), obs);
    };

    Block &entry = func.getBody().front();
    builder.setInsertionPointToStart(&entry);
    for (BlockArgument arg : entry.getArguments()) {
      if (!isFloatTensor(arg.getType()))
        continue;
      auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "qc.name");
      observe(arg, name ? name.str() : "arg" + std::to_string(arg.getArgNumber()));
    }
    SmallVector<Operation *> ops;
    TableRegions regions;
    func.walk([&](Operation *op) {
      if (op->getNumResults() == 1 && isFloatTensor(op->getResult(0).getType()) &&
          !op->hasTrait<OpTrait::ConstantLike>() && !isa<qc::ObserveOp>(op) &&
          !keepsInputQuantization(op) && !continuesIntoUser(op->getResult(0)) &&
          !regions.isInterior(op->getResult(0)) &&
          !qc::enclosingGroupedConv(op->getResult(0)))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      builder.setInsertionPointAfter(op);
      observe(op->getResult(0),
              baseName(op->getLoc(), op->getName().stripDialect()));
    }
  }
};

struct QCExposeObserversPass
    : qc::impl::QCExposeObserversBase<QCExposeObserversPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<Value> values;
    SmallVector<Attribute> names;
    func.walk([&](qc::ObserveOp obs) {
      values.push_back(obs.getInput());
      names.push_back(obs.getNameAttr());
      obs.getOutput().replaceAllUsesWith(obs.getInput());
      obs.erase();
    });
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    ret.getOperandsMutable().append(values);
    MLIRContext *ctx = func.getContext();
    SmallVector<DictionaryAttr> resultAttrs;
    for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
      resultAttrs.push_back(func.getResultAttrDict(i)
                                ? func.getResultAttrDict(i)
                                : DictionaryAttr::get(ctx));
    for (Attribute name : names)
      resultAttrs.push_back(DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "qc.name"), name)}));
    SmallVector<Type> results(ret.getOperandTypes());
    func.setFunctionType(
        FunctionType::get(ctx, func.getArgumentTypes(), results));
    func.setAllResultAttrs(resultAttrs);
    func->setAttr("qc.observed", ArrayAttr::get(func.getContext(), names));
  }
};

struct QCImportCalibrationPass
    : qc::impl::QCImportCalibrationBase<QCImportCalibrationPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto buffer = llvm::MemoryBuffer::getFile(table);
    if (!buffer) {
      module.emitError() << "cannot read calibration table '" << table
                         << "': " << buffer.getError().message();
      return signalPassFailure();
    }
    auto json = llvm::json::parse((*buffer)->getBuffer());
    if (!json) {
      module.emitError() << "calibration table '" << table
                         << "' is not valid JSON: "
                         << llvm::toString(json.takeError());
      return signalPassFailure();
    }
    const llvm::json::Object *root = json->getAsObject();
    const llvm::json::Object *tensors =
        root ? root->getObject("tensors") : nullptr;
    if (!tensors) {
      module.emitError() << "calibration table '" << table
                         << "' has no \"tensors\" object";
      return signalPassFailure();
    }
    qc::CalibrationMethod calibration;
    std::string methodError;
    if (!qc::parseCalibrationMethod(method, calibration, methodError)) {
      module.emitError() << methodError;
      return signalPassFailure();
    }
    bool needsHistogram = calibration.kind == qc::CalibrationMethod::Percentile ||
                          calibration.kind == qc::CalibrationMethod::Entropy ||
                          calibration.kind == qc::CalibrationMethod::MSE;
    WalkResult result = module.walk([&](qc::ObserveOp obs) {
      const llvm::json::Object *entry = tensors->getObject(obs.getName());
      std::optional<double> min = entry ? entry->getNumber("min") : std::nullopt;
      std::optional<double> max = entry ? entry->getNumber("max") : std::nullopt;
      std::optional<int64_t> count =
          entry ? entry->getInteger("count") : std::nullopt;
      if (!min || !max) {
        obs.emitError() << "calibration table '" << table
                        << "' has no min/max for tensor '" << obs.getName()
                        << "'";
        return WalkResult::interrupt();
      }
      if (count && *count <= 0) {
        obs.emitError() << "calibration table '" << table << "': tensor '"
                        << obs.getName() << "' has count " << *count
                        << "; statistics need at least one value";
        return WalkResult::interrupt();
      }
      if (!std::isfinite(*min) || !std::isfinite(*max) || *min > *max) {
        obs.emitError() << "calibration table '" << table << "': tensor '"
                        << obs.getName() << "' has an invalid range [" << *min
                        << ", " << *max << "]";
        return WalkResult::interrupt();
      }
      qc::Histogram histogram;
      if (const llvm::json::Object *h = entry->getObject("histogram")) {
        histogram.lo = h->getNumber("lo").value_or(0.0);
        histogram.hi = h->getNumber("hi").value_or(0.0);
        if (const llvm::json::Array *bins = h->getArray("bins"))
          for (const llvm::json::Value &b : *bins)
            histogram.bins.push_back(b.getAsInteger().value_or(0));
      }
      if (needsHistogram && histogram.bins.empty()) {
        obs.emitError() << "calibration table '" << table << "': tensor '"
                        << obs.getName() << "' has no histogram, which method '"
                        << method << "' needs";
        return WalkResult::interrupt();
      }
      // Every method is scale invariant; run it on values scaled by a power
      // of two (exact) to magnitude ~1, so tiny or huge tensors don't lose
      // precision in the searches.
      double magnitude = std::max(std::fabs(*min), std::fabs(*max));
      int exponent = magnitude > 0 ? std::ilogb(magnitude) : 0;
      auto down = [&](double v) { return std::ldexp(v, -exponent); };
      histogram.lo = down(histogram.lo);
      histogram.hi = down(histogram.hi);
      qc::TensorStatistics stats = qc::TensorStatistics::fromSerialized(
          down(*min), down(*max), count.value_or(1),
          down(entry->getNumber("moving_min").value_or(*min)),
          down(entry->getNumber("moving_max").value_or(*max)), histogram);
      qc::Range range = qc::selectRange(stats, calibration);
      range.min = std::ldexp(range.min, exponent);
      range.max = std::ldexp(range.max, exponent);
      // A method must not collapse a tensor that varies to a single value.
      if (!(range.max > range.min) && *max > *min)
        range = {*min, *max};
      obs.setStatsAttr(qc::StatsAttr::get(obs.getContext(), range.min,
                                          range.max, count.value_or(0)));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
