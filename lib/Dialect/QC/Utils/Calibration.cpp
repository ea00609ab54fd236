//===- Calibration.cpp - calibration statistics and range selection -------===//
//
// Part of qc, an MLIR-based int8 neural-network compiler.
//
//===----------------------------------------------------------------------===//
//
// See Calibration.h for the definitions (histogram grid, methods).
//
//===----------------------------------------------------------------------===//

#include "qc/Dialect/QC/Utils/Calibration.h"
#include "qc/Dialect/QC/Utils/QuantMath.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace qc {

namespace {

/// Smallest bin-width exponent ever used: below float subnormals.
constexpr int kMinExponent = -160;
/// The bin width is at least 2^-kRelativeExponent of the largest magnitude, so
/// lo/w and hi/w stay small integers and lo, hi are exact.
constexpr int kRelativeExponent = 30;

/// Whether the grid of width 2^e holds [lo, hi] in \p n bins.
bool gridCovers(int e, double lo, double hi, int n) {
  return std::floor(std::ldexp(hi, -e)) - std::floor(std::ldexp(lo, -e)) <
         double(n);
}

/// The least admissible exponent whose grid covers [lo, hi] in \p n bins.
/// Monotone in [lo, hi]: a wider interval never gets a smaller exponent.
int minimalExponent(double lo, double hi, int n) {
  int e = kMinExponent;
  double magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (magnitude > 0.0)
    e = std::max(e, std::ilogb(magnitude) - kRelativeExponent);
  double perBin = (hi - lo) / n;
  if (perBin > 0.0)
    e = std::max(e, std::ilogb(perBin)); // a lower bound on the answer
  while (!gridCovers(e, lo, hi, n))
    ++e;
  return e;
}

} // namespace

//===----------------------------------------------------------------------===//
// TensorStatistics
//===----------------------------------------------------------------------===//

TensorStatistics::TensorStatistics(int numBins, double averagingConstant)
    : binCount(std::max(numBins, 2)), emaConstant(averagingConstant) {}

void TensorStatistics::ensureGrid(double lo, double hi) {
  int e = minimalExponent(lo, hi, binCount);
  if (!bins.empty())
    e = std::max(e, gridExp); // a grid never becomes finer
  double base = std::floor(std::ldexp(lo, -e));
  if (bins.empty()) {
    bins.assign(binCount, 0);
    gridExp = e;
    gridBase = base;
    return;
  }
  if (e == gridExp && base == gridBase)
    return;
  std::vector<int64_t> rebinned(binCount, 0);
  for (int m = 0; m < binCount; ++m) {
    if (bins[m] == 0)
      continue;
    // Absolute index A of the old bin; its values lie in the new bin of
    // absolute index floor(A / 2^(e - gridExp)). All exact in double.
    double absolute = gridBase + m;
    double index = std::floor(std::ldexp(absolute, gridExp - e)) - base;
    int64_t i = std::clamp<int64_t>(int64_t(index), 0, binCount - 1);
    rebinned[i] += bins[m];
  }
  bins.swap(rebinned);
  gridExp = e;
  gridBase = base;
}

void TensorStatistics::addSample(const float *data, int64_t n) {
  if (n <= 0)
    return;
  double sampleMin = data[0], sampleMax = data[0];
  for (int64_t i = 1; i < n; ++i) {
    sampleMin = std::min(sampleMin, double(data[i]));
    sampleMax = std::max(sampleMax, double(data[i]));
  }
  if (numValues == 0) {
    minValue = emaMin = sampleMin;
    maxValue = emaMax = sampleMax;
  } else {
    minValue = std::min(minValue, sampleMin);
    maxValue = std::max(maxValue, sampleMax);
    emaMin += emaConstant * (sampleMin - emaMin);
    emaMax += emaConstant * (sampleMax - emaMax);
  }
  numValues += n;
  ensureGrid(minValue, maxValue);
  // x * 2^-e is exact (no overflow or underflow for float x and our e).
  double inverseWidth = std::ldexp(1.0, -gridExp);
  for (int64_t i = 0; i < n; ++i) {
    double index = std::floor(double(data[i]) * inverseWidth) - gridBase;
    assert(index >= 0.0 && index < binCount && "non-finite value");
    ++bins[int64_t(index)];
  }
}

