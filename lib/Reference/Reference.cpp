//===- Reference.cpp - Scalar reference implementation of qc's int8 ops ---===//
//
// Part of qc, an MLIR-based int8 neural-network compiler.
//
//===----------------------------------------------------------------------===//
//
// Plain scalar loops implementing the arithmetic contract documented in
// qc/Reference/Reference.h. Clarity wins over speed everywhere: this code is
// the oracle the compiled kernels are checked against.
//
//===----------------------------------------------------------------------===//

#include "qc/Reference/Reference.h"

#include <cassert>
#include <cmath>
#include <cstdint>
#include <vector>

namespace qc::ref {

// The contract relies on >> of a negative int64 being an arithmetic
// (flooring) shift. This is guaranteed from C++20 and is what every
// supported compiler does in C++17.
static_assert((int64_t(-3) >> 1) == -2, "arithmetic right shift required");

namespace {

constexpr int32_t kInt32Max = 2147483647;

/// Reduces an exact accumulator to int32 with two's-complement wrap-around.
int32_t wrapToInt32(int64_t v) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v)));
}

/// Clamps v to [lo, hi] and narrows it to int8.
int8_t clampToInt8(int64_t v, int32_t lo, int32_t hi) {
  if (v < lo)
    v = lo;
  if (v > hi)
    v = hi;
  return static_cast<int8_t>(v);
}

/// Checks the int8-domain clamp bounds.
void assertClampBounds(int32_t lo, int32_t hi) {
  assert(-128 <= lo && lo <= hi && hi <= 127 && "invalid clamp bounds");
  (void)lo;
  (void)hi;
}

/// Floor division for a positive divisor.
int64_t floorDiv(int64_t a, int64_t b) {
  assert(b > 0);
  int64_t q = a / b;
  if (a % b != 0 && a < 0)
    q -= 1;
  return q;
}

} // namespace

//===----------------------------------------------------------------------===//
// Scalar arithmetic primitives
//===----------------------------------------------------------------------===//

FixedPointMultiplier quantizeMultiplier(double M) {
  if (std::isnan(M) || M <= 0.0)
    return {0, 62};
  if (std::isinf(M))
    return {kInt32Max, 1};

  int e = 0;
  double f = std::frexp(M, &e); // M = f * 2^e, f in [0.5, 1)
  int64_t q = std::llround(std::ldexp(f, 31));
  if (q == (int64_t(1) << 31)) {
    q /= 2;
    e += 1;
  }
  int s = 31 - e;
  if (s > 62)
    return {0, 62}; // Too small to represent: the multiplier is zero.
  if (s < 1)
    return {kInt32Max, 1}; // M >= 2^30: caller error, saturate.
  return {static_cast<int32_t>(q), s};
}

int64_t roundingShift(int64_t x, int s) {
  assert(s >= 1 && s <= 62 && "shift out of range");
  return (x + (int64_t(1) << (s - 1))) >> s;
}

int8_t requantize(int32_t acc, int32_t m, int s, int32_t zpOut,
                  int32_t clampMin, int32_t clampMax) {
  assert(m >= 0 && "negative multiplier");
  assertClampBounds(clampMin, clampMax);
  int64_t product = static_cast<int64_t>(acc) * m;
  int64_t value = static_cast<int64_t>(zpOut) + roundingShift(product, s);
  return clampToInt8(value, clampMin, clampMax);
}

float roundHalfToEven(float t) {
  // NaN, infinities and every |t| >= 2^23 are already integral.
  if (!(std::fabs(t) < 8388608.0f))
    return t;
  float magnitude = std::fabs(t);
  float whole = std::floor(magnitude);
  float fraction = magnitude - whole; // Exact: both are < 2^23 and >= 0.
  float rounded;
  if (fraction > 0.5f)
    rounded = whole + 1.0f;
  else if (fraction < 0.5f)
    rounded = whole;
  else if (std::fmod(whole, 2.0f) == 0.0f)
    rounded = whole; // Tie, whole is even.
  else
    rounded = whole + 1.0f; // Tie, whole is odd.
  return std::copysign(rounded, t);
}

