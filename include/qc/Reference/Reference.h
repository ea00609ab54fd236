//===- Reference.h - Scalar reference implementation of qc's int8 ops ------===//
//
// Part of qc, an MLIR-based int8 neural-network compiler.
//
//===----------------------------------------------------------------------===//
//
// The "oracle": a deliberately simple, scalar, plain-C++17 implementation of
// every integer operation that qc compiles. It shares no code with the
// compiler and is the executable form of the arithmetic contract that the
// generated code must match bit for bit.
//
// Quantization convention: real = scale * (q - zero_point).
//  * Activations are int8 per tensor, zero point in [-128, 127].
//  * Weights are int8, symmetric per output channel (zero point 0, values in
//    [-127, 127] as qc quantizes them; an imported QDQ model's may be -128).
//  * Biases are int32 with scale s_in * s_w[c] (zero point 0).
//
// Fixed-point multipliers: a positive real multiplier M is represented as an
// int32 mantissa m in [2^30, 2^31 - 1] and a right shift s in [1, 62], with
// M ~= m * 2^-s. Every rescaling uses the single rounding rule of
// roundingShift(): round half toward +infinity.
//
// Layouts: activations are dense row-major NHWC; convolution weights are OHWI.
// All pointers refer to dense, non-overlapping buffers; sizes are element
// counts. Preconditions are checked with assert() (no exceptions).
//
//===----------------------------------------------------------------------===//

#ifndef QC_REFERENCE_REFERENCE_H
#define QC_REFERENCE_REFERENCE_H

#include <cstdint>

namespace qc::ref {

//===----------------------------------------------------------------------===//
// Scalar arithmetic primitives
//===----------------------------------------------------------------------===//

/// A fixed-point multiplier: the real value m * 2^-s.
/// Normally m is in [2^30, 2^31 - 1] and s in [1, 62]. The value zero (or a
/// multiplier too small to represent) is encoded as m = 0, s = 62.
struct FixedPointMultiplier {
  /// Mantissa; in [2^30, 2^31 - 1], or 0 for a zero multiplier.
  int32_t m;
  /// Right shift; in [1, 62].
  int s;
};

/// Converts a positive real multiplier M (0 < M < 2^30) into (m, s) with
/// M ~= m * 2^-s:  f = frexp(M, &e) (f in [0.5, 1)); q = llround(f * 2^31);
/// if q == 2^31 then q = 2^30 and e += 1; m = q; s = 31 - e.
/// The absolute error |m * 2^-s - M| is at most 2^-(s+1).
///
/// Edge cases (well-defined results, no assertion, so they can be tested):
///  * M == 0, or M so small that s would exceed 62 (M < 2^-32): returns
///    {0, 62}, i.e. the multiplier is zero and every rescaled value is 0
///    (roundingShift(0, 62) == 0).
///  * M >= 2^30 (s would be < 1), including +infinity: a caller error (qc
///    never produces such multipliers); returns the saturated {2^31 - 1, 1}.
///  * Negative or NaN M: a caller error; returns {0, 62}.
FixedPointMultiplier quantizeMultiplier(double M);

/// The one rounding rule: x / 2^s rounded half toward +infinity, computed as
/// (x + 2^(s-1)) >> s with an arithmetic (flooring) right shift.
/// Preconditions: 1 <= s <= 62 and |x| < 2^62 (so the addition cannot
/// overflow).
int64_t roundingShift(int64_t x, int s);

/// Requantizes an int32 accumulator to int8:
/// clamp(zpOut + roundingShift(int64_t(acc) * m, s), clampMin, clampMax),
/// with the sum formed in int64 before clamping.
/// Preconditions: 0 <= m <= 2^31 - 1, 1 <= s <= 62,
/// -128 <= clampMin <= clampMax <= 127.
int8_t requantize(int32_t acc, int32_t m, int s, int32_t zpOut,
                  int32_t clampMin, int32_t clampMax);

/// Rounds a float to the nearest integral value, ties to even, independently
/// of the floating-point environment. NaN and infinities are returned
/// unchanged; the sign of zero is preserved.
float roundHalfToEven(float t);

/// Quantizes one float: t = x * invScale (a single float multiply);
/// t = roundHalfToEven(t); t = fmin(fmax(t, -128 - zp), 127 - zp);
/// result int8(int32(t) + zp). A NaN input yields -128; +/-inf saturate.
/// invScale is float(1.0 / double(scale)), computed once per tensor.
int8_t quantizeValue(float x, float invScale, int32_t zp);

/// Dequantizes one int8: float(int32_t(q) - zp) * scale (one float multiply).
float dequantizeValue(int8_t q, float scale, int32_t zp);

/// Two fixed-point multipliers sharing one shift, as used by add().
struct AddMultipliers {
  /// Mantissa of the multiplier applied to the left operand.
  int32_t ma;
  /// Mantissa of the multiplier applied to the right operand.
  int32_t mb;
  /// Common right shift, in [1, 62].
  int s;
};

/// Quantizes the two real multipliers of an addition with a shared shift.
/// The larger of Ma, Mb is quantized with quantizeMultiplier(), giving
/// (m_big, S); the smaller gets m_small = llround(M_small * 2^S), capped at
/// m_big (so m_small <= m_big <= 2^31 - 1). Equal multipliers get equal
/// mantissas; a zero multiplier gets mantissa 0; if both are zero, or the
/// larger one is too small to represent (m_big == 0), the result is {0, 0, 62}.
/// Preconditions: Ma >= 0, Mb >= 0, max(Ma, Mb) < 2^30.
AddMultipliers quantizeAddMultipliers(double Ma, double Mb);

/// Output spatial size of a convolution/pooling window along one axis:
/// floor((in + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride)
/// + 1, using flooring division. May be <= 0 for degenerate geometry; callers
/// must validate.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBefore,
                         int64_t padAfter);

