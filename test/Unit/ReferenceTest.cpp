//===- ReferenceTest.cpp - Tests of the scalar reference implementation ---===//
//
// Part of qc, an MLIR-based int8 neural-network compiler.
//
//===----------------------------------------------------------------------===//
//
// Checks qc::ref against independently computed expectations:
//  * hand-derived literal values for small cases (ties, clamps, edge cases);
//  * exact rational arithmetic (integer floor division, long double) for the
//    fixed-point primitives;
//  * real-valued (double) computations from dequantized values for the ops:
//    the int8 result must be within 1 of the ideally rounded value, and equal
//    to it whenever the ideal value is not near a .5 tie;
//  * an exact re-derivation of the integer contract with a differently
//    structured loop nest (explicitly padded tensors) and integer rounding.
// No expected value is copied from the implementation's output.
//
//===----------------------------------------------------------------------===//

#include "qc/Reference/Reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace qc::ref;

namespace {

constexpr int64_t kTwo30 = int64_t(1) << 30;
constexpr int64_t kTwo31 = int64_t(1) << 31;

/// x / 2^s rounded half toward +infinity, via truncating integer division
/// and an explicit remainder comparison (no shifts).
int64_t roundHalfUpDiv(int64_t x, int s) {
  const int64_t d = int64_t(1) << s;
  int64_t q = x / d;
  int64_t r = x % d;
  if (r < 0) {
    q -= 1;
    r += d;
  }
  if (r >= d - r) // 2r >= d, i.e. fraction >= 1/2
    q += 1;
  return q;
}

/// Clamps an integer to [lo, hi].
int64_t clampInt(int64_t v, int64_t lo, int64_t hi) {
  return std::min(std::max(v, lo), hi);
}

/// Statistics of comparisons against real-valued expectations.
struct RealCheckStats {
  int total = 0;
  int exact = 0;
};

/// Compares an int8 result with the ideal real value `ideal` (already in the
/// output's integer domain, zero point included): within 1 of the clamped
/// rounded ideal always, and equal to it when `ideal` is not within `margin`
/// of a .5 tie.
void expectNearIdeal(int got, double ideal, int clampMin, int clampMax,
                     RealCheckStats &stats, double margin = 1e-4) {
  const int64_t rounded = static_cast<int64_t>(std::floor(ideal + 0.5));
  const int64_t expected = clampInt(rounded, clampMin, clampMax);
  ++stats.total;
  EXPECT_LE(std::llabs(got - expected), 1) << "ideal " << ideal;
  const double fraction = ideal - std::floor(ideal);
  if (std::fabs(fraction - 0.5) > margin) {
    ++stats.exact;
    EXPECT_EQ(got, expected) << "ideal " << ideal;
  }
}

/// Fills a vector with uniform integers in [lo, hi].
template <typename T>
std::vector<T> randomInts(std::mt19937_64 &rng, size_t n, int64_t lo,
                          int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (T &x : v)
    x = static_cast<T>(dist(rng));
  return v;
}

/// Uniform real in [lo, hi).
double randomReal(std::mt19937_64 &rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

} // namespace

//===----------------------------------------------------------------------===//
// quantizeMultiplier
//===----------------------------------------------------------------------===//

TEST(QuantizeMultiplier, ExactPowersOfTwo) {
  FixedPointMultiplier one = quantizeMultiplier(1.0);
  EXPECT_EQ(one.m, kTwo30);
  EXPECT_EQ(one.s, 30);
  FixedPointMultiplier half = quantizeMultiplier(0.5);
  EXPECT_EQ(half.m, kTwo30);
  EXPECT_EQ(half.s, 31);
  FixedPointMultiplier three = quantizeMultiplier(0.75);
  EXPECT_EQ(three.m, 3 * (kTwo30 / 2)); // 0.75 = 3 * 2^29 * 2^-31
  EXPECT_EQ(three.s, 31);
}

TEST(QuantizeMultiplier, MantissaRoundingUpToTwoPow31) {
  // f * 2^31 rounds to 2^31: renormalized to m = 2^30, shift one smaller.
  FixedPointMultiplier r = quantizeMultiplier(1.0 - std::ldexp(1.0, -40));
  EXPECT_EQ(r.m, kTwo30);
  EXPECT_EQ(r.s, 30);
}

TEST(QuantizeMultiplier, SmallestAndTooSmall) {
  // 2^-32 = 0.5 * 2^-31 -> m = 2^30, s = 62: the smallest representable.
  FixedPointMultiplier smallest = quantizeMultiplier(std::ldexp(1.0, -32));
  EXPECT_EQ(smallest.m, kTwo30);
  EXPECT_EQ(smallest.s, 62);
  // 2^-33 would need s = 63: zero.
  FixedPointMultiplier tiny = quantizeMultiplier(std::ldexp(1.0, -33));
  EXPECT_EQ(tiny.m, 0);
  EXPECT_EQ(tiny.s, 62);
  FixedPointMultiplier zero = quantizeMultiplier(0.0);
  EXPECT_EQ(zero.m, 0);
  EXPECT_EQ(zero.s, 62);
  FixedPointMultiplier denormal =
      quantizeMultiplier(std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(denormal.m, 0);
  EXPECT_EQ(denormal.s, 62);
  // A zero multiplier always rescales to zero.
  EXPECT_EQ(roundingShift(0, 62), 0);
}

TEST(QuantizeMultiplier, TooLargeSaturates) {
  // Just below 2^30 without rounding up: still representable with s = 1.
  const double below = std::ldexp(1.0 - std::ldexp(1.0, -20), 30);
  FixedPointMultiplier ok = quantizeMultiplier(below);
  EXPECT_EQ(ok.s, 1);
  EXPECT_EQ(ok.m, kTwo31 - (int64_t(1) << 11));
  // 2^30 and above (and a value rounding up to it) saturate.
  for (double M : {std::ldexp(1.0, 30), std::ldexp(1.0 - std::ldexp(1.0, -40), 30),
                   std::ldexp(1.0, 31), 1e300,
                   std::numeric_limits<double>::infinity()}) {
    FixedPointMultiplier r = quantizeMultiplier(M);
    EXPECT_EQ(r.m, kTwo31 - 1) << M;
    EXPECT_EQ(r.s, 1) << M;
  }
}

TEST(QuantizeMultiplier, InvalidInputsGiveZero) {
  for (double M : {-1.0, -1e-10, std::numeric_limits<double>::quiet_NaN()}) {
    FixedPointMultiplier r = quantizeMultiplier(M);
    EXPECT_EQ(r.m, 0);
    EXPECT_EQ(r.s, 62);
  }
}

TEST(QuantizeMultiplier, RandomRangeAndAccuracy) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    // Log-uniform over the representable range [2^-32, 2^30).
    const double M = std::exp2(randomReal(rng, -31.9, 29.99));
    FixedPointMultiplier r = quantizeMultiplier(M);
    ASSERT_GE(r.m, kTwo30) << M;
    ASSERT_LE(r.m, kTwo31 - 1) << M;
    ASSERT_GE(r.s, 1) << M;
    ASSERT_LE(r.s, 62) << M;
    // Rounding to nearest: |m * 2^-s - M| <= 2^-(s+1) (checked <= 2^-s too).
    const long double represented = std::ldexp((long double)r.m, -r.s);
    const long double err = std::fabs(represented - (long double)M);
    EXPECT_LE(err, std::ldexp(1.0L, -r.s - 1)) << M;
    // And m is the nearest: moving by one unit is never closer.
    const long double errUp =
        std::fabs(std::ldexp((long double)r.m + 1, -r.s) - (long double)M);
    const long double errDown =
        std::fabs(std::ldexp((long double)r.m - 1, -r.s) - (long double)M);
    EXPECT_LE(err, errUp) << M;
    EXPECT_LE(err, errDown) << M;
  }
}

