//===- Internal.h - pieces shared by the compiler driver -------*- C++ -*-===//
//
// Not installed: helpers the driver (Compiler.cpp), calibration and the
// accuracy report share.
//
//===----------------------------------------------------------------------===//

#ifndef QC_LIB_COMPILER_INTERNAL_H
#define QC_LIB_COMPILER_INTERNAL_H

#include "qc/Compiler/Codegen.h"
#include "qc/Compiler/Compiler.h"
#include "qc/Compiler/Npy.h"
#include "qc/Target/TargetInfo.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <string>
#include <vector>

namespace qc {

/// Collects error diagnostics as "location: message" lines.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(mlir::MLIRContext &ctx)
      : handler(&ctx, [this](mlir::Diagnostic &d) {
          if (d.getSeverity() != mlir::DiagnosticSeverity::Error)
            return mlir::success();
          std::string line;
          llvm::raw_string_ostream os(line);
          os << d.getLocation() << ": " << d;
          for (mlir::Diagnostic &note : d.getNotes())
            os << "\n  note: " << note;
          messages.push_back(line);
          return mlir::success();
        }) {}
  std::string take(llvm::StringRef fallback) {
    std::string all;
    for (const std::string &m : messages)
      all += (all.empty() ? "" : "\n") + m;
    messages.clear();
    return all.empty() ? fallback.str() : all;
  }

private:
  std::vector<std::string> messages;
  mlir::ScopedDiagnosticHandler handler;
};

/// The graph function of a module: @main, or its only function.
mlir::func::FuncOp graphFunction(mlir::ModuleOp module);

/// Names and shapes of a graph function's inputs and outputs.
bool readSignature(mlir::func::FuncOp f, std::vector<TensorSignature> &inputs,
                   std::vector<TensorSignature> &outputs, std::string &error);

/// Runs the passes `build` adds; on failure `error` holds the diagnostics.
bool runPipeline(mlir::ModuleOp module,
                 llvm::function_ref<void(mlir::OpPassManager &)> build,
                 DiagnosticCollector &diags, llvm::StringRef what,
                 std::string &error);

/// Calibration inputs: one array per model input, samples on axis 0.
struct CalibrationSet {
  std::vector<NpyArray> arrays;
  int64_t samples = 0;
};

/// Loads `.npy` data for the model inputs (a file for one input, or a
/// directory of <input name>.npy), checking shapes and finiteness.
bool loadCalibrationData(const std::string &path,
                         const std::vector<TensorSignature> &inputs,
                         CalibrationSet &set, std::string &error);

/// A directory removed with everything in it when this goes out of scope.
struct TempDir {
  llvm::SmallString<128> path;
  TempDir() { llvm::sys::fs::createUniqueDirectory("qc", path); }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
};


/// A graph compiled for this host and loaded into this process: calibration
/// and the accuracy report run float and int8 builds through it.
class CompiledGraph {
public:
  CompiledGraph() = default;
  CompiledGraph(const CompiledGraph &) = delete;
  ~CompiledGraph();

  /// Lowers nothing: `lowered` must already be in the LLVM dialect, with its
  /// graph function named `graphFunction`.
  bool load(mlir::ModuleOp lowered, llvm::StringRef graphFunction,
            const LibraryInterface &abi, const std::string &linker,
            std::string &error);

  /// Runs one sample; outputs() then holds every output.
  bool run(const std::vector<const float *> &inputs);
  /// Runs one sample into caller-owned buffers (safe from several threads).
  bool runInto(const std::vector<const float *> &inputs,
               std::vector<std::vector<float>> &outputs) const;
  /// Fresh output buffers shaped like outputs().
  std::vector<std::vector<float>> makeOutputs() const { return buffers; }

  const std::vector<std::vector<float>> &outputs() const { return buffers; }
  const LibraryInterface &interface() const { return abi; }

private:
  TempDir dir;
  LibraryInterface abi;
  void *handle = nullptr;
  int (*runFn)(const float *const *, float *const *) = nullptr;
  std::vector<std::vector<float>> buffers;
};

/// Runs `run(sample, slot)` for samples [0, count) on up to `threads`
/// threads, then `consume(sample, slot)` for each in sample order, so results
/// do not depend on the thread count. Stops at the first failure.
bool forEachSampleParallel(int64_t count, unsigned threads,
                           llvm::function_ref<bool(int64_t, unsigned)> run,
                           llvm::function_ref<bool(int64_t, unsigned)> consume);

/// Threads to run host builds on.
unsigned hostThreads();

/// Builds the float graph with every tensor the quantizer observes as an extra
/// output (after the model's own outputs, from index `firstObserved` on) and
/// loads it; the symbol prefix is `name`.
bool loadObservedFloatGraph(mlir::ModuleOp floatModule, llvm::StringRef name,
                            const std::string &linker, CompiledGraph &graph,
                            size_t &firstObserved, DiagnosticCollector &diags,
                            std::string &error);

struct AccuracyReport;

/// Compiles `floatModule` (with observers) and `quantModule` (with every
/// layer exposed) for this host, runs both on `data` and fills `report`.
bool measureAccuracy(mlir::ModuleOp floatModule, mlir::ModuleOp quantModule,
                     const CalibrationSet &data, const std::string &linker,
                     llvm::ArrayRef<std::string> keepFloat,
                     DiagnosticCollector &diags, AccuracyReport &report,
                     std::string &error);

} // namespace qc

#endif // QC_LIB_COMPILER_INTERNAL_H
