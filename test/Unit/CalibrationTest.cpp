//===- CalibrationTest.cpp - calibration statistics and range methods -----===//
//
// Part of qc, an MLIR-based int8 neural-network compiler.
//
//===----------------------------------------------------------------------===//
//
// Expected values are derived independently of the implementation: moving
// averages by hand, histogram bins by re-binning the raw values on the
// reported grid, percentiles from exact order statistics (std::nth_element),
// and quantization errors by quantizing every raw value on the int8 grid and
// brute-force searching clipping ranges.
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Utils/Calibration.h"
#include "qc/Dialect/QC/Utils/QuantMath.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace qc;

namespace {

/// Feeds \p values to \p stats in samples of \p sampleSize.
void addAll(TensorStatistics &stats, const std::vector<float> &values,
            size_t sampleSize) {
  for (size_t i = 0; i < values.size(); i += sampleSize)
    stats.addSample(values.data() + i,
                    int64_t(std::min(sampleSize, values.size() - i)));
}

std::vector<float> normalSample(size_t n, double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, sigma);
  std::vector<float> v(n);
  for (float &x : v)
    x = float(normal(rng));
  return v;
}

/// The mean squared error of quantizing every value on the int8 grid of
/// chooseActivationParams(lo, hi): q = clamp(round(x / s) + zp, -128, 127).
double rawError(const std::vector<float> &values, double lo, double hi) {
  AffineParams p = chooseActivationParams(lo, hi);
  double sum = 0.0;
  for (float x : values) {
    double q = std::nearbyint(double(x) / p.scale) + p.zeroPoint;
    q = std::clamp(q, -128.0, 127.0);
    double e = double(x) - p.scale * (q - p.zeroPoint);
    sum += e * e;
  }
  return sum / double(values.size());
}

int64_t total(const Histogram &h) {
  int64_t t = 0;
  for (int64_t c : h.bins)
    t += c;
  return t;
}

std::vector<CalibrationMethod> allMethods() {
  std::vector<CalibrationMethod> methods;
  for (auto kind : {CalibrationMethod::MinMax, CalibrationMethod::MovingAverage,
                    CalibrationMethod::Percentile, CalibrationMethod::Entropy,
                    CalibrationMethod::MSE}) {
    CalibrationMethod m;
    m.kind = kind;
    methods.push_back(m);
  }
  CalibrationMethod p999;
  p999.kind = CalibrationMethod::Percentile;
  p999.percentile = 99.9;
  methods.push_back(p999);
  return methods;
}

} // namespace

//===----------------------------------------------------------------------===//
// Min/max and moving average
//===----------------------------------------------------------------------===//

TEST(Calibration, MinMaxAndMovingAverage) {
  TensorStatistics stats(2048, 0.1);
  EXPECT_EQ(stats.count(), 0);
  EXPECT_EQ(rangeMinMax(stats).min, 0.0);
  EXPECT_EQ(rangeMSE(stats).max, 0.0);

  const float a[] = {1.0f, 2.0f, 3.0f};
  const float b[] = {5.0f, -1.0f};
  const float c[] = {0.5f};
  stats.addSample(a, 3);
  stats.addSample(b, 0); // ignored, also by the moving averages
  stats.addSample(b, 2);
  stats.addSample(c, 1);

  EXPECT_EQ(stats.count(), 6);
  EXPECT_EQ(stats.min(), -1.0);
  EXPECT_EQ(stats.max(), 5.0);
  Range mm = rangeMinMax(stats);
  EXPECT_EQ(mm.min, -1.0);
  EXPECT_EQ(mm.max, 5.0);

  // By hand, c = 0.1: min 1 -> 1 + 0.1 (-1 - 1) = 0.8 -> 0.8 + 0.1 (0.5 - 0.8)
  // = 0.77; max 3 -> 3 + 0.1 (5 - 3) = 3.2 -> 3.2 + 0.1 (0.5 - 3.2) = 2.93.
  Range ma = rangeMovingAverage(stats);
  EXPECT_NEAR(ma.min, 0.77, 1e-12);
  EXPECT_NEAR(ma.max, 2.93, 1e-12);
  EXPECT_NEAR(stats.movingMin(), 0.77, 1e-12);

  // The default constant is 0.01; the first sample initialises.
  TensorStatistics defaults;
  defaults.addSample(b, 2);
  EXPECT_EQ(defaults.movingMin(), -1.0);
  EXPECT_EQ(defaults.movingMax(), 5.0);
  defaults.addSample(a, 3);
  EXPECT_NEAR(defaults.movingMin(), -1.0 + 0.01 * (1.0 + 1.0), 1e-12);
  EXPECT_NEAR(defaults.movingMax(), 5.0 + 0.01 * (3.0 - 5.0), 1e-12);
}