TensorStatistics TensorStatistics::fromSerialized(
    double min, double max, int64_t count, double movingMin, double movingMax,
    const Histogram &histogram, double averagingConstant) {
  int n = histogram.bins.empty() ? 2048 : int(histogram.bins.size());
  TensorStatistics stats(n, averagingConstant);
  if (count <= 0)
    return stats;
  stats.minValue = min;
  stats.maxValue = max;
  stats.numValues = count;
  stats.emaMin = movingMin;
  stats.emaMax = movingMax;
  if (histogram.bins.empty() || !(min <= max))
    return stats;

  // A canonical grid (as written by histogram()) is restored as is.
  double width = (histogram.hi - histogram.lo) / n;
  int exponent = 0;
  if (width > 0.0 && std::isfinite(width) &&
      std::frexp(width, &exponent) == 0.5) {
    int e = exponent - 1;
    double base = std::ldexp(histogram.lo, -e);
    if (e >= kMinExponent && base == std::floor(base) &&
        std::ldexp(base + n, e) == histogram.hi &&
        std::floor(std::ldexp(min, -e)) >= base &&
        std::floor(std::ldexp(max, -e)) < base + n) {
      stats.gridExp = e;
      stats.gridBase = base;
      stats.bins = histogram.bins;
      for (int64_t &c : stats.bins)
        c = std::max<int64_t>(c, 0);
      return stats;
    }
  }

  // Anything else: each bin's count goes to the canonical bin holding its
  // centre (clamped to [min, max]).
  stats.ensureGrid(min, max);
  double inverseWidth = std::ldexp(1.0, -stats.gridExp);
  for (int i = 0; i < n; ++i) {
    int64_t c = histogram.bins[i];
    if (c <= 0)
      continue;
    double centre = width > 0.0 && std::isfinite(width)
                        ? histogram.lo + (i + 0.5) * width
                        : histogram.lo;
    centre = std::clamp(centre, min, max);
    double index = std::floor(centre * inverseWidth) - stats.gridBase;
    stats.bins[std::clamp<int64_t>(int64_t(index), 0, n - 1)] += c;
  }
  return stats;
}

Histogram TensorStatistics::histogram() const {
  Histogram h;
  if (bins.empty())
    return h;
  h.lo = std::ldexp(gridBase, gridExp);
  h.hi = std::ldexp(gridBase + binCount, gridExp);
  h.bins = bins;
  return h;
}

double TensorStatistics::binWidth() const {
  return bins.empty() ? 0.0 : std::ldexp(1.0, gridExp);
}

//===----------------------------------------------------------------------===//
// Range selection
//===----------------------------------------------------------------------===//

namespace {

/// The histogram as (lo, w, bins) plus its total, or total 0 if none.
struct HistogramView {
  double lo = 0.0, width = 0.0;
  std::vector<int64_t> bins;
  int64_t total = 0;

