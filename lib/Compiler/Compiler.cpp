//===- Compiler.cpp - model in, shared library out -------------------------===//

#include "qc/Compiler/Compiler.h"
#include "Internal.h"
#include "qc/Compiler/Report.h"
#include "qc/Compiler/Codegen.h"
#include "qc/Compiler/Npy.h"
#include "qc/Dialect/QC/Transforms/Passes.h"
#include "qc/Dialect/QC/Utils/Calibration.h"
#include "qc/Import/OnnxImporter.h"
#include "qc/Pipelines/Pipelines.h"
#include "qc/Target/TargetInfo.h"

#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <dlfcn.h>
#include <unistd.h>

using namespace mlir;

namespace qc {


namespace {

OwningOpRef<ModuleOp> loadModel(MLIRContext &ctx, const CompileOptions &options,
                                DiagnosticCollector &diags,
                                std::string &error) {
  const std::string &path = options.modelPath;
  if (!llvm::sys::fs::exists(path)) {
    error = path + ": no such file";
    return {};
  }
  if (llvm::StringRef(path).ends_with(".mlir")) {
    OwningOpRef<ModuleOp> m = parseSourceFile<ModuleOp>(path, &ctx);
    if (!m)
      error = diags.take(path + ": cannot parse MLIR");
    return m;
  }
  ImportOptions importOptions;
  importOptions.inputShapes = options.inputShapes;
  OwningOpRef<ModuleOp> m = importOnnxFile(ctx, path, importOptions, error);
  if (!m && error.empty())
    error = diags.take(path + ": ONNX import failed");
  return m;
}

/// Compiles the float graph with every observed tensor as an extra output,
/// runs it on the calibration set and writes the min/max table.
bool calibrate(ModuleOp floatModule, const std::vector<TensorSignature> &inputs,
               const CompileOptions &options, const std::string &tablePath,
               DiagnosticCollector &diags, std::string &error) {
  CalibrationSet set;
  if (!loadCalibrationData(options.calibrationData, inputs, set, error))
    return false;
  CompiledGraph graph;
  size_t firstObserved = 0;
  if (!loadObservedFloatGraph(floatModule, "qc_calib", options.linker, graph,
                              firstObserved, diags, error))
    return false;
  const std::vector<TensorSignature> &ins = graph.interface().inputs;
  const std::vector<TensorSignature> &outs = graph.interface().outputs;
  CalibrationMethod method;
  std::string methodError;
  parseCalibrationMethod(options.calibrationMethod, method, methodError);
  std::vector<TensorStatistics> stats(
      outs.size(), TensorStatistics(method.numBins, method.averagingConstant));
  auto start = std::chrono::steady_clock::now();
  bool interactive = !std::getenv("CI") && isatty(2);
  unsigned threads = hostThreads();
  std::vector<std::vector<std::vector<float>>> slots(threads, graph.makeOutputs());
  auto runSample = [&](int64_t s, unsigned slot) {
    std::vector<const float *> in(ins.size());
    for (size_t i = 0; i < ins.size(); ++i)
      in[i] = set.arrays[i].data.data() + s * ins[i].numElements();
    return graph.runInto(in, slots[slot]);
  };
  auto consume = [&](int64_t s, unsigned slot) {
    const std::vector<std::vector<float>> &outBuffers = slots[slot];
    for (size_t o = firstObserved; o < outs.size(); ++o) {
      for (float v : outBuffers[o])
        if (!std::isfinite(v)) {
          error = "tensor '" + outs[o].name + "' is not finite on calibration sample " +
                  std::to_string(s) + " (the float model overflows or divides by zero there)";
          return false;
        }
      stats[o].addSample(outBuffers[o].data(), outBuffers[o].size());
    }
    if (interactive) {
      double secs = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start).count();
      double rate = (s + 1) / std::max(secs, 1e-9);
      llvm::errs() << llvm::format("\rcalibrating: %lld/%lld samples, %.1f/s, %.1fs left ",
                                   (long long)(s + 1), (long long)set.samples,
                                   rate, (set.samples - s - 1) / rate);
    }
    return true;
  };
  if (!forEachSampleParallel(set.samples, threads, runSample, consume)) {
    if (error.empty())
      error = "the calibration build failed";
    return false;
  }
  if (interactive)
    llvm::errs() << "\n";
  llvm::json::Object tensors;
  for (size_t o = firstObserved; o < outs.size(); ++o) {
    const TensorStatistics &t = stats[o];
    Histogram h = t.histogram();
    llvm::json::Array bins;
    for (int64_t b : h.bins)
      bins.push_back(b);
    tensors[outs[o].name] = llvm::json::Object{
        {"min", t.min()},
        {"max", t.max()},
        {"count", t.count()},
        {"moving_min", t.movingMin()},
        {"moving_max", t.movingMax()},
        {"histogram", llvm::json::Object{{"lo", h.lo}, {"hi", h.hi},
                                         {"bins", std::move(bins)}}}};
  }
  llvm::json::Object root{{"version", 1},
                          {"model", options.modelPath},
                          {"samples", set.samples},
                          {"averaging_constant", method.averagingConstant},
                          {"tensors", std::move(tensors)}};
  if (llvm::Error e = llvm::writeToOutput(tablePath, [&](llvm::raw_ostream &os) {
        os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
        return llvm::Error::success();
      })) {
    error = tablePath + ": cannot write: " + llvm::toString(std::move(e));
    return false;
  }
  return true;
}

OpPrintingFlags printingFlags(const CompileOptions &options) {
  OpPrintingFlags flags;
  if (options.printLocations)
    flags.enableDebugInfo(true, /*prettyForm=*/false);
  return flags;
}

bool writeText(const std::string &path, llvm::function_ref<void(llvm::raw_ostream &)> fn,
               std::string &error) {
  // A uniquely named temporary next to `path`, renamed over it: concurrent
  // compiles into one directory never see each other's partial files.
  if (llvm::Error e = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
        fn(os);
        return llvm::Error::success();
      })) {
    error = path + ": cannot write: " + llvm::toString(std::move(e));
    return false;
  }
  return true;
}