//===----------------------------------------------------------------------===//
// Histogram
//===----------------------------------------------------------------------===//

TEST(Calibration, HistogramGrowthKeepsEveryValue) {
  std::vector<std::vector<float>> samples = {
      {0.001f, 0.002f, 0.0015f},  {0.5f, 0.25f},
      {10.0f, -3.0f, 7.5f},       {-1000.0f, 0.0f},
      {123456.0f, -0.75f, 3e-7f},
  };
  TensorStatistics stats(2048);
  std::vector<float> seen;
  for (const auto &s : samples) {
    stats.addSample(s.data(), int64_t(s.size()));
    seen.insert(seen.end(), s.begin(), s.end());
    Histogram h = stats.histogram();
    ASSERT_EQ(h.bins.size(), 2048u);
    EXPECT_EQ(total(h), int64_t(seen.size()));
    EXPECT_EQ(stats.count(), int64_t(seen.size()));
    // Power-of-two width, boundaries on multiples of it, covering the data.
    double w = (h.hi - h.lo) / 2048.0;
    EXPECT_EQ(w, stats.binWidth());
    int exponent;
    EXPECT_EQ(std::frexp(w, &exponent), 0.5);
    EXPECT_EQ(std::fmod(h.lo, w), 0.0);
    EXPECT_LE(h.lo, stats.min());
    EXPECT_LT(stats.max(), h.hi);
    // Recount every value seen so far on the final grid.
    std::vector<int64_t> expected(2048, 0);
    for (float x : seen)
      ++expected[size_t(std::floor((double(x) - h.lo) / w))];
    EXPECT_EQ(h.bins, expected);
    // The smallest such grid: half the width would not cover the data.
    double half = w / 2;
    EXPECT_GE(std::floor(stats.max() / half) - std::floor(stats.min() / half),
              2048.0);
  }
}

TEST(Calibration, HistogramIndependentOfOrderAndSplitting) {
  std::vector<float> values = normalSample(20000, 2.0, 11);
  values[123] = 40.0f; // forces growth late in the forward order
  values[19000] = -25.0f;
  TensorStatistics forward, backward, whole;
  addAll(forward, values, 100);
  std::vector<float> reversed(values.rbegin(), values.rend());
  addAll(backward, reversed, 333);
  whole.addSample(values.data(), int64_t(values.size()));
  Histogram f = forward.histogram(), b = backward.histogram(),
            w = whole.histogram();
  EXPECT_EQ(f.lo, b.lo);
  EXPECT_EQ(f.hi, b.hi);
  EXPECT_EQ(f.bins, b.bins);
  EXPECT_EQ(f.lo, w.lo);
  EXPECT_EQ(f.bins, w.bins);
  EXPECT_EQ(total(f), 20000);
}

TEST(Calibration, ConstantTensor) {
  std::vector<float> values(100, 1e30f);
  TensorStatistics stats;
  stats.addSample(values.data(), 100);
  for (const CalibrationMethod &m : allMethods()) {
    Range r = selectRange(stats, m);
    EXPECT_EQ(r.min, double(1e30f));
    EXPECT_EQ(r.max, double(1e30f));
  }
  const float zero = 0.0f;
  stats.addSample(&zero, 1);
  EXPECT_EQ(total(stats.histogram()), 101);
}

TEST(Calibration, SerializationRoundTrip) {
  std::vector<float> values = normalSample(50000, 1.5, 5);
  for (size_t i = 0; i < values.size(); i += 7)
    values[i] = std::max(values[i], 0.0f) * 2.0f; // some asymmetry
  values[10] = 30.0f;
  TensorStatistics stats(2048, 0.05);
  addAll(stats, values, 1000);

  Histogram h = stats.histogram();
  TensorStatistics restored = TensorStatistics::fromSerialized(
      stats.min(), stats.max(), stats.count(), stats.movingMin(),
      stats.movingMax(), h, 0.05);
  EXPECT_EQ(restored.count(), stats.count());
  Histogram h2 = restored.histogram();
  EXPECT_EQ(h2.lo, h.lo);
  EXPECT_EQ(h2.hi, h.hi);
  EXPECT_EQ(h2.bins, h.bins);
  for (const CalibrationMethod &m : allMethods()) {
    Range a = selectRange(stats, m), b = selectRange(restored, m);
    EXPECT_EQ(a.min, b.min) << m.kind;
    EXPECT_EQ(a.max, b.max) << m.kind;
  }

  // Both continue identically after more samples.
  std::vector<float> more = normalSample(1000, 20.0, 6);
  stats.addSample(more.data(), 1000);
  restored.addSample(more.data(), 1000);
  EXPECT_EQ(restored.histogram().bins, stats.histogram().bins);
  EXPECT_EQ(restored.movingMax(), stats.movingMax());

  // A histogram on a foreign grid keeps its total on the canonical grid.
  Histogram foreign{-1.0, 2.0, {1, 2, 3}};
  TensorStatistics f =
      TensorStatistics::fromSerialized(-1.0, 2.0, 6, -1.0, 2.0, foreign);
  EXPECT_EQ(f.numBins(), 3);
  EXPECT_EQ(total(f.histogram()), 6);
  EXPECT_EQ(rangeMinMax(f).max, 2.0);
}