  explicit HistogramView(const TensorStatistics &stats) {
    Histogram h = stats.histogram();
    if (h.bins.empty())
      return;
    lo = h.lo;
    width = stats.binWidth();
    bins = std::move(h.bins);
    for (int64_t c : bins)
      total += c;
  }
};

/// Whether a histogram method has nothing to work on; sets \p out then.
bool trivialRange(const TensorStatistics &stats, const HistogramView &view,
                  Range &out) {
  if (stats.count() <= 0) {
    out = {0.0, 0.0};
    return true;
  }
  if (stats.min() >= stats.max() || view.total <= 0) {
    out = {stats.min(), stats.max()};
    return true;
  }
  return false;
}

/// The value below which a fraction \p q of the histogram lies, linearly
/// interpolated within the bin containing rank q * total.
double histogramQuantile(const HistogramView &view, double q) {
  double target = q * double(view.total);
  double below = 0.0;
  int last = -1;
  for (int b = 0; b < int(view.bins.size()); ++b) {
    double c = double(view.bins[b]);
    if (c <= 0.0)
      continue;
    last = b;
    if (below + c >= target)
      return view.lo + view.width * (b + std::max(0.0, target - below) / c);
    below += c;
  }
  return view.lo + view.width * (last + 1); // rounding at q = 1
}

//===--- Entropy ---------------------------------------------------------===//

/// One side of zero as a histogram of distances: h[j] counts the values with
/// |x| in bin j (width w) counted outward from zero.
struct SideHistogram {
  std::vector<double> h;
  double width = 0.0;
};

SideHistogram buildSide(const HistogramView &view, double gridBase,
                        bool positive) {
  SideHistogram side;
  std::vector<std::pair<double, double>> entries; // (distance index, count)
  double furthest = -1.0;
  for (size_t m = 0; m < view.bins.size(); ++m) {
    if (view.bins[m] <= 0)
      continue;
    double absolute = gridBase + double(m);
    double distance;
    if (positive && absolute >= 0.0)
      distance = absolute; // [A w, (A+1) w)
    else if (!positive && absolute < 0.0)
      distance = -absolute - 1.0; // [A w, (A+1) w) is |x| in (-(A+1) w, -A w]
    else
      continue;
    entries.push_back({distance, double(view.bins[m])});
    furthest = std::max(furthest, distance);
  }
  if (entries.empty())
    return side;
  // Data far from zero (not straddling it) can put the side's extent at many
  // bins; coarsen by a power of two to at most 2N bins (exact merging).
  double limit = 2.0 * double(view.bins.size());
  double factor = 1.0;
  while ((furthest + 1.0) / factor > limit)
    factor *= 2.0;
  side.width = view.width * factor;
  side.h.assign(size_t(std::floor(furthest / factor)) + 1, 0.0);
  for (auto [distance, c] : entries)
    side.h[size_t(std::floor(distance / factor))] += c;
  return side;
}

/// ORT's smooth_distribution on \p v[0, n): zeros become eps, non-zeros lose
/// eps * #zeros / #non-zeros. eps = 1e-4 * min(1, smallest non-zero), capped
/// so that no entry loses more than half its value. False if all are zero.
bool smooth(double *v, int64_t n) {
  int64_t zeros = 0;
  double smallest = std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < n; ++j) {
    if (v[j] == 0.0)
      ++zeros;
    else
      smallest = std::min(smallest, v[j]);
  }
  int64_t nonZeros = n - zeros;
  if (nonZeros == 0)
    return false;
  if (zeros == 0)
    return true;
  double eps = 1e-4 * std::min(1.0, smallest);
  double taken = eps * double(zeros) / double(nonZeros);
  if (taken > 0.5 * smallest) {
    taken = 0.5 * smallest;
    eps = taken * double(nonZeros) / double(zeros);
  }
  for (int64_t j = 0; j < n; ++j)
    v[j] = v[j] == 0.0 ? eps : v[j] - taken;
  return true;
}

/// The TensorRT / ORT threshold search on one side with \p levels non-zero
/// levels; returns the threshold (a distance from zero). Bin 0 (next to zero,
/// which the quantizer represents exactly) is its own level, so a spike of
/// zeros (ReLU) is not smeared over a merged group; bins [1, i) are merged
/// into the \p levels levels. Windows that clip more than half of the side's
/// values are skipped: there P and Q both degenerate to a spike in the edge
/// bin and KL(P || Q) is spuriously ~0 (data far from zero, e.g. in [5, 6]).
double searchSide(const SideHistogram &side, int levels) {
  int64_t n = int64_t(side.h.size());
  if (n == 0)
    return 0.0;
  if (n <= levels + 1)
    return double(n) * side.width;
  std::vector<double> beyond(n + 1, 0.0); // beyond[i] = sum h[i, n)
  for (int64_t j = n - 1; j >= 0; --j)
    beyond[j] = beyond[j + 1] + side.h[j];
  std::vector<double> p(n), q(n);
  double bestKL = std::numeric_limits<double>::infinity();
  int64_t bestWindow = n;
  for (int64_t i = levels + 1; i <= n; ++i) {
    if (beyond[i] > 0.5 * beyond[0])
      continue;
    std::copy(side.h.begin(), side.h.begin() + i, p.begin());
    p[i - 1] += beyond[i];
    q[0] = p[0];
    int64_t merged = (i - 1) / levels;
    for (int g = 0; g < levels; ++g) {
      int64_t start = 1 + g * merged;
      int64_t end = g == levels - 1 ? i : start + merged;
      double sum = 0.0;
      int64_t nonZero = 0;
      for (int64_t j = start; j < end; ++j) {
        sum += side.h[j];
        nonZero += p[j] != 0.0;
      }
      double value = nonZero ? sum / double(nonZero) : 0.0;
      for (int64_t j = start; j < end; ++j)
        q[j] = p[j] != 0.0 ? value : 0.0;
    }
    if (!smooth(p.data(), i) || !smooth(q.data(), i))
      continue;
    double sumP = 0.0, sumQ = 0.0;
    for (int64_t j = 0; j < i; ++j) {
      sumP += p[j];
      sumQ += q[j];
    }
    double kl = 0.0;
    for (int64_t j = 0; j < i; ++j) {
      double pj = p[j] / sumP;
      kl += pj * std::log(pj / (q[j] / sumQ));
    }
    if (kl < bestKL) {
      bestKL = kl;
      bestWindow = i;
    }
  }
  return double(bestWindow) * side.width;
}

