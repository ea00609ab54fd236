//===- Compiler.h - model in, shared library out ---------------*- C++ -*-===//
//
// The driver behind qc-compile and the Python package: load a float model
// (ONNX or .mlir), calibrate it, quantize it, lower it and emit a shared
// library with a C header. Every failure comes back as one message naming the
// file, op and reason; no partial output is left behind.
//
//===----------------------------------------------------------------------===//

#ifndef QC_COMPILER_COMPILER_H
#define QC_COMPILER_COMPILER_H

#include "qc/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qc {

/// What qc-compile writes.
enum class EmitKind { Float, Mlir, Llvm, Asm, Obj, So };

struct CompileOptions {
  std::string modelPath;
  std::string outputPath;       ///< "-" for stdout (text kinds only)
  std::string name = "model";   ///< C symbol prefix
  std::string target = "host";
  /// RISC-V: the vector length (bits) to specialize for; 0 = any.
  int vlen = 0;
  EmitKind emit = EmitKind::So;
  bool quantize = true;         ///< false: a float32 library with the same ABI
  std::string calibrationData;  ///< .npy file or directory of .npy files
  std::string calibrationTable; ///< reuse this table instead of calibrating
  std::string saveCalibrationTable; ///< write the measured table here
  /// minmax, moving-average[:C], percentile[:P], entropy or mse.
  std::string calibrationMethod = "minmax";
  /// Observed tensors (layer names, as in the report) kept in float.
  std::vector<std::string> keepFloat;
  std::string linker;           ///< ld.lld to use (found on PATH by default)
  std::string headerPath;       ///< default: NAME.h next to the library
  /// `--input-shape name=1x3x224x224`: binds symbolic input dims.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  bool exposeLayers = false;    ///< every integer op's result is an output too
  /// The library takes and returns int8 tensors (each with the scale and
  /// zero point its header states) instead of float32.
  bool int8IO = false;
  /// Default size of the generated library's thread pool (0: the CPUs
  /// online when it first runs); NAME_set_num_threads changes it.
  int threads = 0;
  /// Write the per-layer accuracy report (JSON) here.
  std::string reportPath;
  /// Data the report and the accuracy target are measured on (default: the
  /// calibration data).
  std::string reportData;
  /// Keep the worst layers in float until the first output's SQNR reaches
  /// this many dB (NaN: off).
  double accuracyTargetDb = NAN;
  bool printLocations = false;  ///< MLIR output carries locations (node names)
};

/// A model input or output: its name and dense row-major f32 shape.
struct TensorSignature {
  std::string name;
  std::vector<int64_t> shape;
  bool int8 = false;       ///< int8 with `scale`, `zeroPoint` (else float32)
  double scale = 0;
  int64_t zeroPoint = 0;
  int64_t numElements() const;
};

/// Runs the whole flow. Returns false with `error` set on failure.
bool compileModel(const CompileOptions &options, std::string &error);

} // namespace qc

#endif // QC_COMPILER_COMPILER_H
