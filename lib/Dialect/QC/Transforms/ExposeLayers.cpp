//===- ExposeLayers.cpp - every integer op's result as an output ----------===//

#include "qc/Dialect/QC/Transforms/Passes.h"

#include "llvm/ADT/StringSet.h"

namespace qc {
#define GEN_PASS_DEF_QCEXPOSELAYERS
#include "qc/Dialect/QC/Transforms/Passes.h.inc"
} // namespace qc

using namespace mlir;

namespace {

std::string layerName(Operation *op) {
  if (auto layer = op->getAttrOfType<StringAttr>("qc.layer"))
    return layer.str();
  std::string name = qc::locationName(op->getLoc());
  return name.empty() ? op->getName().getStringRef().str() : name;
}

struct QCExposeLayersPass : qc::impl::QCExposeLayersBase<QCExposeLayersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = func.getContext();
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    llvm::StringSet<> used;
    for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
      if (auto n = func.getResultAttrOfType<StringAttr>(i, "qc.name"))
        used.insert(n.getValue());
    SmallVector<DictionaryAttr> resultAttrs;
    for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
      resultAttrs.push_back(func.getResultAttrDict(i) ? func.getResultAttrDict(i)
                                                      : DictionaryAttr::get(ctx));
    SmallVector<Value> extra;
    func.walk([&](Operation *op) {
      // Integer ops, and the quantization points of tensors computed in
      // float.
      bool integerOp = isa<qc::QCDialect>(op->getDialect()) &&
                       !isa<qc::ObserveOp, qc::ReshapeOp, qc::Dot4Op>(op);
      if (!integerOp && !(isa<quant::QuantizeCastOp>(op) && op->hasAttr("qc.layer")))
        return;
      Value v = op->getResult(0);
      auto type = cast<RankedTensorType>(v.getType());
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      extra.push_back(quant::DequantizeCastOp::create(
          b, op->getLoc(), type.clone(Float32Type::get(ctx)), v));
      std::string name = layerName(op), candidate = name;
      for (int i = 1; used.contains(candidate); ++i)
        candidate = name + "_" + std::to_string(i);
      used.insert(candidate);
      resultAttrs.push_back(DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "qc.name"),
                               StringAttr::get(ctx, candidate))}));
    });
    ret.getOperandsMutable().append(extra);
    func.setFunctionType(FunctionType::get(ctx, func.getArgumentTypes(),
                                           ret.getOperandTypes()));
    func.setAllResultAttrs(resultAttrs);
  }
};

} // namespace