int8_t quantizeValue(float x, float invScale, int32_t zp) {
  // One float multiply; there is no addition, so no contraction is possible.
  float t = x * invScale;
  t = roundHalfToEven(t);
  // fmax returns the non-NaN operand, so NaN becomes the lower bound.
  t = std::fmax(t, static_cast<float>(-128 - zp));
  t = std::fmin(t, static_cast<float>(127 - zp));
  return static_cast<int8_t>(static_cast<int32_t>(t) + zp);
}

float dequantizeValue(int8_t q, float scale, int32_t zp) {
  return static_cast<float>(static_cast<int32_t>(q) - zp) * scale;
}

AddMultipliers quantizeAddMultipliers(double Ma, double Mb) {
  bool lhsIsBig = Ma >= Mb;
  double big = lhsIsBig ? Ma : Mb;
  double small = lhsIsBig ? Mb : Ma;
  FixedPointMultiplier bigQ = quantizeMultiplier(big);
  if (bigQ.m == 0)
    return {0, 0, 62};
  int64_t smallM = 0;
  if (small > 0.0)
    smallM = std::llround(std::ldexp(small, bigQ.s));
  if (smallM > bigQ.m)
    smallM = bigQ.m; // Only reachable when big saturated.
  int32_t smallM32 = static_cast<int32_t>(smallM);
  if (lhsIsBig)
    return {bigQ.m, smallM32, bigQ.s};
  return {smallM32, bigQ.m, bigQ.s};
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBefore,
                         int64_t padAfter) {
  int64_t span = in + padBefore + padAfter - dilation * (kernel - 1) - 1;
  return floorDiv(span, stride) + 1;
}

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

int64_t conv2dOutputHeight(const Conv2DParams &p) {
  return windowOutputSize(p.inHeight, p.kernelHeight, p.strideH, p.dilationH,
                          p.padTop, p.padBottom);
}

int64_t conv2dOutputWidth(const Conv2DParams &p) {
  return windowOutputSize(p.inWidth, p.kernelWidth, p.strideW, p.dilationW,
                          p.padLeft, p.padRight);
}

void conv2d(const Conv2DParams &p, const int8_t *input, const int8_t *weight,
            const int32_t *bias, const int32_t *multipliers,
            const int32_t *shifts, int8_t *output,
            const ResidualInput *residual) {
  assert(p.groups >= 1 && p.inChannels % p.groups == 0 &&
         p.outChannels % p.groups == 0 && "invalid groups");
  assert(p.strideH >= 1 && p.strideW >= 1 && p.dilationH >= 1 &&
         p.dilationW >= 1 && "invalid stride or dilation");
  assertClampBounds(p.clampMin, p.clampMax);

  const int64_t H = p.inHeight, W = p.inWidth, C = p.inChannels;
  const int64_t O = p.outChannels, KH = p.kernelHeight, KW = p.kernelWidth;
  const int64_t OH = conv2dOutputHeight(p), OW = conv2dOutputWidth(p);
  const int64_t inPerGroup = C / p.groups;
  const int64_t outPerGroup = O / p.groups;
  const int32_t zx = p.inputZeroPoint;

  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        for (int64_t o = 0; o < O; ++o) {
          const int64_t g = o / outPerGroup;
          int64_t acc = bias ? bias[o] : 0;
          for (int64_t kh = 0; kh < KH; ++kh) {
            const int64_t ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= H)
              continue;
            for (int64_t kw = 0; kw < KW; ++kw) {
              const int64_t iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= W)
                continue;
              const int8_t *x = input + ((n * H + ih) * W + iw) * C +
                                g * inPerGroup;
              const int8_t *w = weight + ((o * KH + kh) * KW + kw) * inPerGroup;
              for (int64_t ci = 0; ci < inPerGroup; ++ci)
                acc += static_cast<int64_t>(x[ci] - zx) * w[ci];
            }
          }
          const int64_t at = ((n * OH + oh) * OW + ow) * O + o;
          if (!residual) {
            output[at] = requantize(wrapToInt32(acc), multipliers[o], shifts[o],
                                    p.outputZeroPoint, p.clampMin, p.clampMax);
            continue;
          }
          int64_t sum =
              static_cast<int64_t>(wrapToInt32(acc)) * multipliers[o] +
              static_cast<int64_t>(residual->values[at] - residual->zeroPoint) *
                  residual->multipliers[o];
          output[at] = clampToInt8(
              static_cast<int64_t>(p.outputZeroPoint) + roundingShift(sum, shifts[o]),
              p.clampMin, p.clampMax);
        }
      }
    }
  }
}

