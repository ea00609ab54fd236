//===- qc-compile.cpp - float model ⇒ calibrated int8 shared library ------===//

#include "qc/Compiler/Compiler.h"
#include "qc/Target/TargetInfo.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;

static cl::OptionCategory category("qc-compile options");
static cl::opt<std::string> model(cl::Positional, cl::desc("<model.onnx|model.mlir>"),
                                  cl::Required, cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Output file ('-' for stdout with text kinds)"),
                                   cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string> name("name", cl::desc("C symbol prefix (default: model)"),
                                 cl::init("model"), cl::cat(category));
static cl::opt<std::string> target("target",
                                   cl::desc(qc::knownTargetNames()),
                                   cl::init("host"), cl::cat(category));
static cl::opt<int> vlen(
    "vlen",
    cl::desc("riscv64-rvv: specialize for this vector length in bits (a power "
             "of two >= 128; fixed-length vectors); the library then needs "
             "VLEN >= N (NAME_run returns 3 on a smaller one). Default: "
             "vector-length agnostic code for any VLEN"),
    cl::init(0), cl::cat(category));
static cl::opt<std::string> calibrationData(
    "calibration-data", cl::desc(".npy file, or a directory of <input>.npy files; samples on axis 0"),
    cl::cat(category));
static cl::opt<std::string> calibrationTable(
    "calibration-table", cl::desc("Reuse this JSON calibration table instead of calibrating"),
    cl::cat(category));
static cl::opt<std::string> saveTable(
    "save-calibration-table", cl::desc("Write the measured calibration table here"),
    cl::cat(category));
static cl::opt<std::string> calibrationMethod(
    "calibration-method",
    cl::desc("How ranges are chosen: minmax, moving-average[:C], percentile[:P], entropy, mse"),
    cl::init("minmax"), cl::cat(category));
static cl::list<std::string> keepFloat(
    "keep-float", cl::desc("Layers (tensor names as in the report) kept in float"),
    cl::CommaSeparated, cl::cat(category));
static cl::opt<std::string> reportPath(
    "report", cl::desc("Write a per-layer accuracy report (JSON): int8 vs float"),
    cl::cat(category));
static cl::opt<std::string> reportData(
    "report-data", cl::desc("Data for --report / --accuracy-target (default: the calibration data)"),
    cl::cat(category));
static cl::opt<double> accuracyTarget(
    "accuracy-target",
    cl::desc("Keep the worst layers in float until the output SQNR reaches this many dB"),
    cl::init(NAN), cl::cat(category));
static cl::opt<bool> floatOnly("float", cl::desc("Build an unquantized float32 library"),
                               cl::cat(category));
static cl::opt<std::string> linker("linker", cl::desc("Path of ld.lld"), cl::cat(category));
static cl::opt<std::string> header("header", cl::desc("Where to write the C header (default: NAME.h next to the library)"),
                                   cl::cat(category));
static cl::opt<bool> printLocations(
    "print-locations", cl::desc("Print locations (ONNX node names) in MLIR output"),
    cl::cat(category));
static cl::list<std::string> inputShapes(
    "input-shape", cl::desc("Shape of a model input, binding symbolic dims: name=1x3x224x224 (repeatable)"),
    cl::cat(category));
static cl::opt<std::string> io(
    "io", cl::desc("Element type of the library's inputs and outputs: float "
                   "(default) or int8 (quantized tensors; the header gives "
                   "each one's scale and zero point)"),
    cl::value_desc("float|int8"), cl::init("float"));
static cl::opt<bool> exposeLayers(
    "expose-layers", cl::desc("Also output every integer layer's (dequantized) result"),
    cl::cat(category));
static cl::opt<qc::EmitKind> emit(
    "emit", cl::desc("What to write"), cl::init(qc::EmitKind::So),
    cl::values(clEnumValN(qc::EmitKind::Float, "float", "the imported float graph (MLIR)"),
               clEnumValN(qc::EmitKind::Mlir, "mlir", "the integer qc graph (MLIR)"),
               clEnumValN(qc::EmitKind::Llvm, "llvm", "optimized LLVM IR"),
               clEnumValN(qc::EmitKind::Asm, "asm", "assembly"),
               clEnumValN(qc::EmitKind::Obj, "obj", "an object file"),
               clEnumValN(qc::EmitKind::So, "so", "a shared library and its header")),
    cl::cat(category));

static bool validCName(StringRef s) {
  if (s.empty() || !(isAlpha(s[0]) || s[0] == '_'))
    return false;
  return llvm::all_of(s, [](char c) { return isAlnum(c) || c == '_'; });
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // libLLVM registers a "threads" option of its own; qc-compile's --threads
  // replaces it (registered here, after the library's).
  if (cl::Option *llvmThreads = cl::getRegisteredOptions().lookup("threads"))
    llvmThreads->removeArgument();
  static cl::opt<int> threads(
      "threads",
      cl::desc("Threads the generated library uses by default (0: the CPUs "
               "online; NAME_set_num_threads changes it at run time)"),
      cl::init(0), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "qc: float model to calibrated int8 shared library\n");

  qc::CompileOptions options;
  options.modelPath = model;
  options.name = name;
  options.target = target;
  options.vlen = vlen;
  options.emit = emit;
  options.quantize = !floatOnly;
  options.calibrationData = calibrationData;
  options.calibrationTable = calibrationTable;
  options.saveCalibrationTable = saveTable;
  options.linker = linker;
  options.headerPath = header;
  options.printLocations = printLocations;
  options.exposeLayers = exposeLayers;
  if (io != "float" && io != "int8") {
    llvm::errs() << "qc-compile: error: --io must be float or int8, not '" << io
                 << "'\n";
    return 1;
  }
  options.int8IO = io == "int8";
  if (threads < 0) {
    llvm::errs() << "qc-compile: error: --threads must be 0 or more\n";
    return 1;
  }
  options.threads = threads;
  options.calibrationMethod = calibrationMethod;
  options.reportPath = reportPath;
  options.reportData = reportData;
  options.accuracyTargetDb = accuracyTarget;
  options.keepFloat.assign(keepFloat.begin(), keepFloat.end());
  for (const std::string &spec : inputShapes) {
    StringRef text(spec);
    auto [inputName, dims] = text.rsplit('=');
    std::vector<int64_t> shape;
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    bool ok = !inputName.empty() && !dims.empty() && text.contains('=');
    for (StringRef d : parts) {
      int64_t v;
      if (d.getAsInteger(10, v) || v <= 0)
        ok = false;
      shape.push_back(v);
    }
    if (!ok) {
      errs() << "qc-compile: error: --input-shape '" << spec
             << "' must look like name=1x3x224x224 (positive dims)\n";
      return 1;
    }
    options.inputShapes[inputName.str()] = shape;
  }
  if (!validCName(options.name)) {
    errs() << "qc-compile: error: --name '" << options.name
           << "' is not a valid C identifier\n";
    return 1;
  }
  if (output.empty()) {
    bool text = emit == qc::EmitKind::Float || emit == qc::EmitKind::Mlir ||
                emit == qc::EmitKind::Llvm || emit == qc::EmitKind::Asm;
    options.outputPath = text ? "-" : (emit == qc::EmitKind::Obj ? options.name + ".o"
                                                                 : "lib" + options.name + ".so");
  } else {
    options.outputPath = output;
  }
  if (options.outputPath == "-" && (emit == qc::EmitKind::So || emit == qc::EmitKind::Obj)) {
    errs() << "qc-compile: error: binary output cannot go to stdout; use -o FILE\n";
    return 1;
  }
  std::string error;
  if (!qc::compileModel(options, error)) {
    errs() << "qc-compile: error: " << error << "\n";
    return 1;
  }
  return 0;
}