//===----------------------------------------------------------------------===//
// roundingShift / requantize
//===----------------------------------------------------------------------===//

TEST(RoundingShift, HandTies) {
  // Round half toward +infinity.
  EXPECT_EQ(roundingShift(1, 1), 1);   // 0.5 -> 1
  EXPECT_EQ(roundingShift(-1, 1), 0);  // -0.5 -> 0
  EXPECT_EQ(roundingShift(3, 1), 2);   // 1.5 -> 2
  EXPECT_EQ(roundingShift(-3, 1), -1); // -1.5 -> -1
  EXPECT_EQ(roundingShift(5, 1), 3);   // 2.5 -> 3
  EXPECT_EQ(roundingShift(-5, 1), -2); // -2.5 -> -2
  EXPECT_EQ(roundingShift(5, 2), 1);   // 1.25 -> 1
  EXPECT_EQ(roundingShift(7, 2), 2);   // 1.75 -> 2
  EXPECT_EQ(roundingShift(-7, 2), -2); // -1.75 -> -2
  EXPECT_EQ(roundingShift(-6, 2), -1); // -1.5 -> -1
  EXPECT_EQ(roundingShift(-2, 2), 0);  // -0.5 -> 0
  EXPECT_EQ(roundingShift(0, 62), 0);
  EXPECT_EQ(roundingShift(int64_t(1) << 61, 62), 1); // 0.5 -> 1
  EXPECT_EQ(roundingShift(-(int64_t(1) << 61), 62), 0);
}

TEST(RoundingShift, RandomVsIntegerDivision) {
  std::mt19937_64 rng(2);
  const int64_t limit = (int64_t(1) << 62) - 1;
  for (int i = 0; i < 100000; ++i) {
    const int s = static_cast<int>(std::uniform_int_distribution<int>(1, 62)(rng));
    // Mix magnitudes so small shifts see small values too.
    const int bits = std::uniform_int_distribution<int>(1, 62)(rng);
    const int64_t bound = std::min(limit, (int64_t(1) << bits) - 1);
    const int64_t x = std::uniform_int_distribution<int64_t>(-bound, bound)(rng);
    ASSERT_EQ(roundingShift(x, s), roundHalfUpDiv(x, s)) << x << " " << s;
  }
}

TEST(RoundingShift, RandomVsLongDouble) {
  // floor(x / 2^s + 0.5) is exact in long double when it has >= 64 digits;
  // otherwise restrict x to what the format represents exactly.
  const int digits = std::numeric_limits<long double>::digits;
  const int64_t bound =
      digits >= 64 ? (int64_t(1) << 62) - 1 : (int64_t(1) << (digits - 3));
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50000; ++i) {
    const int s = std::uniform_int_distribution<int>(1, 62)(rng);
    const int64_t x = std::uniform_int_distribution<int64_t>(-bound, bound)(rng);
    const long double expected =
        std::floor(std::ldexp((long double)x, -s) + 0.5L);
    ASSERT_EQ((long double)roundingShift(x, s), expected) << x << " " << s;
  }
}

TEST(Requantize, Hand) {
  const int32_t m = static_cast<int32_t>(kTwo30); // with s = 31: M = 0.5
  EXPECT_EQ(requantize(5, m, 31, 0, -128, 127), 3);    // 2.5 -> 3
  EXPECT_EQ(requantize(-5, m, 31, 0, -128, 127), -2);  // -2.5 -> -2
  EXPECT_EQ(requantize(5, m, 31, 10, -128, 127), 13);
  EXPECT_EQ(requantize(-5, m, 31, 10, -128, 127), 8);
  EXPECT_EQ(requantize(-5, m, 31, 10, 10, 127), 10);   // fused ReLU
  EXPECT_EQ(requantize(1000, m, 31, 0, -128, 127), 127);
  EXPECT_EQ(requantize(-1000, m, 31, 0, -128, 127), -128);
  EXPECT_EQ(requantize(1000, m, 31, 0, -128, 6), 6);   // ReLU6-style bound
  // Extreme accumulator and multiplier: product near 2^62 must not overflow.
  EXPECT_EQ(requantize(std::numeric_limits<int32_t>::min(),
                       static_cast<int32_t>(kTwo31 - 1), 62, 0, -128, 127),
            -1); // -2^31 * (2^31 - 1) / 2^62 = -1 + 2^-31 -> -1
  EXPECT_EQ(requantize(std::numeric_limits<int32_t>::max(),
                       static_cast<int32_t>(kTwo31 - 1), 60, 0, -128, 127),
            4); // (2^31 - 1)^2 / 2^60 = 4 - 2^-28 + 2^-60 -> 4
}

TEST(Requantize, RandomVsExactRational) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 50000; ++i) {
    const int32_t acc = static_cast<int32_t>(std::uniform_int_distribution<int64_t>(
        std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max())(rng));
    const int32_t m = static_cast<int32_t>(
        std::uniform_int_distribution<int64_t>(kTwo30, kTwo31 - 1)(rng));
    const int s = std::uniform_int_distribution<int>(1, 62)(rng);
    const int32_t zp = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    int32_t lo = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    int32_t hi = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    if (lo > hi)
      std::swap(lo, hi);
    const int64_t expected =
        clampInt(zp + roundHalfUpDiv(int64_t(acc) * m, s), lo, hi);
    ASSERT_EQ(requantize(acc, m, s, zp, lo, hi), expected);
  }
}

//===----------------------------------------------------------------------===//
// quantizeAddMultipliers / add
//===----------------------------------------------------------------------===//

TEST(QuantizeAddMultipliers, SharedShift) {
  // 1.0 and 0.25: big -> (2^30, 30); small -> 0.25 * 2^30 = 2^28.
  AddMultipliers r = quantizeAddMultipliers(1.0, 0.25);
  EXPECT_EQ(r.ma, kTwo30);
  EXPECT_EQ(r.mb, kTwo30 / 4);
  EXPECT_EQ(r.s, 30);
  // Swapped roles.
  AddMultipliers q = quantizeAddMultipliers(0.25, 1.0);
  EXPECT_EQ(q.ma, kTwo30 / 4);
  EXPECT_EQ(q.mb, kTwo30);
  EXPECT_EQ(q.s, 30);
}

TEST(QuantizeAddMultipliers, EqualAndZero) {
  AddMultipliers eq = quantizeAddMultipliers(0.37, 0.37);
  EXPECT_EQ(eq.ma, eq.mb);
  EXPECT_GE(eq.ma, kTwo30);
  AddMultipliers eq2 = quantizeAddMultipliers(1.0 - std::ldexp(1.0, -40),
                                              1.0 - std::ldexp(1.0, -40));
  EXPECT_EQ(eq2.ma, kTwo30);
  EXPECT_EQ(eq2.mb, kTwo30);
  EXPECT_EQ(eq2.s, 30);
  AddMultipliers oneZero = quantizeAddMultipliers(0.0, 0.5);
  EXPECT_EQ(oneZero.ma, 0);
  EXPECT_EQ(oneZero.mb, kTwo30);
  EXPECT_EQ(oneZero.s, 31);
  AddMultipliers bothZero = quantizeAddMultipliers(0.0, 0.0);
  EXPECT_EQ(bothZero.ma, 0);
  EXPECT_EQ(bothZero.mb, 0);
  EXPECT_EQ(bothZero.s, 62);
}

