//===- Report.h - per-layer accuracy of the compiled int8 code --*- C++ -*-===//
//
// Runs the float graph and the compiled int8 code side by side on data and
// compares every quantization point: SQNR, max-abs error, saturation; for the
// model outputs also cosine similarity and argmax agreement.
//
//===----------------------------------------------------------------------===//

#ifndef QC_COMPILER_REPORT_H
#define QC_COMPILER_REPORT_H

#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qc {

/// One quantization point of the int8 graph against its float value.
struct LayerAccuracy {
  std::string name;      ///< observer / layer name (ONNX tensor producer)
  std::string op;        ///< the op computing it, e.g. "qc.conv2d", "tosa.sigmoid"
  std::string precision; ///< "int8" or "float" (computed in float, then quantized)
  double scale = 0;
  int64_t zeroPoint = 0;
  double sqnrDb = 0;     ///< 10·log10(Σ f² / Σ (q − f)²), capped at 200
  double maxAbsError = 0;
  int64_t saturated = 0; ///< float values outside the int8 range
  int64_t count = 0;
  /// The layers this one reads, and how much SQNR it loses relative to the
  /// worst of them (the error this layer itself adds).
  std::vector<std::string> inputs;
  double sqnrDropDb = 0;
};

/// A model output, int8 against float.
struct OutputAccuracy {
  std::string name;
  double sqnrDb = 0, cosine = 0, argmaxAgreement = 0;
};

/// An op left in float, and why.
struct FloatOp {
  std::string name, op, reason;
};

struct AccuracyReport {
  int64_t samples = 0;
  std::vector<LayerAccuracy> layers; ///< in graph order
  std::vector<OutputAccuracy> outputs;
  std::vector<FloatOp> floatOps;
  /// The int8 layer with the lowest SQNR ("" if none).
  std::string worstLayer;
  /// The int8 layer that adds the most error (largest SQNR drop).
  std::string largestDropLayer;
};

llvm::json::Value toJSON(const AccuracyReport &report);

} // namespace qc

#endif // QC_COMPILER_REPORT_H