//===----------------------------------------------------------------------===//
// Percentile
//===----------------------------------------------------------------------===//

TEST(Calibration, PercentileMatchesOrderStatistics) {
  const size_t n = 1000000;
  std::vector<float> values = normalSample(n, 1.0, 42);
  TensorStatistics stats;
  addAll(stats, values, 10000);
  double w = stats.binWidth();

  for (double p : {99.99, 99.9, 99.0, 90.0}) {
    double tail = (100.0 - p) / 200.0;
    // 0-based index of the value at rank ceil(q n): it lies in the bin that
    // holds rank q n, as does the interpolated quantile.
    auto orderStatistic = [&](double q) {
      size_t k = size_t(std::ceil(q * double(n))) - 1;
      std::vector<float> copy = values;
      std::nth_element(copy.begin(), copy.begin() + k, copy.end());
      return double(copy[k]);
    };
    Range r = rangePercentile(stats, p);
    EXPECT_NEAR(r.min, orderStatistic(tail), w) << p;
    EXPECT_NEAR(r.max, orderStatistic(1.0 - tail), w) << p;
  }
  // The normal quantiles themselves (loosely): +-3.89 at 99.99.
  Range r = rangePercentile(stats, 99.99);
  EXPECT_NEAR(r.max, 3.89, 0.1);
  EXPECT_NEAR(r.min, -3.89, 0.1);
  // 100 means no clipping, never wider than the data.
  Range all = rangePercentile(stats, 100.0);
  EXPECT_EQ(all.min, stats.min());
  EXPECT_EQ(all.max, stats.max());
}

//===----------------------------------------------------------------------===//
// Entropy
//===----------------------------------------------------------------------===//

TEST(Calibration, EntropyCutsOutliersKeepsBulk) {
  // Normal, sigma 1, with a few huge outliers on both sides.
  std::vector<float> values = normalSample(200000, 1.0, 3);
  values[5] = 60.0f;
  values[500] = 45.0f;
  values[7000] = -55.0f;
  values[9000] = -40.0f;
  TensorStatistics stats;
  addAll(stats, values, 5000);
  Range r = rangeEntropy(stats);
  EXPECT_GT(r.max, 3.0);
  EXPECT_LT(r.max, 0.5 * stats.max());
  EXPECT_LT(r.min, -3.0);
  EXPECT_GT(r.min, 0.5 * stats.min());
}

TEST(Calibration, EntropyOneSidedOutliers) {
  // Laplace (b = 1) with outliers only above: the clean lower side must not
  // be clipped into the bulk.
  std::mt19937_64 rng(9);
  std::exponential_distribution<double> exponential(1.0);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> values(200000);
  for (float &x : values)
    x = float(sign(rng) ? exponential(rng) : -exponential(rng));
  values[77] = 100.0f;
  values[88] = 80.0f;
  TensorStatistics stats;
  addAll(stats, values, 10000);
  Range r = rangeEntropy(stats);
  EXPECT_GT(r.max, 4.0);
  EXPECT_LT(r.max, 0.5 * stats.max());
  EXPECT_LT(r.min, -4.0);
}

TEST(Calibration, EntropyReLU) {
  std::vector<float> values = normalSample(200000, 1.0, 4);
  for (float &x : values)
    x = std::max(x, 0.0f);
  values[1000] = 50.0f;
  values[2000] = 40.0f;
  TensorStatistics stats;
  addAll(stats, values, 4000);
  Range r = rangeEntropy(stats);
  EXPECT_EQ(r.min, 0.0);
  EXPECT_GT(r.max, 3.0);
  EXPECT_LT(r.max, 0.5 * stats.max());
}

TEST(Calibration, EntropyUniformKeepsRange) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> uniform(-1.0, 3.0);
  std::vector<float> values(200000);
  for (float &x : values)
    x = float(uniform(rng));
  TensorStatistics stats;
  addAll(stats, values, 10000);
  Range r = rangeEntropy(stats);
  EXPECT_LE(r.min, -0.95);
  EXPECT_GE(r.max, 2.85);
}