//===----------------------------------------------------------------------===//
// Operations
//===----------------------------------------------------------------------===//

/// Geometry and quantization parameters of conv2d().
struct Conv2DParams {
  /// Batch size N.
  int64_t batch = 1;
  /// Input height H.
  int64_t inHeight = 1;
  /// Input width W.
  int64_t inWidth = 1;
  /// Input channels C (must be divisible by groups).
  int64_t inChannels = 1;
  /// Output channels O (must be divisible by groups).
  int64_t outChannels = 1;
  /// Kernel height KH.
  int64_t kernelHeight = 1;
  /// Kernel width KW.
  int64_t kernelWidth = 1;
  /// Vertical stride (>= 1).
  int64_t strideH = 1;
  /// Horizontal stride (>= 1).
  int64_t strideW = 1;
  /// Vertical dilation (>= 1).
  int64_t dilationH = 1;
  /// Horizontal dilation (>= 1).
  int64_t dilationW = 1;
  /// Padding rows above the input (>= 0).
  int64_t padTop = 0;
  /// Padding columns left of the input (>= 0).
  int64_t padLeft = 0;
  /// Padding rows below the input (>= 0).
  int64_t padBottom = 0;
  /// Padding columns right of the input (>= 0).
  int64_t padRight = 0;
  /// Number of groups; depthwise convolution is groups == inChannels.
  int64_t groups = 1;
  /// Input zero point zx.
  int32_t inputZeroPoint = 0;
  /// Output zero point.
  int32_t outputZeroPoint = 0;
  /// Lower output bound (int8 domain), e.g. outputZeroPoint for a fused ReLU.
  int32_t clampMin = -128;
  /// Upper output bound (int8 domain).
  int32_t clampMax = 127;
};

/// Output height OH of conv2d() for the given parameters.
int64_t conv2dOutputHeight(const Conv2DParams &p);

/// Output width OW of conv2d() for the given parameters.
int64_t conv2dOutputWidth(const Conv2DParams &p);

/// The skip-connection input of a convolution epilogue (a fused residual add).
struct ResidualInput {
  /// int8 [N, OH, OW, O], laid out like the convolution's output.
  const int8_t *values = nullptr;
  /// Zero point zr of the residual.
  int32_t zeroPoint = 0;
  /// Per output channel mr[o] = residualMultiplier(s_r / s_out, s[o]).
  const int64_t *multipliers = nullptr;
};

/// The residual's multiplier aligned to a channel's shift:
/// llround(realMultiplier * 2^shift).
int64_t residualMultiplier(double realMultiplier, int shift);