/// Quantizes `module` in place from the calibration table. With a report or
/// an accuracy target, measures the compiled int8 code against float and,
/// for the target, keeps the worst int8 layers in float until the first
/// output's SQNR reaches it.
bool quantizeWithAccuracy(OwningOpRef<ModuleOp> &module, const std::string &table,
                          const CompileOptions &options,
                          const LibraryInterface &abi, DiagnosticCollector &diags,
                          std::string &error) {
  bool haveTarget = !std::isnan(options.accuracyTargetDb);
  bool measure = haveTarget || !options.reportPath.empty();
  CalibrationSet data;
  if (measure) {
    std::string path = options.reportData.empty() ? options.calibrationData
                                                  : options.reportData;
    if (path.empty()) {
      error = "--report and --accuracy-target need data: give --report-data "
              "(or --calibration-data)";
      return false;
    }
    if (!loadCalibrationData(path, abi.inputs, data, error))
      return false;
  }
  // Every layer named in --keep-float must be one of the calibrated tensors.
  if (!options.keepFloat.empty()) {
    auto buffer = llvm::MemoryBuffer::getFile(table);
    llvm::Expected<llvm::json::Value> json =
        buffer ? llvm::json::parse((*buffer)->getBuffer())
               : llvm::Expected<llvm::json::Value>(llvm::createStringError(
                     buffer.getError(), "cannot read"));
    const llvm::json::Object *tensors =
        json && json->getAsObject() ? json->getAsObject()->getObject("tensors")
                                    : nullptr;
    if (!json)
      llvm::consumeError(json.takeError());
    if (tensors) {
      std::vector<std::string> known;
      for (const auto &kv : *tensors)
        known.push_back(kv.first.str());
      llvm::sort(known);
      for (const std::string &k : options.keepFloat)
        if (!tensors->get(k)) {
          error = "--keep-float: no layer named '" + k +
                  "' (layers: " + llvm::join(known, ", ") + ")";
          return false;
        }
    }
  }
  OwningOpRef<ModuleOp> floatModule(module->clone());
  std::vector<std::string> keep = options.keepFloat;
  std::vector<std::string> moved;
  llvm::json::Array steps;
  AccuracyReport report;
  for (;;) {
    OwningOpRef<ModuleOp> quantized(floatModule->clone());
    QuantizePipelineOptions quantizeOptions;
    quantizeOptions.calibrationTable = table;
    quantizeOptions.calibrationMethod = options.calibrationMethod;
    quantizeOptions.keepFloat = llvm::ArrayRef<std::string>(keep);
    if (!runPipeline(*quantized, [&](OpPassManager &pm) {
          buildQuantizePipeline(pm, quantizeOptions);
        }, diags, "quantization", error))
      return false;
    if (measure && !measureAccuracy(*floatModule, *quantized, data,
                                    options.linker, keep, diags, report, error))
      return false;
    double achieved = report.outputs.empty() ? 0 : report.outputs[0].sqnrDb;
    if (haveTarget)
      steps.push_back(llvm::json::Object{
          {"kept_float", llvm::json::Array(keep)},
          {"output_sqnr_db", achieved}});
    if (!haveTarget || achieved >= options.accuracyTargetDb) {
      module = std::move(quantized);
      break;
    }
    // The int8 layer that adds the most error goes to float next.
    const LayerAccuracy *worst = nullptr;
    for (const LayerAccuracy &l : report.layers)
      if (l.precision == "int8" && !llvm::is_contained(keep, l.name) &&
          (!worst || l.sqnrDropDb > worst->sqnrDropDb))
        worst = &l;
    if (!worst) {
      error = llvm::formatv("accuracy target {0} dB not reachable: with every "
                            "int8 layer in float the output SQNR is {1:F2} dB",
                            options.accuracyTargetDb, achieved);
      return false;
    }
    keep.push_back(worst->name);
    moved.push_back(worst->name);
  }
  if (haveTarget)
    llvm::errs() << llvm::formatv(
        "qc-compile: accuracy target {0} dB met ({1:F2} dB) with {2} layer(s) "
        "moved to float{3}{4}\n",
        options.accuracyTargetDb,
        report.outputs.empty() ? 0.0 : report.outputs[0].sqnrDb, moved.size(),
        moved.empty() ? "" : ": ", llvm::join(moved, ", "));
  if (options.reportPath.empty())
    return true;
  llvm::json::Object root = std::move(*toJSON(report).getAsObject());
  root["model"] = options.modelPath;
  root["target"] = options.target;
  root["calibration_method"] = options.calibrationMethod;
  root["kept_float"] = llvm::json::Array(keep);
  if (haveTarget)
    root["accuracy_target"] = llvm::json::Object{
        {"target_db", options.accuracyTargetDb},
        {"met", true},
        {"moved_to_float", llvm::json::Array(moved)},
        {"steps", std::move(steps)}};
  if (!writeText(options.reportPath, [&](llvm::raw_ostream &os) {
        os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
      }, error))
    return false;
  if (!report.outputs.empty())
    llvm::errs() << llvm::formatv(
        "qc-compile: int8 vs float on {0} samples: output SQNR {1:F2} dB, cosine "
        "{2:F6}, argmax agreement {3:F2}%; lowest layer SQNR: {4}\n",
        report.samples, report.outputs[0].sqnrDb, report.outputs[0].cosine,
        100 * report.outputs[0].argmaxAgreement,
        report.worstLayer.empty() ? "-" : report.worstLayer);
  return true;
}

} // namespace