TEST(QuantizeAddMultipliers, RandomAccuracy) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 10000; ++i) {
    const double Ma = std::exp2(randomReal(rng, -12, 8));
    const double Mb = std::exp2(randomReal(rng, -12, 8));
    AddMultipliers r = quantizeAddMultipliers(Ma, Mb);
    ASSERT_GE(r.s, 1);
    ASSERT_LE(r.s, 62);
    const int64_t big = std::max(r.ma, r.mb);
    EXPECT_GE(big, kTwo30);
    EXPECT_LE(big, kTwo31 - 1);
    EXPECT_GE(std::min(r.ma, r.mb), 0);
    const long double unit = std::ldexp(1.0L, -r.s);
    EXPECT_LE(std::fabs(r.ma * unit - (long double)Ma), unit / 2) << Ma;
    EXPECT_LE(std::fabs(r.mb * unit - (long double)Mb), unit / 2) << Mb;
  }
}

TEST(Add, Hand) {
  int8_t a[] = {10, -10, 3, 127, -128, 1};
  int8_t b[] = {5, -5, 0, 127, -128, 0};
  // Ma = 0.5 (2^30 >> 31), Mb = 0.25 (2^29 >> 31), za = 2, zb = -1, zo = 3.
  AddParams p;
  p.count = 6;
  p.lhsZeroPoint = 2;
  p.rhsZeroPoint = -1;
  p.lhsMultiplier = static_cast<int32_t>(kTwo30);
  p.rhsMultiplier = static_cast<int32_t>(kTwo30 / 2);
  p.shift = 31;
  p.outputZeroPoint = 3;
  int8_t out[6];
  add(p, a, b, out);
  // 0.5*8 + 0.25*6 = 5.5 -> 6 (+3 = 9)
  EXPECT_EQ(out[0], 9);
  // 0.5*-12 + 0.25*-4 = -7 -> -4
  EXPECT_EQ(out[1], -4);
  // 0.5*1 + 0.25*1 = 0.75 -> 1 -> 4
  EXPECT_EQ(out[2], 4);
  // 0.5*125 + 0.25*128 = 94.5 -> 95 -> 98
  EXPECT_EQ(out[3], 98);
  // 0.5*-130 + 0.25*-127 = -96.75 -> -97 -> -94
  EXPECT_EQ(out[4], -94);
  // 0.5*-1 + 0.25*1 = -0.25 -> 0 -> 3
  EXPECT_EQ(out[5], 3);
  // Saturation and clamp.
  p.outputZeroPoint = 100;
  p.clampMin = 0;
  p.clampMax = 120;
  add(p, a, b, out);
  EXPECT_EQ(out[3], 120);
  EXPECT_EQ(out[1], 93);  // -7 + 100
}

TEST(Add, RandomVsRealAndExact) {
  std::mt19937_64 rng(6);
  RealCheckStats stats;
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t n = 257;
    auto a = randomInts<int8_t>(rng, n, -128, 127);
    auto b = randomInts<int8_t>(rng, n, -128, 127);
    const double sa = randomReal(rng, 0.01, 0.1);
    const double sb = randomReal(rng, 0.01, 0.1);
    const double so = randomReal(rng, 0.04, 0.2);
    AddMultipliers mult = quantizeAddMultipliers(sa / so, sb / so);
    AddParams p;
    p.count = n;
    p.lhsZeroPoint = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    p.rhsZeroPoint = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    p.lhsMultiplier = mult.ma;
    p.rhsMultiplier = mult.mb;
    p.shift = mult.s;
    p.outputZeroPoint = std::uniform_int_distribution<int32_t>(-20, 20)(rng);
    if (trial % 4 == 3)
      p.clampMin = p.outputZeroPoint; // fused ReLU
    std::vector<int8_t> out(n);
    add(p, a.data(), b.data(), out.data());
    for (int64_t i = 0; i < n; ++i) {
      const double real = sa * (a[i] - p.lhsZeroPoint) + sb * (b[i] - p.rhsZeroPoint);
      expectNearIdeal(out[i], real / so + p.outputZeroPoint, p.clampMin,
                      p.clampMax, stats);
      const int64_t sum = int64_t(a[i] - p.lhsZeroPoint) * mult.ma +
                          int64_t(b[i] - p.rhsZeroPoint) * mult.mb;
      EXPECT_EQ(out[i], clampInt(p.outputZeroPoint + roundHalfUpDiv(sum, mult.s),
                                 p.clampMin, p.clampMax));
    }
  }
  EXPECT_GT(stats.exact, stats.total * 9 / 10);
}

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

TEST(WindowOutputSize, Hand) {
  EXPECT_EQ(windowOutputSize(5, 3, 1, 1, 1, 1), 5);
  EXPECT_EQ(windowOutputSize(7, 3, 2, 1, 0, 0), 3);
  EXPECT_EQ(windowOutputSize(7, 3, 2, 2, 1, 0), 2);   // (7+1-4-1)/2+1
  EXPECT_EQ(windowOutputSize(224, 7, 2, 1, 3, 3), 112);
  EXPECT_EQ(windowOutputSize(4, 3, 2, 1, 0, 1), 2);
  EXPECT_EQ(windowOutputSize(8, 8, 1, 1, 0, 0), 1);
  EXPECT_EQ(windowOutputSize(2, 5, 1, 1, 0, 0), -2);  // floor(-3/1)+1
  EXPECT_EQ(windowOutputSize(2, 5, 2, 1, 0, 0), -1);  // floor(-3/2)+1
  Conv2DParams p;
  p.inHeight = 9;
  p.inWidth = 10;
  p.kernelHeight = 3;
  p.kernelWidth = 2;
  p.strideH = 2;
  p.dilationW = 3;
  p.padTop = 1;
  p.padRight = 2;
  EXPECT_EQ(conv2dOutputHeight(p), 4); // floor((9+1-2-1)/2)+1
  EXPECT_EQ(conv2dOutputWidth(p), 9);  // (10+2-3-1)/1+1
  Pool2DParams q;
  q.inHeight = 7;
  q.inWidth = 6;
  q.kernelHeight = 3;
  q.kernelWidth = 3;
  q.strideH = 2;
  q.strideW = 2;
  q.padBottom = 1;
  EXPECT_EQ(pool2dOutputHeight(q), 3); // (7+1-3)/2+1
  EXPECT_EQ(pool2dOutputWidth(q), 2);  // (6-3)/2+1
}