//===----------------------------------------------------------------------===//
// MSE
//===----------------------------------------------------------------------===//

TEST(Calibration, MSEBeatsMinMaxAndGridSearch) {
  // Asymmetric Laplace: scale 1 below zero, 2 above, plus an outlier.
  std::mt19937_64 rng(12);
  std::exponential_distribution<double> exponential(1.0);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> values(100000);
  for (float &x : values)
    x = float(sign(rng) ? 2.0 * exponential(rng) : -exponential(rng));
  values[3] = 40.0f;
  TensorStatistics stats;
  addAll(stats, values, 10000);

  Range r = rangeMSE(stats);
  double chosen = rawError(values, r.min, r.max);
  double minmax = rawError(values, stats.min(), stats.max());
  EXPECT_LE(chosen, minmax);

  // Brute force over clipping ranges [a min, b max] on the raw values.
  double best = minmax;
  const int steps = 32;
  for (int i = 1; i <= steps; ++i)
    for (int j = 1; j <= steps; ++j)
      best = std::min(best, rawError(values, stats.min() * i / steps,
                                     stats.max() * j / steps));
  EXPECT_LE(chosen, 1.01 * best) << chosen << " vs " << best;
  // Clipping pays off, though not by clipping the outlier away: it alone
  // would cost (40 - hi)^2 / 1e5.
  EXPECT_LT(chosen, 0.95 * minmax);
  EXPECT_GT(r.max, 20.0);
}

TEST(Calibration, MSEReLUKeepsZero) {
  std::vector<float> values = normalSample(50000, 1.0, 13);
  for (float &x : values)
    x = std::max(x, 0.0f);
  TensorStatistics stats;
  addAll(stats, values, 5000);
  Range r = rangeMSE(stats);
  EXPECT_EQ(r.min, 0.0);
  EXPECT_LE(r.max, stats.max());
  EXPECT_LE(rawError(values, r.min, r.max),
            rawError(values, stats.min(), stats.max()));
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

TEST(Calibration, ParseMethods) {
  CalibrationMethod m;
  std::string error;
  ASSERT_TRUE(parseCalibrationMethod("minmax", m, error));
  EXPECT_EQ(m.kind, CalibrationMethod::MinMax);
  ASSERT_TRUE(parseCalibrationMethod("entropy", m, error));
  EXPECT_EQ(m.kind, CalibrationMethod::Entropy);
  ASSERT_TRUE(parseCalibrationMethod("mse", m, error));
  EXPECT_EQ(m.kind, CalibrationMethod::MSE);

  ASSERT_TRUE(parseCalibrationMethod("percentile", m, error));
  EXPECT_EQ(m.kind, CalibrationMethod::Percentile);
  EXPECT_EQ(m.percentile, 99.99);
  ASSERT_TRUE(parseCalibrationMethod("percentile:99.9", m, error));
  EXPECT_EQ(m.percentile, 99.9);
  ASSERT_TRUE(parseCalibrationMethod("percentile:100", m, error));
  EXPECT_EQ(m.percentile, 100.0);

  CalibrationMethod ma;
  ASSERT_TRUE(parseCalibrationMethod("moving-average", ma, error));
  EXPECT_EQ(ma.kind, CalibrationMethod::MovingAverage);
  EXPECT_EQ(ma.averagingConstant, 0.01);
  ASSERT_TRUE(parseCalibrationMethod("moving-average:0.2", ma, error));
  EXPECT_EQ(ma.averagingConstant, 0.2);
  ASSERT_TRUE(parseCalibrationMethod("moving-average:1", ma, error));
  EXPECT_EQ(ma.averagingConstant, 1.0);

  for (const char *bad :
       {"", "MinMax", "min-max", "minmax:1", "entropy:128", "mse:", "kl",
        "percentile:", "percentile:50", "percentile:100.5", "percentile:abc",
        "percentile:99x", "percentile: 99", "percentile:nan",
        "moving-average:0", "moving-average:1.5", "moving-average:-0.1",
        "moving-average:inf", "moving-average:0.1:2"}) {
    CalibrationMethod before;
    before.kind = CalibrationMethod::Entropy;
    CalibrationMethod out = before;
    error.clear();
    EXPECT_FALSE(parseCalibrationMethod(bad, out, error)) << bad;
    EXPECT_EQ(out.kind, CalibrationMethod::Entropy) << bad;
    EXPECT_NE(error.find("minmax, moving-average[:C] with C in (0, 1], "
                         "percentile[:P] with P in (50, 100], entropy, mse"),
              std::string::npos)
        << error;
  }
}