/// --io int8: the graph takes each input as the int8 tensor its quantize
/// would produce and returns each output as the int8 tensor its dequantize
/// reads; the quantization goes into qc.scale / qc.zero_point attributes.
static bool makeInt8Interface(func::FuncOp f, std::string &error) {
  MLIRContext *ctx = f.getContext();
  OpBuilder b(ctx);
  Block &entry = f.getBody().front();
  auto attrName = [&](DictionaryAttr d, std::string fallback) {
    auto n = d ? d.getAs<StringAttr>("qc.name") : StringAttr();
    return n ? n.str() : fallback;
  };
  auto quantAttrs = [&](quant::UniformQuantizedType q) {
    return std::make_pair(b.getF64FloatAttr(q.getScale()),
                          b.getI64IntegerAttr(q.getZeroPoint()));
  };
  for (BlockArgument arg : entry.getArguments()) {
    std::string name = attrName(f.getArgAttrDict(arg.getArgNumber()),
                                "input" + std::to_string(arg.getArgNumber()));
    Type qType;
    bool ok = !arg.use_empty();
    for (Operation *user : arg.getUsers()) {
      auto q = dyn_cast<quant::QuantizeCastOp>(user);
      ok = ok && q && (!qType || q.getType() == qType);
      if (q)
        qType = q.getType();
    }
    auto tensorType = qType ? dyn_cast<RankedTensorType>(qType) : RankedTensorType();
    auto uq = tensorType ? dyn_cast<quant::UniformQuantizedType>(
                               tensorType.getElementType())
                         : quant::UniformQuantizedType();
    if (!ok || !uq) {
      error = "input '" + name +
              "' is not read as one per-tensor int8 tensor (it feeds a float "
              "op or differently quantized ops); --io int8 needs every input "
              "quantized";
      return false;
    }
    arg.setType(tensorType.clone(b.getI8Type()));
    b.setInsertionPointToStart(&entry);
    Value typed = quant::StorageCastOp::create(b, arg.getLoc(), tensorType, arg);
    for (Operation *user : llvm::make_early_inc_range(arg.getUsers()))
      if (user != typed.getDefiningOp()) {
        user->getResult(0).replaceAllUsesWith(typed);
        user->erase();
      }
    auto [scale, zp] = quantAttrs(uq);
    f.setArgAttr(arg.getArgNumber(), "qc.scale", scale);
    f.setArgAttr(arg.getArgNumber(), "qc.zero_point", zp);
  }
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  for (OpOperand &operand : ret->getOpOperands()) {
    unsigned i = operand.getOperandNumber();
    std::string name = attrName(f.getResultAttrDict(i), "output" + std::to_string(i));
    auto dq = operand.get().getDefiningOp<quant::DequantizeCastOp>();
    auto inType = dq ? cast<RankedTensorType>(dq.getInput().getType())
                     : RankedTensorType();
    auto uq = inType ? dyn_cast<quant::UniformQuantizedType>(inType.getElementType())
                     : quant::UniformQuantizedType();
    if (!uq) {
      error = "output '" + name +
              "' is computed in float (not a dequantized int8 tensor); --io "
              "int8 needs every output quantized";
      return false;
    }
    b.setInsertionPoint(ret);
    operand.set(quant::StorageCastOp::create(b, dq.getLoc(),
                                             inType.clone(b.getI8Type()),
                                             dq.getInput()));
    if (dq->use_empty())
      dq->erase();
    auto [scale, zp] = quantAttrs(uq);
    f.setResultAttr(i, "qc.scale", scale);
    f.setResultAttr(i, "qc.zero_point", zp);
  }
  f.setFunctionType(FunctionType::get(ctx, entry.getArgumentTypes(),
                                      ret.getOperandTypes()));
  return true;
}