TEST(Conv2D, HandTies) {
  // Input 1x3x3x1 = 1..9 with zx = 1 (real values 0..8); 2x2 kernel.
  int8_t input[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  int8_t weight[4] = {1, 2, 3, 4};
  Conv2DParams p;
  p.inHeight = 3;
  p.inWidth = 3;
  p.kernelHeight = 2;
  p.kernelWidth = 2;
  p.inputZeroPoint = 1;
  const int32_t m[1] = {static_cast<int32_t>(kTwo30)};
  const int32_t s[1] = {31}; // M = 0.5
  int8_t out[4];
  conv2d(p, input, weight, nullptr, m, s, out);
  // acc = 27, 37, 57, 67; halves round up.
  EXPECT_EQ(out[0], 14);
  EXPECT_EQ(out[1], 19);
  EXPECT_EQ(out[2], 29);
  EXPECT_EQ(out[3], 34);
  int8_t negWeight[4] = {-1, -2, -3, -4};
  const int32_t bias[1] = {-4};
  p.outputZeroPoint = -5;
  conv2d(p, input, negWeight, bias, m, s, out);
  // acc = -31, -41, -61, -71 -> -15.5 -> -15 ... then + zp.
  EXPECT_EQ(out[0], -20);
  EXPECT_EQ(out[1], -25);
  EXPECT_EQ(out[2], -35);
  EXPECT_EQ(out[3], -40);
}

TEST(Conv2D, HandPadding) {
  // Input 1x2x2x1 real values {1,2,3,4} (zx = -3), kernel 3x3 of ones, pad 1.
  // Padding is the real zero, so each output sums its in-bounds neighbours.
  int8_t input[4] = {-2, -1, 0, 1};
  int8_t weight[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  Conv2DParams p;
  p.inHeight = 2;
  p.inWidth = 2;
  p.kernelHeight = 3;
  p.kernelWidth = 3;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  p.inputZeroPoint = -3;
  const int32_t m[1] = {static_cast<int32_t>(kTwo30)};
  const int32_t s[1] = {30}; // M = 1
  int8_t out[4];
  conv2d(p, input, weight, nullptr, m, s, out);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(out[i], 10);
  // Only top/left padding, 2x2 kernel: output (0,0) sees only input (0,0).
  int8_t weight2[4] = {1, 10, 20, 30};
  p.kernelHeight = p.kernelWidth = 2;
  p.padBottom = p.padRight = 0;
  conv2d(p, input, weight2, nullptr, m, s, out);
  EXPECT_EQ(out[0], 30);                   // 1*30
  EXPECT_EQ(out[1], 20 * 1 + 30 * 2);      // 80
  EXPECT_EQ(out[2], 10 * 1 + 30 * 3);      // 100
  EXPECT_EQ(out[3], 127);                  // 1+20+60+120 = 201 saturates
}

namespace {

/// Runs conv2d on random data and checks every output against (a) a
/// real-valued convolution computed in double from dequantized values over an
/// explicitly zero-padded tensor and (b) the exact integer contract.
/// `spread` is roughly the largest |output - zp| aimed for (> 127 exercises
/// saturation).
void checkRandomConv(Conv2DParams p, bool withBias, uint64_t seed,
                     double spread = 100.0, bool relu = false) {
  std::mt19937_64 rng(seed);
  const int64_t N = p.batch, H = p.inHeight, W = p.inWidth, C = p.inChannels;
  const int64_t O = p.outChannels, KH = p.kernelHeight, KW = p.kernelWidth;
  const int64_t G = p.groups, CG = C / G, OG = O / G;
  // Output size, computed here independently (numerators are non-negative).
  const int64_t OH =
      (H + p.padTop + p.padBottom - p.dilationH * (KH - 1) - 1) / p.strideH + 1;
  const int64_t OW =
      (W + p.padLeft + p.padRight - p.dilationW * (KW - 1) - 1) / p.strideW + 1;
  ASSERT_GT(OH, 0);
  ASSERT_GT(OW, 0);

  auto input = randomInts<int8_t>(rng, N * H * W * C, -128, 127);
  auto weight = randomInts<int8_t>(rng, O * KH * KW * CG, -127, 127);
  std::vector<int32_t> bias(O, 0);
  if (withBias)
    bias = randomInts<int32_t>(rng, O, -3000, 3000);
  const double sIn = randomReal(rng, 0.01, 0.05);
  std::vector<double> sW(O);
  for (double &s : sW)
    s = randomReal(rng, 0.001, 0.01);

  // Explicitly padded tensors: real values (pad = 0.0) and integer values
  // (pad = zx).
  const int64_t PH = H + p.padTop + p.padBottom, PW = W + p.padLeft + p.padRight;
  std::vector<double> realPadded(N * PH * PW * C, 0.0);
  std::vector<int32_t> intPadded(N * PH * PW * C, p.inputZeroPoint);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        for (int64_t c = 0; c < C; ++c) {
          const int8_t x = input[((n * H + h) * W + w) * C + c];
          const int64_t at =
              ((n * PH + h + p.padTop) * PW + w + p.padLeft) * C + c;
          realPadded[at] = sIn * (x - p.inputZeroPoint);
          intPadded[at] = x;
        }

  // Real-valued and exact integer convolutions (layout [N, OH, OW, O]).
  std::vector<double> real(N * OH * OW * O);
  std::vector<int64_t> acc(N * OH * OW * O);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow)
        for (int64_t o = 0; o < O; ++o) {
          const int64_t g = o / OG;
          double y = sIn * sW[o] * bias[o];
          int64_t a = bias[o];
          for (int64_t kh = 0; kh < KH; ++kh)
            for (int64_t kw = 0; kw < KW; ++kw)
              for (int64_t ci = 0; ci < CG; ++ci) {
                const int64_t ph = oh * p.strideH + kh * p.dilationH;
                const int64_t pw = ow * p.strideW + kw * p.dilationW;
                const int64_t at = ((n * PH + ph) * PW + pw) * C + g * CG + ci;
                const int8_t wq = weight[((o * KH + kh) * KW + kw) * CG + ci];
                y += realPadded[at] * (sW[o] * wq);
                a += int64_t(intPadded[at] - p.inputZeroPoint) * wq;
              }
          real[((n * OH + oh) * OW + ow) * O + o] = y;
          acc[((n * OH + oh) * OW + ow) * O + o] = a;
        }

  double maxAbs = 1e-9;
  for (double y : real)
    maxAbs = std::max(maxAbs, std::fabs(y));
  const double sOut = maxAbs / spread;
  std::vector<int32_t> m(O), s(O);
  for (int64_t o = 0; o < O; ++o) {
    FixedPointMultiplier fm = quantizeMultiplier(sIn * sW[o] / sOut);
    m[o] = fm.m;
    s[o] = fm.s;
  }
  p.outputZeroPoint = std::uniform_int_distribution<int32_t>(-20, 20)(rng);
  p.clampMin = relu ? p.outputZeroPoint : -128;
  p.clampMax = 127;

  std::vector<int8_t> out(N * OH * OW * O, 0x55);
  conv2d(p, input.data(), weight.data(), withBias ? bias.data() : nullptr,
         m.data(), s.data(), out.data());

  RealCheckStats stats;
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t o = static_cast<int64_t>(i) % O;
    expectNearIdeal(out[i], real[i] / sOut + p.outputZeroPoint, p.clampMin,
                    p.clampMax, stats);
    const int64_t exact = clampInt(
        p.outputZeroPoint + roundHalfUpDiv(acc[i] * m[o], s[o]), p.clampMin,
        p.clampMax);
    ASSERT_EQ(out[i], exact) << "element " << i;
  }
  EXPECT_GT(stats.exact, stats.total * 9 / 10);
}

} // namespace

TEST(Conv2D, RandomBasicPadSame) {
  Conv2DParams p;
  p.batch = 2;
  p.inHeight = 7;
  p.inWidth = 6;
  p.inChannels = 3;
  p.outChannels = 5;
  p.kernelHeight = p.kernelWidth = 3;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  p.inputZeroPoint = -7;
  checkRandomConv(p, true, 10);
}

TEST(Conv2D, RandomDepthwiseMultiplier2Stride2) {
  Conv2DParams p;
  p.inHeight = 9;
  p.inWidth = 8;
  p.inChannels = 5;
  p.outChannels = 10;
  p.groups = 5;
  p.kernelHeight = p.kernelWidth = 3;
  p.strideH = p.strideW = 2;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  p.inputZeroPoint = 12;
  checkRandomConv(p, true, 11);
}

TEST(Conv2D, RandomDepthwiseAsymmetricPad) {
  Conv2DParams p;
  p.batch = 2;
  p.inHeight = 6;
  p.inWidth = 5;
  p.inChannels = 17;
  p.outChannels = 17;
  p.groups = 17;
  p.kernelHeight = p.kernelWidth = 3;
  p.padTop = 0;
  p.padLeft = 1;
  p.padBottom = 2;
  p.padRight = 1;
  p.inputZeroPoint = -128;
  checkRandomConv(p, true, 12);
}

