//===- QuantMathTest.cpp - the compiler's quantization arithmetic ---------===//
//
// Checks qc's own derivations against exact definitions, and against the
// independent reference oracle where both derive the same constant.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Utils/QuantMath.h"
#include "qc/Reference/Reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace qc;

TEST(QuantMath, ActivationParamsCoverRangeAndZero) {
  AffineParams p = chooseActivationParams(-1.0, 3.0);
  EXPECT_NEAR(p.scale, 4.0 / 255.0, 1e-12);
  // The real zero is exactly representable: -128 + 1/scale·1.0 = zp.
  EXPECT_EQ(p.zeroPoint, -64);
  AffineParams relu = chooseActivationParams(0.0, 6.0);
  EXPECT_EQ(relu.zeroPoint, -128);
  AffineParams neg = chooseActivationParams(-2.0, -1.0); // widened to 0
  EXPECT_EQ(neg.zeroPoint, 127);
  AffineParams flat = chooseActivationParams(0.0, 0.0);
  EXPECT_EQ(flat.scale, 1.0);
  EXPECT_EQ(flat.zeroPoint, 0);
}

TEST(QuantMath, MultiplierIsAccurateAndNormalized) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-30.0, 10.0);
  for (int i = 0; i < 10000; ++i) {
    double m = std::exp2(exponent(rng));
    FixedPointMultiplier fp = quantizeMultiplier(m);
    ASSERT_GE(fp.multiplier, 1 << 30);
    ASSERT_GE(fp.shift, 1);
    ASSERT_LE(fp.shift, 62);
    double back = std::ldexp(double(fp.multiplier), -fp.shift);
    ASSERT_LE(std::fabs(back - m), std::ldexp(0.5, -fp.shift) * 1.000001) << m;
    // The oracle derives the same constant independently.
    ref::FixedPointMultiplier r = ref::quantizeMultiplier(m);
    ASSERT_EQ(r.m, fp.multiplier);
    ASSERT_EQ(r.s, fp.shift);
  }
}

TEST(QuantMath, RoundingShiftRoundsHalfUp) {
  EXPECT_EQ(roundingShift(5, 1), 3);   // 2.5 → 3
  EXPECT_EQ(roundingShift(-5, 1), -2); // -2.5 → -2
  EXPECT_EQ(roundingShift(7, 2), 2);   // 1.75 → 2
  EXPECT_EQ(roundingShift(-7, 2), -2); // -1.75 → -2
  for (int64_t x = -1000; x <= 1000; ++x)
    ASSERT_EQ(roundingShift(x, 3), int64_t(std::floor(double(x) / 8.0 + 0.5)));
}

TEST(QuantMath, PairedMultipliersShareOneShift) {
  PairedMultiplier p = quantizePairedMultiplier(0.75, 0.1);
  EXPECT_GE(p.lhs, 1 << 30);
  EXPECT_NEAR(std::ldexp(double(p.rhs), -p.shift), 0.1, std::ldexp(1.0, -p.shift));
  ref::AddMultipliers r = ref::quantizeAddMultipliers(0.75, 0.1);
  EXPECT_EQ(r.ma, p.lhs);
  EXPECT_EQ(r.mb, p.rhs);
  EXPECT_EQ(r.s, p.shift);
}

TEST(QuantMath, RoundHalfEven) {
  EXPECT_EQ(roundHalfEven(2.5), 2.0);
  EXPECT_EQ(roundHalfEven(3.5), 4.0);
  EXPECT_EQ(roundHalfEven(-2.5), -2.0);
  EXPECT_EQ(roundHalfEven(-0.4), -0.0);
  EXPECT_EQ(roundHalfEven(1.6), 2.0);
}

TEST(QuantMath, MinWeightStepsPerChannelVector) {
  // 3 output channels, 2 taps, 6 input channels (2 groups of 4 per tap, the
  // second padded): vectors of 2 channels.
  std::vector<int8_t> w(3 * 2 * 6, 1);
  auto at = [](int64_t o, int64_t t, int64_t c) { return (o * 2 + t) * 6 + c; };
  w[at(0, 0, 5)] = -128; // vector 0, tap 0, group 1: step 1
  w[at(1, 0, 4)] = -128; // the same step again
  w[at(1, 1, 0)] = -128; // vector 0, tap 1, group 0: step 2
  w[at(2, 1, 5)] = -128; // vector 1, tap 1, group 1: step 3
  w[at(2, 0, 3)] = -127; // not -128: no step
  auto steps = qc::minWeightSteps(w.data(), 3, 2, 6, 2);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0], (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(steps[1], (std::vector<int64_t>{3}));
}
