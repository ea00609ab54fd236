//===- QuantMath.h - scale, zero-point and multiplier arithmetic -*- C++ -*-===//
//
// The numeric side of qc's quantization contract, as plain C++ (no MLIR) so it
// is unit-tested in isolation. The generated code and the passes derive every
// integer constant through these functions.
//
//===----------------------------------------------------------------------===//

#ifndef QC_DIALECT_QC_UTILS_QUANTMATH_H
#define QC_DIALECT_QC_UTILS_QUANTMATH_H

#include <cstdint>
#include <vector>

namespace qc {

/// Per-tensor asymmetric int8 parameters: real = scale * (q - zeroPoint).
struct AffineParams {
  double scale;
  int32_t zeroPoint;
};

/// Parameters covering [min, max] (widened to contain 0) with int8 [-128, 127].
/// A degenerate range gets scale 1 so that 0 stays exact.
AffineParams chooseActivationParams(double min, double max);

/// Symmetric per-channel weight scale max|w| / 127 (1 for an all-zero channel).
double chooseWeightScale(double maxAbs);

/// A positive real multiplier M as m * 2^-shift with m in [2^30, 2^31) and
/// shift in [1, 62]. Multipliers below 2^-32 give m = 0.
struct FixedPointMultiplier {
  int32_t multiplier;
  int32_t shift;
};
FixedPointMultiplier quantizeMultiplier(double realMultiplier);

/// Two multipliers sharing one shift, for the single-rounding int8 add.
struct PairedMultiplier {
  int32_t lhs, rhs;
  int32_t shift;
};
PairedMultiplier quantizePairedMultiplier(double lhs, double rhs);

/// A second real multiplier expressed against an existing shift:
/// llround(real · 2^shift), for terms that share one rounding (the residual
/// of a fused skip connection).
int64_t alignedMultiplier(double realMultiplier, int32_t shift);

/// The rounding rule: (x + 2^(shift-1)) >> shift, an arithmetic shift, so
/// halves round toward +infinity.
int64_t roundingShift(int64_t x, int32_t shift);

/// Rounds to the nearest integer, ties to even.
double roundHalfEven(double x);

/// The reduction steps of a dense layer's int8 weights `w` ([outChannels]
/// [taps][channels], row-major) that hold a -128, per vector of `lanes`
/// output channels: step tap·ceil(channels/4) + channel/4 (a tap's group of
/// 4 input channels), ascending. Kernels exact only on weights in [-127,
/// 127] run these steps again with weight -1 at the -128s.
std::vector<std::vector<int64_t>> minWeightSteps(const int8_t *w,
                                                 int64_t outChannels,
                                                 int64_t taps, int64_t channels,
                                                 int64_t lanes);

} // namespace qc

#endif // QC_DIALECT_QC_UTILS_QUANTMATH_H