/// Grouped 2-D convolution, int8 x int8 -> int32 -> int8.
///  * input:   int8 NHWC [N, H, W, C], zero point p.inputZeroPoint (zx).
///  * weight:  int8 OHWI [O, KH, KW, C / groups], symmetric (zero point 0).
///  * bias:    int32 [O], or null for all zeros.
///  * multipliers, shifts: per output channel (m[o], s[o]), [O] each.
///  * output:  int8 NHWC [N, OH, OW, O].
/// Group g reads input channels [g*C/groups, (g+1)*C/groups) and produces
/// output channels [g*O/groups, (g+1)*O/groups).
/// acc[o] = bias[o] + sum over in-bounds taps of (x - zx) * w; padded taps
/// contribute nothing (the padding value is the real zero). The accumulator
/// is this exact sum reduced to int32 with two's-complement wrap-around (the
/// value any order of wrapping int32 additions produces; no wrap occurs for
/// realistic shapes). Then output = requantize(acc[o], m[o], s[o],
/// outputZeroPoint, clampMin, clampMax). With a residual r the epilogue is
/// clamp(outputZeroPoint + roundingShift(acc·m[o] + (r − zr)·mr[o], s[o])):
/// both terms share the one rounding.
void conv2d(const Conv2DParams &p, const int8_t *input, const int8_t *weight,
            const int32_t *bias, const int32_t *multipliers,
            const int32_t *shifts, int8_t *output,
            const ResidualInput *residual = nullptr);

/// Parameters of fullyConnected().
struct FullyConnectedParams {
  /// Number of input rows M.
  int64_t rows = 1;
  /// Reduction size K.
  int64_t inFeatures = 1;
  /// Number of outputs per row N.
  int64_t outFeatures = 1;
  /// Input zero point zx.
  int32_t inputZeroPoint = 0;
  /// Output zero point.
  int32_t outputZeroPoint = 0;
  /// Lower output bound (int8 domain).
  int32_t clampMin = -128;
  /// Upper output bound (int8 domain).
  int32_t clampMax = 127;
};

/// Fully connected layer.
///  * input:  int8 [M, K], zero point zx.
///  * weight: int8 [N, K] (row n produces output n), symmetric.
///  * bias:   int32 [N], or null for all zeros.
///  * multipliers, shifts: per output (m[n], s[n]), [N] each.
///  * output: int8 [M, N].
/// acc = bias[n] + sum_k (x[m,k] - zx) * w[n,k] (int32, wrapping as in
/// conv2d), then requantize with (m[n], s[n]).
void fullyConnected(const FullyConnectedParams &p, const int8_t *input,
                    const int8_t *weight, const int32_t *bias,
                    const int32_t *multipliers, const int32_t *shifts,
                    int8_t *output);

/// Parameters of matmul().
struct MatmulParams {
  /// Batch count B.
  int64_t batch = 1;
  /// Rows of the left operand M.
  int64_t rows = 1;
  /// Reduction size K.
  int64_t depth = 1;
  /// Columns of the right operand N.
  int64_t cols = 1;
  /// Zero point of the left operand za.
  int32_t lhsZeroPoint = 0;
  /// Zero point of the right operand zb.
  int32_t rhsZeroPoint = 0;
  /// Per-tensor multiplier mantissa m.
  int32_t multiplier = 1 << 30;
  /// Per-tensor shift s.
  int shift = 30;
  /// Output zero point.
  int32_t outputZeroPoint = 0;
  /// Lower output bound (int8 domain).
  int32_t clampMin = -128;
  /// Upper output bound (int8 domain).
  int32_t clampMax = 127;
};

/// Batched matrix multiplication without bias.
///  * lhs:    int8 [B, M, K], zero point za.
///  * rhs:    int8 [B, K, N], zero point zb.
///  * output: int8 [B, M, N].
/// acc = sum_k (a[b,m,k] - za) * (b[b,k,n] - zb) (int32, wrapping as in
/// conv2d), then requantize with the per-tensor (m, s).
void matmul(const MatmulParams &p, const int8_t *lhs, const int8_t *rhs,
            int8_t *output);

/// Parameters of add().
struct AddParams {
  /// Number of elements of each operand and of the output.
  int64_t count = 0;
  /// Zero point of the left operand za.
  int32_t lhsZeroPoint = 0;
  /// Zero point of the right operand zb.
  int32_t rhsZeroPoint = 0;
  /// Mantissa ma applied to the left operand (see quantizeAddMultipliers()).
  int32_t lhsMultiplier = 0;
  /// Mantissa mb applied to the right operand.
  int32_t rhsMultiplier = 0;
  /// Common shift S, in [1, 62].
  int shift = 1;
  /// Output zero point.
  int32_t outputZeroPoint = 0;
  /// Lower output bound (int8 domain).
  int32_t clampMin = -128;
  /// Upper output bound (int8 domain).
  int32_t clampMax = 127;
};