//===--- MSE -------------------------------------------------------------===//

/// Values uniform on [u, v] (u == v: a point mass), \p count of them.
struct Piece {
  double u, v, count;
};

/// The expected total squared quantization error of \p pieces on the int8
/// grid that chooseActivationParams(lo, hi) gives.
///
/// With y = (x - qmin) / s the position on the grid (levels at y = 0..255),
/// the error is s^2 (y - k)^2 where k = clamp(round(y), 0, 255), and an
/// antiderivative in y is H(y) = k / 12 + (y - k)^3 / 3 (each full rounding
/// cell integrates to 1/12; continuous at cell edges and through clipping).
double quantizationError(const std::vector<Piece> &pieces, double lo,
                         double hi) {
  AffineParams params = chooseActivationParams(lo, hi);
  double s = params.scale;
  double qmin = s * (-128.0 - params.zeroPoint);
  double inverse = 1.0 / s;
  auto level = [](double y) {
    return std::clamp(std::floor(y + 0.5), 0.0, 255.0);
  };
  auto antiderivative = [&](double y) {
    double k = level(y), d = y - k;
    return k / 12.0 + d * d * d / 3.0;
  };
  double total = 0.0;
  for (const Piece &piece : pieces) {
    double yu = (piece.u - qmin) * inverse, yv = (piece.v - qmin) * inverse;
    double mean;
    if (yv > yu) {
      mean = (antiderivative(yv) - antiderivative(yu)) / (yv - yu);
    } else {
      double d = yu - level(yu);
      mean = d * d;
    }
    total += piece.count * mean;
  }
  return total * s * s;
}

} // namespace

Range rangeMinMax(const TensorStatistics &stats) {
  return {stats.min(), stats.max()};
}

Range rangeMovingAverage(const TensorStatistics &stats) {
  return {stats.movingMin(), stats.movingMax()};
}

Range rangePercentile(const TensorStatistics &stats, double percentile) {
  HistogramView view(stats);
  Range out;
  if (trivialRange(stats, view, out))
    return out;
  double tail = std::clamp((100.0 - percentile) / 200.0, 0.0, 0.5);
  double lower = histogramQuantile(view, tail);
  double upper = histogramQuantile(view, 1.0 - tail);
  lower = std::clamp(lower, stats.min(), stats.max());
  upper = std::clamp(upper, lower, stats.max());
  return {lower, upper};
}

Range rangeEntropy(const TensorStatistics &stats, int numQuantizedBins) {
  HistogramView view(stats);
  Range out;
  if (trivialRange(stats, view, out))
    return out;
  int levels = std::max(numQuantizedBins, 2);
  double gridBase = std::round(view.lo / view.width);
  SideHistogram positive = buildSide(view, gridBase, /*positive=*/true);
  SideHistogram negative = buildSide(view, gridBase, /*positive=*/false);
  bool hasPositive = stats.max() > 0.0 && !positive.h.empty();
  bool hasNegative = stats.min() < 0.0 && !negative.h.empty();

  double upper = hasPositive ? stats.max() : 0.0;
  double lower = hasNegative ? -stats.min() : 0.0; // as a distance
  int previousShare = -1;
  for (int iteration = 0; iteration < 8; ++iteration) {
    int share = levels; // levels of the positive side
    if (!hasPositive)
      share = 0;
    else if (hasNegative)
      share = std::clamp(int(std::lround(levels * upper / (upper + lower))), 1,
                         levels - 1);
    if (share == previousShare)
      break;
    previousShare = share;
    if (hasPositive)
      upper = std::min(searchSide(positive, share), stats.max());
    if (hasNegative)
      lower = std::min(searchSide(negative, levels - share), -stats.min());
  }
  double lo = hasNegative ? -lower : stats.min();
  double hi = hasPositive ? upper : stats.max();
  lo = std::clamp(lo, stats.min(), stats.max());
  hi = std::clamp(hi, lo, stats.max());
  return {lo, hi};
}

