//===- Report.cpp - per-layer accuracy of the compiled int8 code ----------===//

#include "qc/Compiler/Report.h"
#include "Internal.h"

#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Pipelines/Pipelines.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>

using namespace mlir;

namespace qc {

namespace {

double sqnr(double signal, double noise) {
  if (noise <= 0)
    return 200.0;
  if (signal <= 0)
    return -200.0;
  return std::min(200.0, 10.0 * std::log10(signal / noise));
}

/// Float ops left in the quantized graph, with the reason.
std::vector<FloatOp> floatOps(ModuleOp quantModule,
                              ArrayRef<std::string> keepFloat) {
  std::vector<FloatOp> ops;
  quantModule.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() != "tosa" ||
        op->hasTrait<OpTrait::ConstantLike>() || isa<tosa::ConstShapeOp>(op))
      return;
    // Ops an int8 kernel exists for are float because a neighbour is.
    bool hasKernel = isa<tosa::Conv2DOp, tosa::DepthwiseConv2DOp, tosa::MatMulOp,
                         tosa::AddOp, tosa::ClampOp, tosa::AvgPool2dOp,
                         tosa::MaxPool2dOp, tosa::ReshapeOp, tosa::TransposeOp>(op);
    std::string reason =
        hasKernel ? "its inputs or result stay float (next to float layers)"
                  : "no int8 kernel for " + op->getName().getStringRef().str();
    // Kept float on request: it is, or feeds the chain ending in, a layer
    // named in the keep list.
    Operation *cur = op;
    for (int steps = 0; steps < 4 && cur; ++steps) {
      std::string name = qc::locationName(cur->getLoc());
      if (!name.empty() && llvm::is_contained(keepFloat, name)) {
        reason = "kept float (--keep-float / --accuracy-target)";
        break;
      }
      if (cur->getNumResults() != 1 || !cur->getResult(0).hasOneUse())
        break;
      cur = *cur->getResult(0).getUsers().begin();
    }
    ops.push_back({qc::locationName(op->getLoc()), op->getName().getStringRef().str(), reason});
  });
  return ops;
}

} // namespace