TEST(Conv2D, RandomGrouped) {
  Conv2DParams p;
  p.inHeight = 6;
  p.inWidth = 7;
  p.inChannels = 6;
  p.outChannels = 9;
  p.groups = 3;
  p.kernelHeight = 2;
  p.kernelWidth = 3;
  p.padTop = 0;
  p.padLeft = 1;
  p.padBottom = 1;
  p.padRight = 0;
  checkRandomConv(p, true, 13);
}

TEST(Conv2D, RandomStride2AsymmetricPadOddChannels) {
  Conv2DParams p;
  p.inHeight = 9;
  p.inWidth = 9;
  p.inChannels = 19;
  p.outChannels = 17;
  p.kernelHeight = p.kernelWidth = 3;
  p.strideH = p.strideW = 2;
  p.padTop = 0;
  p.padLeft = 1;
  p.padBottom = 2;
  p.padRight = 0;
  p.inputZeroPoint = 5;
  checkRandomConv(p, true, 14);
}

TEST(Conv2D, RandomDilation2) {
  Conv2DParams p;
  p.inHeight = 8;
  p.inWidth = 10;
  p.inChannels = 4;
  p.outChannels = 6;
  p.kernelHeight = p.kernelWidth = 3;
  p.dilationH = p.dilationW = 2;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 2;
  p.inputZeroPoint = -1;
  checkRandomConv(p, true, 15);
}

TEST(Conv2D, RandomMixedStrideDilationNoBiasReluSaturating) {
  Conv2DParams p;
  p.inHeight = 7;
  p.inWidth = 11;
  p.inChannels = 3;
  p.outChannels = 4;
  p.kernelHeight = 2;
  p.kernelWidth = 3;
  p.strideH = 2;
  p.strideW = 1;
  p.dilationH = 1;
  p.dilationW = 2;
  p.padTop = 1;
  p.padLeft = 0;
  p.padBottom = 0;
  p.padRight = 3;
  p.inputZeroPoint = 33;
  checkRandomConv(p, false, 16, /*spread=*/250.0, /*relu=*/true);
}

TEST(Conv2D, RandomPointwise) {
  Conv2DParams p;
  p.batch = 3;
  p.inHeight = 4;
  p.inWidth = 3;
  p.inChannels = 33;
  p.outChannels = 20;
  p.inputZeroPoint = 100;
  checkRandomConv(p, true, 17);
}

TEST(Conv2D, RandomLargeReduction) {
  Conv2DParams p;
  p.inHeight = 6;
  p.inWidth = 6;
  p.inChannels = 64;
  p.outChannels = 3;
  p.kernelHeight = p.kernelWidth = 5;
  p.inputZeroPoint = -100;
  checkRandomConv(p, true, 18);
}

//===----------------------------------------------------------------------===//
// fullyConnected / matmul
//===----------------------------------------------------------------------===//

TEST(FullyConnected, Hand) {
  int8_t x[6] = {1, 2, 3, -1, 0, 4}; // [2, 3], zx = 1 -> {0,1,2}, {-2,-1,3}
  int8_t w[6] = {1, 1, 1, 1, -1, 2}; // [2, 3]
  int32_t bias[2] = {0, 1};
  const int32_t m[2] = {static_cast<int32_t>(kTwo30), static_cast<int32_t>(kTwo30)};
  const int32_t s[2] = {30, 31}; // M = 1 and 0.5
  FullyConnectedParams p;
  p.rows = 2;
  p.inFeatures = 3;
  p.outFeatures = 2;
  p.inputZeroPoint = 1;
  int8_t out[4];
  fullyConnected(p, x, w, bias, m, s, out);
  EXPECT_EQ(out[0], 3);  // 0+1+2
  EXPECT_EQ(out[1], 2);  // (0-1+4+1)/2 = 2
  EXPECT_EQ(out[2], 0);  // -2-1+3
  EXPECT_EQ(out[3], 3);  // (-2+1+6+1)/2 = 3
}

namespace {

void checkRandomFC(int64_t M, int64_t K, int64_t N, int32_t zx, uint64_t seed,
                   bool withBias) {
  std::mt19937_64 rng(seed);
  auto x = randomInts<int8_t>(rng, M * K, -128, 127);
  auto w = randomInts<int8_t>(rng, N * K, -127, 127);
  std::vector<int32_t> bias(N, 0);
  if (withBias)
    bias = randomInts<int32_t>(rng, N, -5000, 5000);
  const double sIn = randomReal(rng, 0.01, 0.05);
  std::vector<double> sW(N);
  for (double &s : sW)
    s = randomReal(rng, 0.001, 0.01);

  std::vector<int64_t> acc(M * N);
  std::vector<double> real(M * N);
  double maxAbs = 1e-9;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      int64_t a = bias[j];
      double y = sIn * sW[j] * bias[j];
      for (int64_t k = 0; k < K; ++k) {
        a += int64_t(x[i * K + k] - zx) * w[j * K + k];
        y += (sIn * (x[i * K + k] - zx)) * (sW[j] * w[j * K + k]);
      }
      acc[i * N + j] = a;
      real[i * N + j] = y;
      maxAbs = std::max(maxAbs, std::fabs(y));
    }
  const double sOut = maxAbs / 110.0;
  std::vector<int32_t> m(N), s(N);
  for (int64_t j = 0; j < N; ++j) {
    FixedPointMultiplier fm = quantizeMultiplier(sIn * sW[j] / sOut);
    m[j] = fm.m;
    s[j] = fm.s;
  }
  FullyConnectedParams p;
  p.rows = M;
  p.inFeatures = K;
  p.outFeatures = N;
  p.inputZeroPoint = zx;
  p.outputZeroPoint = std::uniform_int_distribution<int32_t>(-15, 15)(rng);
  std::vector<int8_t> out(M * N);
  fullyConnected(p, x.data(), w.data(), withBias ? bias.data() : nullptr,
                 m.data(), s.data(), out.data());
  RealCheckStats stats;
  for (int64_t i = 0; i < M * N; ++i) {
    const int64_t j = i % N;
    expectNearIdeal(out[i], real[i] / sOut + p.outputZeroPoint, -128, 127,
                    stats);
    ASSERT_EQ(out[i], clampInt(p.outputZeroPoint +
                                   roundHalfUpDiv(acc[i] * m[j], s[j]),
                               -128, 127));
  }
  EXPECT_GT(stats.exact, stats.total * 9 / 10);
}

} // namespace

TEST(FullyConnected, RandomOddK) { checkRandomFC(4, 37, 11, -9, 20, true); }
TEST(FullyConnected, RandomKOne) { checkRandomFC(3, 1, 5, 0, 21, true); }
TEST(FullyConnected, RandomLongKNoBias) {
  checkRandomFC(2, 1031, 3, -128, 22, false);
}

TEST(Matmul, Hand) {
  // a = [[1,2],[3,4]] (za = 1 -> [[0,1],[2,3]]), b = [[5,6],[7,8]] (zb = 5 ->
  // [[0,1],[2,3]]); product [[2,3],[6,11]]; M = 0.5.
  int8_t a[4] = {1, 2, 3, 4};
  int8_t b[4] = {5, 6, 7, 8};
  MatmulParams p;
  p.rows = p.depth = p.cols = 2;
  p.lhsZeroPoint = 1;
  p.rhsZeroPoint = 5;
  p.multiplier = static_cast<int32_t>(kTwo30);
  p.shift = 31;
  p.outputZeroPoint = -1;
  int8_t out[4];
  matmul(p, a, b, out);
  EXPECT_EQ(out[0], 0);  // 1 - 1
  EXPECT_EQ(out[1], 1);  // 1.5 -> 2, -1
  EXPECT_EQ(out[2], 2);  // 3 - 1
  EXPECT_EQ(out[3], 5);  // 5.5 -> 6, -1
}