int64_t residualMultiplier(double realMultiplier, int shift) {
  return std::llround(std::ldexp(realMultiplier, shift));
}

//===----------------------------------------------------------------------===//
// fullyConnected / matmul
//===----------------------------------------------------------------------===//

void fullyConnected(const FullyConnectedParams &p, const int8_t *input,
                    const int8_t *weight, const int32_t *bias,
                    const int32_t *multipliers, const int32_t *shifts,
                    int8_t *output) {
  assertClampBounds(p.clampMin, p.clampMax);
  const int64_t K = p.inFeatures, N = p.outFeatures;
  const int32_t zx = p.inputZeroPoint;
  for (int64_t m = 0; m < p.rows; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = bias ? bias[n] : 0;
      for (int64_t k = 0; k < K; ++k)
        acc += static_cast<int64_t>(input[m * K + k] - zx) * weight[n * K + k];
      output[m * N + n] =
          requantize(wrapToInt32(acc), multipliers[n], shifts[n],
                     p.outputZeroPoint, p.clampMin, p.clampMax);
    }
  }
}

void matmul(const MatmulParams &p, const int8_t *lhs, const int8_t *rhs,
            int8_t *output) {
  assertClampBounds(p.clampMin, p.clampMax);
  const int64_t M = p.rows, K = p.depth, N = p.cols;
  const int32_t za = p.lhsZeroPoint, zb = p.rhsZeroPoint;
  for (int64_t b = 0; b < p.batch; ++b) {
    const int8_t *a = lhs + b * M * K;
    const int8_t *bt = rhs + b * K * N;
    int8_t *out = output + b * M * N;
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        int64_t acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += static_cast<int64_t>(a[m * K + k] - za) * (bt[k * N + n] - zb);
        out[m * N + n] = requantize(wrapToInt32(acc), p.multiplier, p.shift,
                                    p.outputZeroPoint, p.clampMin, p.clampMax);
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// add
//===----------------------------------------------------------------------===//

void add(const AddParams &p, const int8_t *lhs, const int8_t *rhs,
         int8_t *output) {
  assertClampBounds(p.clampMin, p.clampMax);
  for (int64_t i = 0; i < p.count; ++i) {
    int64_t sum =
        static_cast<int64_t>(lhs[i] - p.lhsZeroPoint) * p.lhsMultiplier +
        static_cast<int64_t>(rhs[i] - p.rhsZeroPoint) * p.rhsMultiplier;
    int64_t value = p.outputZeroPoint + roundingShift(sum, p.shift);
    output[i] = clampToInt8(value, p.clampMin, p.clampMax);
  }
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

int64_t pool2dOutputHeight(const Pool2DParams &p) {
  return windowOutputSize(p.inHeight, p.kernelHeight, p.strideH, 1, p.padTop,
                          p.padBottom);
}

int64_t pool2dOutputWidth(const Pool2DParams &p) {
  return windowOutputSize(p.inWidth, p.kernelWidth, p.strideW, 1, p.padLeft,
                          p.padRight);
}

void maxPool2d(const Pool2DParams &p, const int8_t *input, int8_t *output) {
  assert(p.strideH >= 1 && p.strideW >= 1 && "invalid stride");
  const int64_t H = p.inHeight, W = p.inWidth, C = p.channels;
  const int64_t OH = pool2dOutputHeight(p), OW = pool2dOutputWidth(p);
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        for (int64_t c = 0; c < C; ++c) {
          int32_t best = -128;
          for (int64_t kh = 0; kh < p.kernelHeight; ++kh) {
            const int64_t ih = oh * p.strideH - p.padTop + kh;
            if (ih < 0 || ih >= H)
              continue;
            for (int64_t kw = 0; kw < p.kernelWidth; ++kw) {
              const int64_t iw = ow * p.strideW - p.padLeft + kw;
              if (iw < 0 || iw >= W)
                continue;
              const int32_t x = input[((n * H + ih) * W + iw) * C + c];
              if (x > best)
                best = x;
            }
          }
          output[((n * OH + oh) * OW + ow) * C + c] = static_cast<int8_t>(best);
        }
      }
    }
  }
}