/// Element-wise addition of two int8 tensors with the same element count:
/// out = clamp(zp_out + roundingShift(int64(a - za) * ma + int64(b - zb) * mb,
/// S), clampMin, clampMax).
void add(const AddParams &p, const int8_t *lhs, const int8_t *rhs,
         int8_t *output);

/// Window geometry of maxPool2d() and avgPool2d() (dilation is 1).
struct Pool2DParams {
  /// Batch size N.
  int64_t batch = 1;
  /// Input height H.
  int64_t inHeight = 1;
  /// Input width W.
  int64_t inWidth = 1;
  /// Channels C (pooling is per channel).
  int64_t channels = 1;
  /// Window height kh.
  int64_t kernelHeight = 1;
  /// Window width kw.
  int64_t kernelWidth = 1;
  /// Vertical stride (>= 1).
  int64_t strideH = 1;
  /// Horizontal stride (>= 1).
  int64_t strideW = 1;
  /// Padding rows above the input (>= 0).
  int64_t padTop = 0;
  /// Padding columns left of the input (>= 0).
  int64_t padLeft = 0;
  /// Padding rows below the input (>= 0).
  int64_t padBottom = 0;
  /// Padding columns right of the input (>= 0).
  int64_t padRight = 0;
};

/// Output height OH of a pooling op for the given geometry.
int64_t pool2dOutputHeight(const Pool2DParams &p);

/// Output width OW of a pooling op for the given geometry.
int64_t pool2dOutputWidth(const Pool2DParams &p);

/// 2-D max pooling over NHWC int8 [N, H, W, C] -> [N, OH, OW, C].
/// The maximum is taken over in-bounds taps only (padding is ignored). The
/// output has the input's scale and zero point (no requantization). A window
/// with no in-bounds tap (only possible when padding >= kernel) yields -128.
void maxPool2d(const Pool2DParams &p, const int8_t *input, int8_t *output);

/// Quantization parameters of avgPool2d().
struct AvgPoolQuant {
  /// Input scale s_in.
  double inputScale = 1.0;
  /// Input zero point zx.
  int32_t inputZeroPoint = 0;
  /// Output scale s_out.
  double outputScale = 1.0;
  /// Output zero point.
  int32_t outputZeroPoint = 0;
  /// Lower output bound (int8 domain).
  int32_t clampMin = -128;
  /// Upper output bound (int8 domain).
  int32_t clampMax = 127;
  /// If true the divisor is always kh * kw; otherwise it is the number of
  /// in-bounds taps of the window.
  bool countIncludePad = false;
};

/// 2-D average pooling over NHWC int8 [N, H, W, C] -> [N, OH, OW, C].
/// sum = sum over in-bounds taps of (x - zx); count = number of in-bounds
/// taps, or kh * kw if countIncludePad; (m, s) = quantizeMultiplier(s_in /
/// (s_out * count)) (one multiplier per distinct count); out = clamp(zp_out +
/// roundingShift(int64(sum) * m, s)). A window with count == 0 yields
/// clamp(zp_out). Global average pooling is kernel == (H, W) with no padding.
void avgPool2d(const Pool2DParams &p, const AvgPoolQuant &q,
               const int8_t *input, int8_t *output);

/// Quantizes n floats with quantizeValue(input[i], invScale, zp), where
/// invScale = float(1.0 / double(scale)) is computed once by the caller.
void quantize(const float *input, int8_t *output, int64_t n, float invScale,
              int32_t zp);

/// Dequantizes n int8 values with dequantizeValue(input[i], scale, zp).
void dequantize(const int8_t *input, float *output, int64_t n, float scale,
                int32_t zp);

/// out[i] = table[in[i] + 128] for n values (a 256-entry int8 table).
void lookupTable(const int8_t *input, int8_t *output, int64_t n,
                 const int8_t *table);

/// Maximum rank supported by transpose().
constexpr int kMaxTransposeRank = 6;

/// Transposes a dense row-major int8 tensor of rank 0..6 (rank 0 copies the
/// single element).
///  * inShape: [rank] input dimensions (may be null when rank == 0).
///  * perm:    [rank] permutation of 0..rank-1 (may be null when rank == 0);
///             output dimension i is input dimension perm[i], i.e.
///             outShape[i] = inShape[perm[i]] and out[i_0, ..., i_{r-1}] =
///             in[j] with j[perm[i]] = i_i.
void transpose(const int8_t *input, int8_t *output, int rank,
               const int64_t *inShape, const int *perm);

} // namespace qc::ref

#endif // QC_REFERENCE_REFERENCE_H