TEST(Matmul, RandomBatched) {
  for (uint64_t seed : {30u, 31u}) {
    std::mt19937_64 rng(seed);
    const int64_t B = seed == 30 ? 3 : 1, M = seed == 30 ? 5 : 1,
                  K = seed == 30 ? 13 : 1, N = seed == 30 ? 7 : 1;
    auto a = randomInts<int8_t>(rng, B * M * K, -128, 127);
    auto b = randomInts<int8_t>(rng, B * K * N, -128, 127);
    MatmulParams p;
    p.batch = B;
    p.rows = M;
    p.depth = K;
    p.cols = N;
    p.lhsZeroPoint = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    p.rhsZeroPoint = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    const double sa = randomReal(rng, 0.01, 0.05), sb = randomReal(rng, 0.01, 0.05);

    std::vector<int64_t> acc(B * M * N);
    std::vector<double> real(B * M * N);
    double maxAbs = 1e-9;
    for (int64_t bb = 0; bb < B; ++bb)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          int64_t sum = 0;
          double y = 0;
          for (int64_t k = 0; k < K; ++k) {
            const int av = a[(bb * M + i) * K + k], bv = b[(bb * K + k) * N + j];
            sum += int64_t(av - p.lhsZeroPoint) * (bv - p.rhsZeroPoint);
            y += (sa * (av - p.lhsZeroPoint)) * (sb * (bv - p.rhsZeroPoint));
          }
          acc[(bb * M + i) * N + j] = sum;
          real[(bb * M + i) * N + j] = y;
          maxAbs = std::max(maxAbs, std::fabs(y));
        }
    const double so = maxAbs / 120.0;
    FixedPointMultiplier fm = quantizeMultiplier(sa * sb / so);
    p.multiplier = fm.m;
    p.shift = fm.s;
    p.outputZeroPoint = std::uniform_int_distribution<int32_t>(-7, 7)(rng);
    std::vector<int8_t> out(B * M * N);
    matmul(p, a.data(), b.data(), out.data());
    RealCheckStats stats;
    for (size_t i = 0; i < out.size(); ++i) {
      expectNearIdeal(out[i], real[i] / so + p.outputZeroPoint, -128, 127, stats);
      ASSERT_EQ(out[i], clampInt(p.outputZeroPoint +
                                     roundHalfUpDiv(acc[i] * fm.m, fm.s),
                                 -128, 127));
    }
    EXPECT_GE(stats.exact, stats.total * 9 / 10);
  }
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

TEST(MaxPool2D, HandPaddingIgnored) {
  // All-negative input: zero padding would wrongly win.
  int8_t input[4] = {-5, -7, -100, -128}; // 1x2x2x1
  Pool2DParams p;
  p.inHeight = p.inWidth = 2;
  p.kernelHeight = p.kernelWidth = 2;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  int8_t out[9];
  maxPool2d(p, input, out); // 3x3 output
  const int8_t expected[9] = {-5, -5, -7, -5, -5, -7, -100, -100, -128};
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(out[i], expected[i]) << i;
}

TEST(MaxPool2D, RandomVsSentinelPadding) {
  std::mt19937_64 rng(40);
  struct Geometry {
    int64_t n, h, w, c, kh, kw, sh, sw, pt, pl, pb, pr;
  };
  const Geometry cases[] = {
      {2, 7, 6, 3, 3, 3, 2, 2, 1, 1, 1, 1},
      {1, 8, 9, 19, 2, 2, 2, 2, 0, 0, 0, 0},
      {1, 5, 7, 4, 3, 2, 1, 3, 0, 1, 2, 1},
      {1, 4, 4, 2, 4, 4, 1, 1, 0, 0, 0, 0}, // global
  };
  for (const Geometry &g : cases) {
    auto input = randomInts<int8_t>(rng, g.n * g.h * g.w * g.c, -128, 127);
    const int64_t PH = g.h + g.pt + g.pb, PW = g.w + g.pl + g.pr;
    const int64_t OH = (PH - g.kh) / g.sh + 1, OW = (PW - g.kw) / g.sw + 1;
    // Pad with a sentinel below every int8 value.
    std::vector<int> padded(g.n * PH * PW * g.c, -1000);
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t h = 0; h < g.h; ++h)
        for (int64_t w = 0; w < g.w; ++w)
          for (int64_t c = 0; c < g.c; ++c)
            padded[((n * PH + h + g.pt) * PW + w + g.pl) * g.c + c] =
                input[((n * g.h + h) * g.w + w) * g.c + c];
    Pool2DParams p{g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw,
                   g.pt, g.pl, g.pb, g.pr};
    std::vector<int8_t> out(g.n * OH * OW * g.c);
    maxPool2d(p, input.data(), out.data());
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < g.c; ++c) {
            int best = -1000;
            for (int64_t kh = 0; kh < g.kh; ++kh)
              for (int64_t kw = 0; kw < g.kw; ++kw)
                best = std::max(best, padded[((n * PH + oh * g.sh + kh) * PW +
                                              ow * g.sw + kw) * g.c + c]);
            ASSERT_GT(best, -1000);
            ASSERT_EQ(out[((n * OH + oh) * OW + ow) * g.c + c], best);
          }
  }
}

TEST(AvgPool2D, HandTies) {
  // 2x2 window over {1,2,3,4}: mean 2.5 -> 3 (half up); negated: -2.5 -> -2.
  int8_t pos[4] = {1, 2, 3, 4};
  int8_t neg[4] = {-1, -2, -3, -4};
  Pool2DParams p;
  p.inHeight = p.inWidth = 2;
  p.kernelHeight = p.kernelWidth = 2;
  AvgPoolQuant q; // s_in = s_out = 1, zero points 0
  int8_t out[1];
  avgPool2d(p, q, pos, out);
  EXPECT_EQ(out[0], 3);
  avgPool2d(p, q, neg, out);
  EXPECT_EQ(out[0], -2);
  // Zero points: zx = 1 -> {0,1,2,3}, mean 1.5 -> 2, zp_out = -3 -> -1.
  q.inputZeroPoint = 1;
  q.outputZeroPoint = -3;
  avgPool2d(p, q, pos, out);
  EXPECT_EQ(out[0], -1);
  // Scales: s_in / s_out = 4 -> 6, then -3.
  q.inputScale = 0.2;
  q.outputScale = 0.05;
  avgPool2d(p, q, pos, out);
  EXPECT_EQ(out[0], 3);
}