bool measureAccuracy(ModuleOp floatModule, ModuleOp quantModule,
                     const CalibrationSet &data, const std::string &linker,
                     ArrayRef<std::string> keepFloat,
                     DiagnosticCollector &diags, AccuracyReport &report,
                     std::string &error) {
  report = AccuracyReport();
  report.samples = data.samples;
  report.floatOps = floatOps(quantModule, keepFloat);

  CompiledGraph reference;
  size_t firstObserved = 0;
  if (!loadObservedFloatGraph(floatModule, "qc_report_float", linker, reference,
                              firstObserved, diags, error))
    return false;

  // The int8 graph with every layer as an output; remember each layer's op
  // and quantization before lowering.
  OwningOpRef<ModuleOp> exposed(quantModule.clone());
  if (!runPipeline(*exposed, [&](OpPassManager &pm) {
        pm.addNestedPass<func::FuncOp>(createQCExposeLayers());
      }, diags, "exposing layers", error))
    return false;
  func::FuncOp f = graphFunction(*exposed);
  // One thread per call: the samples already run in parallel.
  LibraryInterface abi{"qc_report_int8", {}, {}, 1};
  if (!readSignature(f, abi.inputs, abi.outputs, error))
    return false;
  size_t numModelOutputs = firstObserved;
  std::vector<LayerAccuracy> layers(abi.outputs.size());
  auto ret = cast<func::ReturnOp>(f.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    layers[i].name = abi.outputs[i].name;
    auto dq = v.getDefiningOp<quant::DequantizeCastOp>();
    if (!dq)
      continue;
    auto q = dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(dq.getInput().getType()).getElementType());
    Operation *producer = dq.getInput().getDefiningOp();
    if (!q || !producer)
      continue;
    layers[i].scale = q.getScale();
    layers[i].zeroPoint = q.getZeroPoint();
    if (auto qcast = dyn_cast<quant::QuantizeCastOp>(producer)) {
      Operation *computed = qcast.getInput().getDefiningOp();
      layers[i].op = computed ? computed->getName().getStringRef().str()
                              : "argument";
      layers[i].precision = computed ? "float" : "input";
    } else {
      layers[i].op = producer->getName().getStringRef().str();
      layers[i].precision = "int8";
      // The nearest named layers behind each quantized operand.
      for (Value operand : producer->getOperands()) {
        Operation *def = operand.getDefiningOp();
        while (def && !def->hasAttr("qc.layer") &&
               isa<qc::ReshapeOp, qc::TransposeOp, qc::MaxPool2DOp>(def))
          def = def->getOperand(0).getDefiningOp();
        if (auto layer = def ? def->getAttrOfType<StringAttr>("qc.layer") : nullptr)
          layers[i].inputs.push_back(layer.str());
      }
    }
  }
  std::string graphName = "qc_report_int8_graph";
  SymbolTable::setSymbolName(f, graphName);
  if (!runPipeline(*exposed, buildInt8ToLLVMPipeline, diags,
                   "int8 code generation for the report", error))
    return false;
  CompiledGraph int8;
  if (!int8.load(*exposed, graphName, abi, linker, error))
    return false;

  // Pair int8 outputs with float ones by name.
  const std::vector<TensorSignature> &fouts = reference.interface().outputs;
  std::vector<int> match(abi.outputs.size(), -1);
  for (size_t i = numModelOutputs; i < abi.outputs.size(); ++i)
    for (size_t j = firstObserved; j < fouts.size(); ++j)
      if (fouts[j].name == abi.outputs[i].name &&
          fouts[j].numElements() == abi.outputs[i].numElements())
        match[i] = j;
  for (size_t i = 0; i < numModelOutputs; ++i)
    match[i] = i;

  std::vector<double> signal(abi.outputs.size()), noise(abi.outputs.size()),
      dot(abi.outputs.size()), qpower(abi.outputs.size());
  std::vector<int64_t> agree(abi.outputs.size());
  unsigned threads = hostThreads();
  std::vector<std::vector<std::vector<float>>> fslots(threads, reference.makeOutputs());
  std::vector<std::vector<std::vector<float>>> qslots(threads, int8.makeOutputs());
  auto runSample = [&](int64_t s, unsigned slot) {
    std::vector<const float *> inputs(abi.inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      inputs[i] = data.arrays[i].data.data() + s * abi.inputs[i].numElements();
    return reference.runInto(inputs, fslots[slot]) && int8.runInto(inputs, qslots[slot]);
  };
  auto consume = [&](int64_t s, unsigned slot) {
    for (size_t i = 0; i < abi.outputs.size(); ++i) {
      if (match[i] < 0)
        continue;
      const std::vector<float> &fv = fslots[slot][match[i]];
      const std::vector<float> &qv = qslots[slot][i];
      LayerAccuracy &l = layers[i];
      double lo = l.scale * (-128 - l.zeroPoint) - l.scale / 2;
      double hi = l.scale * (127 - l.zeroPoint) + l.scale / 2;
      size_t fArg = 0, qArg = 0;
      for (size_t k = 0; k < fv.size(); ++k) {
        double f = fv[k], q = qv[k], d = q - f;
        signal[i] += f * f;
        noise[i] += d * d;
        dot[i] += f * q;
        qpower[i] += q * q;
        l.maxAbsError = std::max(l.maxAbsError, std::fabs(d));
        if (l.scale > 0 && (f < lo || f > hi))
          ++l.saturated;
        if (fv[k] > fv[fArg])
          fArg = k;
        if (qv[k] > qv[qArg])
          qArg = k;
      }
      l.count += fv.size();
      agree[i] += fArg == qArg;
    }
    return true;
  };
  if (!forEachSampleParallel(data.samples, threads, runSample, consume)) {
    error = "a report build failed";
    return false;
  }
  for (size_t i = 0; i < abi.outputs.size(); ++i) {
    if (match[i] < 0)
      continue;
    layers[i].sqnrDb = sqnr(signal[i], noise[i]);
    if (i < numModelOutputs) {
      OutputAccuracy o;
      o.name = abi.outputs[i].name;
      o.sqnrDb = layers[i].sqnrDb;
      o.cosine = signal[i] > 0 && qpower[i] > 0
                     ? dot[i] / std::sqrt(signal[i] * qpower[i])
                     : (signal[i] == qpower[i] ? 1.0 : 0.0);
      o.argmaxAgreement = data.samples ? double(agree[i]) / data.samples : 0;
      report.outputs.push_back(o);
      continue;
    }
    report.layers.push_back(layers[i]);
  }
  llvm::StringMap<double> byName;
  for (const LayerAccuracy &l : report.layers)
    byName[l.name] = l.sqnrDb;
  double worst = INFINITY, largestDrop = -INFINITY;
  for (LayerAccuracy &l : report.layers) {
    if (l.precision != "int8")
      continue;
    double upstream = 200.0;
    for (const std::string &in : l.inputs)
      if (byName.count(in))
        upstream = std::min(upstream, byName[in]);
    l.sqnrDropDb = upstream - l.sqnrDb;
    if (l.sqnrDb < worst) {
      worst = l.sqnrDb;
      report.worstLayer = l.name;
    }
    if (l.sqnrDropDb > largestDrop) {
      largestDrop = l.sqnrDropDb;
      report.largestDropLayer = l.name;
    }
  }
  return true;
}

llvm::json::Value toJSON(const AccuracyReport &report) {
  llvm::json::Array layers, outputs, floats;
  for (const LayerAccuracy &l : report.layers)
    layers.push_back(llvm::json::Object{
        {"name", l.name}, {"op", l.op}, {"precision", l.precision},
        {"scale", l.scale}, {"zero_point", l.zeroPoint},
        {"sqnr_db", l.sqnrDb}, {"max_abs_error", l.maxAbsError},
        {"saturated", l.saturated},
        {"inputs", llvm::json::Array(l.inputs)},
        {"sqnr_drop_db", l.sqnrDropDb},
        {"saturated_pct", l.count ? 100.0 * l.saturated / l.count : 0.0},
        {"values", l.count}});
  for (const OutputAccuracy &o : report.outputs)
    outputs.push_back(llvm::json::Object{{"name", o.name},
                                         {"sqnr_db", o.sqnrDb},
                                         {"cosine", o.cosine},
                                         {"argmax_agreement", o.argmaxAgreement}});
  for (const FloatOp &f : report.floatOps)
    floats.push_back(llvm::json::Object{
        {"name", f.name}, {"op", f.op}, {"reason", f.reason}});
  return llvm::json::Object{{"samples", report.samples},
                            {"outputs", std::move(outputs)},
                            {"worst_layer", report.worstLayer},
                            {"largest_drop_layer", report.largestDropLayer},
                            {"layers", std::move(layers)},
                            {"float_ops", std::move(floats)}};
}

} // namespace qc