Range rangeMSE(const TensorStatistics &stats) {
  HistogramView view(stats);
  Range out;
  if (trivialRange(stats, view, out))
    return out;
  std::vector<Piece> pieces;
  for (size_t m = 0; m < view.bins.size(); ++m) {
    if (view.bins[m] <= 0)
      continue;
    double u = view.lo + view.width * double(m);
    double v = u + view.width;
    u = std::clamp(u, stats.min(), stats.max());
    v = std::clamp(v, u, stats.max());
    pieces.push_back({u, v, double(view.bins[m])});
  }
  bool hasNegative = stats.min() < 0.0;
  bool hasPositive = stats.max() > 0.0;
  auto lowerAt = [&](double a) {
    return hasNegative ? a * stats.min() : stats.min();
  };
  auto upperAt = [&](double b) {
    return hasPositive ? b * stats.max() : stats.max();
  };

  double bestA = 1.0, bestB = 1.0;
  double bestError = quantizationError(pieces, stats.min(), stats.max());
  // Evaluates the (2 * half + 1)^2 grid of spacing `step` around (ca, cb),
  // restricted to [0, 1]^2 (one point along a side without values).
  auto search = [&](double ca, double cb, double step, int half) {
    for (int i = -half; i <= half; ++i) {
      double a = ca + i * step;
      if (a < 0.0 || a > 1.0 || (!hasNegative && i != 0))
        continue;
      for (int j = -half; j <= half; ++j) {
        double b = cb + j * step;
        if (b < 0.0 || b > 1.0 || (!hasPositive && j != 0))
          continue;
        double error = quantizationError(pieces, lowerAt(a), upperAt(b));
        if (error < bestError) {
          bestError = error;
          bestA = a;
          bestB = b;
        }
      }
    }
  };
  constexpr int kCoarse = 64, kRefine = 16;
  double step = 1.0 / kCoarse;
  search(0.5, 0.5, step, kCoarse / 2);
  for (int round = 0; round < 3; ++round) {
    double fine = step / kRefine;
    search(bestA, bestB, fine, kRefine);
    step = fine;
  }
  return {lowerAt(bestA), upperAt(bestB)};
}

Range selectRange(const TensorStatistics &stats,
                  const CalibrationMethod &method) {
  switch (method.kind) {
  case CalibrationMethod::MinMax:
    return rangeMinMax(stats);
  case CalibrationMethod::MovingAverage:
    return rangeMovingAverage(stats);
  case CalibrationMethod::Percentile:
    return rangePercentile(stats, method.percentile);
  case CalibrationMethod::Entropy:
    return rangeEntropy(stats);
  case CalibrationMethod::MSE:
    return rangeMSE(stats);
  }
  return rangeMinMax(stats);
}

//===----------------------------------------------------------------------===//
// Parsing
//===----------------------------------------------------------------------===//

namespace {

constexpr const char *kValidMethods =
    "valid methods: minmax, moving-average[:C] with C in (0, 1], "
    "percentile[:P] with P in (50, 100], entropy, mse";

/// Parses all of \p text as a finite double.
bool parseNumber(const std::string &text, double &out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value))
    return false;
  out = value;
  return true;
}

} // namespace

bool parseCalibrationMethod(const std::string &text, CalibrationMethod &out,
                            std::string &error) {
  size_t colon = text.find(':');
  std::string name = text.substr(0, colon);
  bool hasParameter = colon != std::string::npos;
  std::string parameter = hasParameter ? text.substr(colon + 1) : "";

  CalibrationMethod method = out;
  if (name == "minmax" || name == "entropy" || name == "mse") {
    if (hasParameter) {
      error = "calibration method '" + name + "' takes no parameter; " +
              kValidMethods;
      return false;
    }
    method.kind = name == "minmax"    ? CalibrationMethod::MinMax
                  : name == "entropy" ? CalibrationMethod::Entropy
                                      : CalibrationMethod::MSE;
  } else if (name == "moving-average") {
    method.kind = CalibrationMethod::MovingAverage;
    if (hasParameter) {
      double c;
      if (!parseNumber(parameter, c) || !(c > 0.0 && c <= 1.0)) {
        error = "invalid averaging constant '" + parameter +
                "' in calibration method '" + text + "'; " + kValidMethods;
        return false;
      }
      method.averagingConstant = c;
    }
  } else if (name == "percentile") {
    method.kind = CalibrationMethod::Percentile;
    if (hasParameter) {
      double p;
      if (!parseNumber(parameter, p) || !(p > 50.0 && p <= 100.0)) {
        error = "invalid percentile '" + parameter +
                "' in calibration method '" + text + "'; " + kValidMethods;
        return false;
      }
      method.percentile = p;
    }
  } else {
    error = "unknown calibration method '" + text + "'; " + kValidMethods;
    return false;
  }
  out = method;
  return true;
}

} // namespace qc