TEST(AvgPool2D, HandCountIncludePad) {
  // 3x3 input of 9s (zx = 0), 3x3 window, stride 1, pad 1.
  int8_t input[9];
  for (int8_t &x : input)
    x = 9;
  Pool2DParams p;
  p.inHeight = p.inWidth = 3;
  p.kernelHeight = p.kernelWidth = 3;
  p.padTop = p.padLeft = p.padBottom = p.padRight = 1;
  AvgPoolQuant q;
  int8_t out[9];
  avgPool2d(p, q, input, out);
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(out[i], 9) << i; // padding excluded: mean of in-bounds = 9
  q.countIncludePad = true;
  avgPool2d(p, q, input, out);
  // Corner: 4 taps * 9 / 9 = 4; edge: 6*9/9 = 6; centre: 9.
  const int8_t expected[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(out[i], expected[i]) << i;
}

TEST(AvgPool2D, RandomVsReal) {
  std::mt19937_64 rng(41);
  struct Geometry {
    int64_t n, h, w, c, kh, kw, sh, sw, pt, pl, pb, pr;
    bool includePad;
  };
  const Geometry cases[] = {
      {2, 7, 6, 3, 3, 3, 2, 2, 1, 1, 1, 1, false},
      {2, 7, 6, 3, 3, 3, 2, 2, 1, 1, 1, 1, true},
      {1, 5, 7, 19, 3, 2, 1, 3, 0, 1, 2, 1, false},
      {1, 5, 7, 19, 3, 2, 1, 3, 0, 1, 2, 1, true},
      {3, 7, 7, 10, 7, 7, 1, 1, 0, 0, 0, 0, false}, // global average pool
      {1, 1, 1, 33, 1, 1, 1, 1, 0, 0, 0, 0, false},
  };
  RealCheckStats stats;
  for (const Geometry &g : cases) {
    auto input = randomInts<int8_t>(rng, g.n * g.h * g.w * g.c, -128, 127);
    AvgPoolQuant q;
    q.inputScale = randomReal(rng, 0.02, 0.06);
    q.outputScale = randomReal(rng, 0.02, 0.06);
    q.inputZeroPoint = std::uniform_int_distribution<int32_t>(-30, 30)(rng);
    q.outputZeroPoint = std::uniform_int_distribution<int32_t>(-30, 30)(rng);
    q.countIncludePad = g.includePad;
    const int64_t PH = g.h + g.pt + g.pb, PW = g.w + g.pl + g.pr;
    const int64_t OH = (PH - g.kh) / g.sh + 1, OW = (PW - g.kw) / g.sw + 1;
    // Padded value tensor plus an in-bounds mask.
    std::vector<int> padded(g.n * PH * PW * g.c, 0);
    std::vector<char> valid(g.n * PH * PW * g.c, 0);
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t h = 0; h < g.h; ++h)
        for (int64_t w = 0; w < g.w; ++w)
          for (int64_t c = 0; c < g.c; ++c) {
            const int64_t at = ((n * PH + h + g.pt) * PW + w + g.pl) * g.c + c;
            padded[at] = input[((n * g.h + h) * g.w + w) * g.c + c];
            valid[at] = 1;
          }
    Pool2DParams p{g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw,
                   g.pt, g.pl, g.pb, g.pr};
    std::vector<int8_t> out(g.n * OH * OW * g.c);
    avgPool2d(p, q, input.data(), out.data());
    for (int64_t n = 0; n < g.n; ++n)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < g.c; ++c) {
            int64_t sum = 0, count = 0;
            for (int64_t kh = 0; kh < g.kh; ++kh)
              for (int64_t kw = 0; kw < g.kw; ++kw) {
                const int64_t at =
                    ((n * PH + oh * g.sh + kh) * PW + ow * g.sw + kw) * g.c + c;
                if (valid[at]) {
                  sum += padded[at] - q.inputZeroPoint;
                  ++count;
                }
              }
            if (g.includePad)
              count = g.kh * g.kw;
            const int got = out[((n * OH + oh) * OW + ow) * g.c + c];
            // Real-valued mean of the dequantized taps, in output units.
            const double ideal =
                q.inputScale * double(sum) / double(count) / q.outputScale +
                q.outputZeroPoint;
            expectNearIdeal(got, ideal, -128, 127, stats);
            // Exact contract with the per-count multiplier.
            FixedPointMultiplier fm = quantizeMultiplier(
                q.inputScale / (q.outputScale * double(count)));
            ASSERT_EQ(got, clampInt(q.outputZeroPoint +
                                        roundHalfUpDiv(sum * fm.m, fm.s),
                                    -128, 127));
          }
  }
  EXPECT_GT(stats.exact, stats.total * 9 / 10);
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