void avgPool2d(const Pool2DParams &p, const AvgPoolQuant &q,
               const int8_t *input, int8_t *output) {
  assert(p.strideH >= 1 && p.strideW >= 1 && "invalid stride");
  assertClampBounds(q.clampMin, q.clampMax);
  const int64_t H = p.inHeight, W = p.inWidth, C = p.channels;
  const int64_t OH = pool2dOutputHeight(p), OW = pool2dOutputWidth(p);
  const int64_t windowSize = p.kernelHeight * p.kernelWidth;

  // One multiplier per distinct divisor, computed on first use.
  std::vector<FixedPointMultiplier> multiplierForCount(windowSize + 1);
  std::vector<bool> haveMultiplier(windowSize + 1, false);

  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        for (int64_t c = 0; c < C; ++c) {
          int64_t sum = 0;
          int64_t inBounds = 0;
          for (int64_t kh = 0; kh < p.kernelHeight; ++kh) {
            const int64_t ih = oh * p.strideH - p.padTop + kh;
            if (ih < 0 || ih >= H)
              continue;
            for (int64_t kw = 0; kw < p.kernelWidth; ++kw) {
              const int64_t iw = ow * p.strideW - p.padLeft + kw;
              if (iw < 0 || iw >= W)
                continue;
              sum += input[((n * H + ih) * W + iw) * C + c] - q.inputZeroPoint;
              ++inBounds;
            }
          }
          const int64_t count = q.countIncludePad ? windowSize : inBounds;
          int64_t value = q.outputZeroPoint;
          if (count > 0) {
            if (!haveMultiplier[count]) {
              multiplierForCount[count] = quantizeMultiplier(
                  q.inputScale /
                  (q.outputScale * static_cast<double>(count)));
              haveMultiplier[count] = true;
            }
            const FixedPointMultiplier fm = multiplierForCount[count];
            value += roundingShift(wrapToInt32(sum) * static_cast<int64_t>(fm.m),
                                   fm.s);
          }
          output[((n * OH + oh) * OW + ow) * C + c] =
              clampToInt8(value, q.clampMin, q.clampMax);
        }
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

void quantize(const float *input, int8_t *output, int64_t n, float invScale,
              int32_t zp) {
  for (int64_t i = 0; i < n; ++i)
    output[i] = quantizeValue(input[i], invScale, zp);
}

void dequantize(const int8_t *input, float *output, int64_t n, float scale,
                int32_t zp) {
  for (int64_t i = 0; i < n; ++i)
    output[i] = dequantizeValue(input[i], scale, zp);
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

void transpose(const int8_t *input, int8_t *output, int rank,
               const int64_t *inShape, const int *perm) {
  assert(rank >= 0 && rank <= kMaxTransposeRank && "unsupported rank");

  // Row-major strides of the input.
  int64_t inStrides[kMaxTransposeRank];
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; --d) {
    inStrides[d] = total;
    total *= inShape[d];
  }

  // Output shape, and for each output dimension the input stride it walks.
  int64_t outShape[kMaxTransposeRank];
  int64_t strideOfOutDim[kMaxTransposeRank];
  bool seen[kMaxTransposeRank] = {false, false, false, false, false, false};
  for (int i = 0; i < rank; ++i) {
    assert(perm[i] >= 0 && perm[i] < rank && !seen[perm[i]] &&
           "perm is not a permutation");
    seen[perm[i]] = true;
    outShape[i] = inShape[perm[i]];
    strideOfOutDim[i] = inStrides[perm[i]];
  }

  // Walk the output in row-major order with a multi-index counter.
  int64_t index[kMaxTransposeRank] = {0, 0, 0, 0, 0, 0};
  for (int64_t linear = 0; linear < total; ++linear) {
    int64_t source = 0;
    for (int i = 0; i < rank; ++i)
      source += index[i] * strideOfOutDim[i];
    output[linear] = input[source];
    for (int i = rank - 1; i >= 0; --i) {
      if (++index[i] < outShape[i])
        break;
      index[i] = 0;
    }
  }
}

void lookupTable(const int8_t *input, int8_t *output, int64_t n,
                 const int8_t *table) {
  for (int64_t i = 0; i < n; ++i)
    output[i] = table[static_cast<int>(input[i]) + 128];
}

} // namespace qc::ref