bool compileModel(const CompileOptions &options, std::string &error) {
  DialectRegistry registry;
  registerQCDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false);
  DiagnosticCollector diags(ctx);

  FailureOr<TargetAttr> target = resolveTarget(&ctx, options.target, error);
  if (failed(target))
    return false;
  if (options.vlen != 0) {
    target = specializeVectorLength(*target, options.vlen, error);
    if (failed(target))
      return false;
  }
  CalibrationMethod method;
  if (!parseCalibrationMethod(options.calibrationMethod, method, error)) {
    error = "--calibration-method: " + error;
    return false;
  }
  OwningOpRef<ModuleOp> module = loadModel(ctx, options, diags, error);
  if (!module)
    return false;
  func::FuncOp graph = graphFunction(*module);
  if (!graph) {
    error = options.modelPath + ": expected one function (or one named @main)";
    return false;
  }
  LibraryInterface abi{options.name, {}, {}, options.threads};
  if (!readSignature(graph, abi.inputs, abi.outputs, error)) {
    error = options.modelPath + ": " + error;
    return false;
  }
  if (options.emit == EmitKind::Float)
    return writeText(options.outputPath, [&](llvm::raw_ostream &os) { module->print(os, printingFlags(options)); }, error);
  (*module)->setAttr("qc.target", *target);

  // A module that already holds quantization (QDQ form or integer qc ops)
  // skips calibration.
  bool prequantized = false;
  (*module)->walk([&](Operation *op) {
    if (isa<quant::QuantizeCastOp, quant::DequantizeCastOp>(op) ||
        (isa<QCDialect>(op->getDialect()) && !isa<ObserveOp>(op)))
      prequantized = true;
  });
  if (options.int8IO && !options.quantize) {
    error = "--io int8 needs a quantized library (not --float)";
    return false;
  }
  if (prequantized && !options.quantize) {
    error = options.modelPath + ": the model is already quantized; --float does not apply";
    return false;
  }

  if (prequantized) {
    // Kernels this target cannot run (chosen for another one) are chosen
    // again; the others are kept.
    auto info = getTargetInfo(
        (*module)->getAttrOfType<TargetAttr>("qc.target"));
    (*module)->walk([&](Operation *op) {
      auto kernel = op->getAttrOfType<KernelAttr>("kernel");
      if (isa<Conv2DOp, FullyConnectedOp>(op) && kernel &&
          !info->supportsKernel(kernel))
        op->removeAttr("kernel");
    });
    if (!runPipeline(*module, [&](OpPassManager &pm) {
          pm.addNestedPass<func::FuncOp>(createQCQuantizeConstants());
          pm.addNestedPass<func::FuncOp>(createQCFuseQDQ());
          pm.addNestedPass<func::FuncOp>(createQCFuseEpilogue());
          pm.addPass(createQCSelectKernels());
        }, diags, "quantization", error))
      return false;
  }
  if (options.quantize) {
    std::string table = options.calibrationTable;
    TempDir scratch;
    if (prequantized) {
      // nothing to calibrate
    } else if (table.empty()) {
      if (options.calibrationData.empty()) {
        error = "quantizing needs --calibration-data (or --calibration-table); "
                "use --float for a float32 library";
        return false;
      }
      table = options.saveCalibrationTable.empty()
                  ? (scratch.path + "/calibration.json").str()
                  : options.saveCalibrationTable;
      if (!calibrate(*module, abi.inputs, options, table, diags, error))
        return false;
    } else if (!llvm::sys::fs::exists(table)) {
      error = table + ": no such calibration table";
      return false;
    }
    if (!prequantized &&
        !quantizeWithAccuracy(module, table, options, abi, diags, error))
      return false;
    if (options.exposeLayers &&
        !runPipeline(*module, [&](OpPassManager &pm) {
          pm.addNestedPass<func::FuncOp>(createQCExposeLayers());
        }, diags, "exposing layers", error))
      return false;
    if (options.int8IO && !makeInt8Interface(graphFunction(*module), error)) {
      error = options.modelPath + ": " + error;
      return false;
    }
    abi.inputs.clear();
    abi.outputs.clear();
    if (!readSignature(graphFunction(*module), abi.inputs, abi.outputs, error))
      return false;
    if (options.emit == EmitKind::Mlir)
      return writeText(options.outputPath, [&](llvm::raw_ostream &os) { module->print(os, printingFlags(options)); }, error);
    graph = graphFunction(*module);
    std::string graphName = options.name + "_graph";
    SymbolTable::setSymbolName(graph, graphName);
    if (!runPipeline(*module, buildInt8ToLLVMPipeline, diags,
                     "int8 code generation", error))
      return false;
  } else {
    if (options.emit == EmitKind::Mlir)
      return writeText(options.outputPath, [&](llvm::raw_ostream &os) { module->print(os, printingFlags(options)); }, error);
    SymbolTable::setSymbolName(graph, options.name + "_graph");
    if (!runPipeline(*module, buildFloatToLLVMPipeline, diags,
                     "float code generation", error))
      return false;
  }

  if (!emitLibrary(*module, options.name + "_graph", abi, *target,
                   options.emit, options.outputPath, options.linker, error)) {
    std::string details = diags.take("");
    if (!details.empty())
      error += ":\n" + details;
    return false;
  }
  if (options.emit != EmitKind::So)
    return true;
  std::string header = options.headerPath;
  if (header.empty()) {
    llvm::SmallString<256> h(llvm::sys::path::parent_path(options.outputPath));
    llvm::sys::path::append(h, options.name + ".h");
    header = std::string(h);
  }
  if (!writeText(header, [&](llvm::raw_ostream &os) { os << renderHeader(abi); }, error)) {
    llvm::sys::fs::remove(options.outputPath);
    return false;
  }
  return true;
}

} // namespace qc