TEST(RoundHalfToEven, Hand) {
  EXPECT_EQ(roundHalfToEven(2.5f), 2.0f);
  EXPECT_EQ(roundHalfToEven(3.5f), 4.0f);
  EXPECT_EQ(roundHalfToEven(-2.5f), -2.0f);
  EXPECT_EQ(roundHalfToEven(-3.5f), -4.0f);
  EXPECT_EQ(roundHalfToEven(0.5f), 0.0f);
  EXPECT_EQ(roundHalfToEven(1.5f), 2.0f);
  EXPECT_EQ(roundHalfToEven(-0.5f), 0.0f);
  EXPECT_TRUE(std::signbit(roundHalfToEven(-0.5f)));
  EXPECT_EQ(roundHalfToEven(0.49999997f), 0.0f);
  EXPECT_EQ(roundHalfToEven(-0.49999997f), 0.0f);
  EXPECT_EQ(roundHalfToEven(2.4999998f), 2.0f);
  EXPECT_EQ(roundHalfToEven(2.5000002f), 3.0f);
  EXPECT_EQ(roundHalfToEven(8388607.5f), 8388608.0f);
  EXPECT_EQ(roundHalfToEven(8388606.5f), 8388606.0f);
  EXPECT_EQ(roundHalfToEven(16777216.0f), 16777216.0f);
  EXPECT_EQ(roundHalfToEven(1e30f), 1e30f);
  EXPECT_EQ(roundHalfToEven(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(roundHalfToEven(std::nanf(""))));
  EXPECT_EQ(roundHalfToEven(std::numeric_limits<float>::denorm_min()), 0.0f);
}

TEST(RoundHalfToEven, RandomVsNearbyint) {
  // std::nearbyint in the default rounding mode is round-half-to-even.
  std::mt19937_64 rng(50);
  std::uniform_int_distribution<uint32_t> bitsDist;
  for (int i = 0; i < 200000; ++i) {
    float x;
    if (i % 2 == 0) {
      const uint32_t bits = bitsDist(rng);
      std::memcpy(&x, &bits, sizeof(x));
      if (std::isnan(x))
        continue;
    } else {
      // Values near ties in the quantization range.
      const int whole = std::uniform_int_distribution<int>(-300, 300)(rng);
      const int ulps = std::uniform_int_distribution<int>(-3, 3)(rng);
      x = static_cast<float>(whole) + 0.5f;
      for (int k = 0; k < std::abs(ulps); ++k)
        x = std::nextafter(x, ulps > 0 ? 1e9f : -1e9f);
    }
    ASSERT_EQ(roundHalfToEven(x), std::nearbyint(x)) << x;
  }
}

TEST(Quantize, HandTiesSaturationNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float in[] = {2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f, 2.4999998f,
                      1000.f, -1000.f, inf, -inf, nan, 127.5f, -128.5f, 126.5f};
  const int8_t expectedZp0[] = {2, 4, -2, -4, 0, 0, 2, 2,
                                127, -128, 127, -128, -128, 127, -128, 126};
  const int64_t n = sizeof(in) / sizeof(in[0]);
  int8_t out[n];
  quantize(in, out, n, 1.0f, 0);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(out[i], expectedZp0[i]) << "x = " << in[i];
  // zp = 10: bounds become [-138, 117] before adding zp; NaN still -> -128.
  const int8_t expectedZp10[] = {12, 14, 8, 6, 10, 10, 12, 12,
                                 127, -128, 127, -128, -128, 127, -118, 127};
  quantize(in, out, n, 1.0f, 10);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(out[i], expectedZp10[i]) << "x = " << in[i];
  // zp = -128: the lowest representable real value is 0.
  EXPECT_EQ(quantizeValue(-3.0f, 1.0f, -128), -128);
  EXPECT_EQ(quantizeValue(nan, 1.0f, -128), -128);
  EXPECT_EQ(quantizeValue(255.0f, 1.0f, -128), 127);
  EXPECT_EQ(quantizeValue(254.5f, 1.0f, -128), 126); // 254 even -> -128+254
  // Scale 0.5 (invScale 2): x = 1.25 -> 2.5 -> 2.
  EXPECT_EQ(quantizeValue(1.25f, 2.0f, 0), 2);
  EXPECT_EQ(quantizeValue(1.75f, 2.0f, 0), 4);
}

TEST(Quantize, RandomVsDouble) {
  std::mt19937_64 rng(51);
  for (int trial = 0; trial < 20; ++trial) {
    const float scale = static_cast<float>(randomReal(rng, 0.001, 0.5));
    const float inv = static_cast<float>(1.0 / double(scale));
    const int32_t zp = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    std::vector<float> x(500);
    for (size_t i = 0; i < x.size(); ++i) {
      if (i % 3 == 0) // exact ties in the scaled domain where representable
        x[i] = static_cast<float>(
            (std::uniform_int_distribution<int>(-300, 300)(rng) + 0.5) / inv);
      else
        x[i] = static_cast<float>(randomReal(rng, -200.0, 200.0) * scale);
    }
    std::vector<int8_t> out(x.size());
    quantize(x.data(), out.data(), static_cast<int64_t>(x.size()), inv, zp);
    for (size_t i = 0; i < x.size(); ++i) {
      // float * float is exact in double; one rounding to float equals the
      // float multiply.
      const float t = static_cast<float>(double(x[i]) * double(inv));
      const long r = std::lrint(t); // default mode: ties to even
      const long expected = std::min(std::max(r + zp, -128L), 127L);
      ASSERT_EQ(out[i], expected) << x[i];
    }
  }
}

TEST(Dequantize, AllValues) {
  std::mt19937_64 rng(52);
  for (int trial = 0; trial < 10; ++trial) {
    const float scale = static_cast<float>(randomReal(rng, 1e-4, 1.0));
    const int32_t zp = std::uniform_int_distribution<int32_t>(-128, 127)(rng);
    int8_t q[256];
    for (int i = 0; i < 256; ++i)
      q[i] = static_cast<int8_t>(i - 128);
    float out[256];
    dequantize(q, out, 256, scale, zp);
    for (int i = 0; i < 256; ++i) {
      // The double product is exact (<= 9 + 24 bits); rounding once to float
      // gives the correctly rounded float multiply.
      const float expected =
          static_cast<float>(double(i - 128 - zp) * double(scale));
      ASSERT_EQ(out[i], expected) << i;
      ASSERT_EQ(dequantizeValue(q[i], scale, zp), expected);
    }
  }
  EXPECT_EQ(dequantizeValue(5, 0.5f, 3), 1.0f);
  EXPECT_EQ(dequantizeValue(-128, 0.25f, 127), -63.75f);
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

TEST(Transpose, Hand2D) {
  const int8_t in[6] = {1, 2, 3, 4, 5, 6}; // [2, 3]
  const int64_t shape[2] = {2, 3};
  const int perm[2] = {1, 0};
  int8_t out[6];
  transpose(in, out, 2, shape, perm);
  const int8_t expected[6] = {1, 4, 2, 5, 3, 6}; // [3, 2]
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[i], expected[i]);
}

TEST(Transpose, RankZeroAndOne) {
  const int8_t scalar = -7;
  int8_t outScalar = 0;
  transpose(&scalar, &outScalar, 0, nullptr, nullptr);
  EXPECT_EQ(outScalar, -7);
  const int8_t in[4] = {1, 2, 3, 4};
  const int64_t shape[1] = {4};
  const int perm[1] = {0};
  int8_t out[4];
  transpose(in, out, 1, shape, perm);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(out[i], in[i]);
}

TEST(Transpose, NHWCToNCHW) {
  const int64_t N = 2, H = 3, W = 4, C = 5;
  std::vector<int8_t> in(N * H * W * C);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<int8_t>(i * 7 + 3);
  const int64_t shape[4] = {N, H, W, C};
  const int perm[4] = {0, 3, 1, 2};
  std::vector<int8_t> out(in.size());
  transpose(in.data(), out.data(), 4, shape, perm);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w)
          ASSERT_EQ(out[((n * C + c) * H + h) * W + w],
                    in[((n * H + h) * W + w) * C + c]);
}

TEST(Transpose, RandomRank6) {
  std::mt19937_64 rng(60);
  for (int trial = 0; trial < 10; ++trial) {
    int64_t shape[6];
    int64_t total = 1;
    for (int64_t &d : shape) {
      d = std::uniform_int_distribution<int64_t>(1, 4)(rng);
      total *= d;
    }
    int perm[6] = {0, 1, 2, 3, 4, 5};
    std::shuffle(perm, perm + 6, rng);
    auto in = randomInts<int8_t>(rng, total, -128, 127);
    std::vector<int8_t> out(total);
    transpose(in.data(), out.data(), 6, shape, perm);
    // For every input element, compute where it lands in the output.
    int64_t outShape[6];
    for (int i = 0; i < 6; ++i)
      outShape[i] = shape[perm[i]];
    for (int64_t linear = 0; linear < total; ++linear) {
      int64_t idx[6];
      int64_t rest = linear;
      for (int d = 5; d >= 0; --d) {
        idx[d] = rest % shape[d];
        rest /= shape[d];
      }
      int64_t outLinear = 0;
      for (int i = 0; i < 6; ++i)
        outLinear = outLinear * outShape[i] + idx[perm[i]];
      ASSERT_EQ(out[outLinear], in[linear]);
    }
  }
}

// A fused residual: out = clamp(zp + round(acc·M + (r − zr)·Mr)), checked
// against the same sum computed in long double.
TEST(ReferenceResidual, MatchesRealArithmetic) {
  qc::ref::Conv2DParams p;
  p.batch = 1; p.inHeight = 3; p.inWidth = 4; p.inChannels = 5;
  p.outChannels = 3; p.kernelHeight = 1; p.kernelWidth = 1;
  p.inputZeroPoint = 7; p.outputZeroPoint = -3;
  std::vector<int8_t> x(3 * 4 * 5), w(3 * 5), r(3 * 4 * 3);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>((i * 37) % 251 - 125);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>((i * 53) % 253 - 126);
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<int8_t>((i * 29) % 255 - 127);
  const double M[3] = {0.0031, 0.0017, 0.0052}, Mr = 0.37;
  const int32_t zr = 11;
  std::vector<int32_t> m(3), s(3);
  std::vector<int64_t> mr(3);
  for (int o = 0; o < 3; ++o) {
    auto fp = qc::ref::quantizeMultiplier(M[o]);
    m[o] = fp.m; s[o] = fp.s;
    mr[o] = qc::ref::residualMultiplier(Mr, fp.s);
  }
  qc::ref::ResidualInput res{r.data(), zr, mr.data()};
  std::vector<int8_t> out(3 * 4 * 3);
  qc::ref::conv2d(p, x.data(), w.data(), nullptr, m.data(), s.data(), out.data(), &res);
  int exact = 0;
  for (int pix = 0; pix < 12; ++pix)
    for (int o = 0; o < 3; ++o) {
      long double acc = 0;
      for (int c = 0; c < 5; ++c)
        acc += (long double)(x[pix * 5 + c] - 7) * w[o * 5 + c];
      long double real = -3 + acc * M[o] + (long double)(r[pix * 3 + o] - zr) * Mr;
      long double clamped = std::min<long double>(127, std::max<long double>(-128, real));
      int got = out[pix * 3 + o];
      EXPECT_LE(std::fabs((long double)got - clamped), 0.5001L) << pix << "," << o;
      exact += got == (int)std::floor(clamped + 0.5L);
    }
  EXPECT_GE(exact, 33); // all but ties/near-ties round as exact arithmetic does
}
