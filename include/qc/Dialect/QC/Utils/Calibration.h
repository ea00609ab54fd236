//===- Calibration.h - Calibration statistics and ranges --------*- C++ -*-===//
//
// Part of qc, an MLIR-based int8 neural-network compiler.
//
//===----------------------------------------------------------------------===//
//
// The statistics that calibration gathers for one tensor over the calibration
// samples, and the methods that turn them into the clipping range [min, max]
// from which chooseActivationParams derives the int8 scale and zero point.
//
// Plain C++ (std only), deterministic, no global state. The statistics are
// serialisable (the JSON calibration table stores them) so that every range
// selection method can be re-run later from the table without the data.
//
// Histogram layout ("canonical grid"). A histogram has N bins (2048 by
// default) of width w = 2^e over [lo, hi) = [K*w, (K+N)*w) with K an integer,
// so bin boundaries are integer multiples of w and 0 is always a boundary
// (a bin never straddles zero). A value x falls in bin floor(x/w) - K; both
// terms are exact in double arithmetic. The grid is always the *smallest*
// canonical grid covering the running [min, max]: e is the least exponent
// with floor(max/w) - floor(min/w) < N (subject to the floor
// w >= 2^-160 and w >= 2^(ilogb(max(|min|,|max|)) - 30), which keeps lo/hi
// exact and only matters for (near-)constant tensors), and K = floor(min/w).
// When a sample extends [min, max], the grid is recomputed by that rule: the
// width doubles zero or more times and/or lo moves by whole bins, and every
// old bin maps exactly into one new bin (new bin of absolute index A is
// floor(A / 2^(e'-e)) - K'), so no count is lost or split. Because the rule
// depends only on [min, max], the final histogram is an exact function of the
// multiset of values seen - independent of sample order and of how the values
// are split into samples. The data occupies at least about N/2 bins of the
// grid (unless the floor on w applies).
//
//===----------------------------------------------------------------------===//

#ifndef QC_DIALECT_QC_UTILS_CALIBRATION_H
#define QC_DIALECT_QC_UTILS_CALIBRATION_H

#include <cstdint>
#include <string>
#include <vector>

namespace qc {

/// A histogram of values: bins[i] counts the values in
/// [lo + i*w, lo + (i+1)*w) with w = (hi - lo) / bins.size(). Empty (no bins,
/// lo = hi = 0) before the first value.
struct Histogram {
  double lo = 0.0, hi = 0.0;
  std::vector<int64_t> bins;
};

/// Streaming statistics of one tensor over the calibration samples.
class TensorStatistics {
public:
  /// \p numBins is the histogram resolution (>= 2); \p averagingConstant the
  /// weight c in (0, 1] of each new sample in movingMin()/movingMax().
  explicit TensorStatistics(int numBins = 2048,
                            double averagingConstant = 0.01);

  /// Adds one calibration sample: the \p n values of the tensor at \p data,
  /// all finite (the caller checks). A sample with n <= 0 is ignored entirely
  /// (it does not update the moving averages either).
  void addSample(const float *data, int64_t n);

  /// Restores statistics stored by min()/max()/count()/movingMin()/
  /// movingMax()/histogram(). A histogram from histogram() is restored
  /// bit-exactly, so every range method gives the same result as before and
  /// further samples can be added. A histogram on any other grid (e.g. edited
  /// by hand) is converted to the canonical grid for [min, max] by assigning
  /// each bin's count to the canonical bin containing its centre (clamped to
  /// [min, max]); that is approximate. With count <= 0 the result is empty.
  /// The histogram resolution is bins.size() (or 2048 if there are none).
  static TensorStatistics fromSerialized(double min, double max, int64_t count,
                                         double movingMin, double movingMax,
                                         const Histogram &histogram,
                                         double averagingConstant = 0.01);

  /// Running minimum / maximum of all values (0 when count() == 0).
  double min() const { return minValue; }
  double max() const { return maxValue; }
  /// Number of values seen.
  int64_t count() const { return numValues; }
  /// Exponential moving average of the per-sample minima / maxima, as in
  /// PyTorch's MovingAverageMinMaxObserver: the first sample sets it, each
  /// later sample updates m <- m + c * (sampleMin - m). 0 when empty.
  double movingMin() const { return emaMin; }
  double movingMax() const { return emaMax; }
  double averagingConstant() const { return emaConstant; }
  /// Number of histogram bins.
  int numBins() const { return binCount; }

  /// The histogram on its canonical grid (see the file comment).
  Histogram histogram() const;
  /// The histogram's bin width (0 when empty).
  double binWidth() const;

private:
  /// Makes the grid the canonical grid for [lo, hi], re-binning exactly.
  void ensureGrid(double lo, double hi);

  int binCount;
  double emaConstant;
  double minValue = 0.0, maxValue = 0.0;
  int64_t numValues = 0;
  double emaMin = 0.0, emaMax = 0.0;
  // Bin i covers [(gridBase + i) * w, (gridBase + i + 1) * w), w = 2^gridExp.
  int gridExp = 0;
  double gridBase = 0.0;     // an integer
  std::vector<int64_t> bins; // empty until the first value
};

/// A clipping range: the quantizer maps [min, max] (widened to contain 0 by
/// chooseActivationParams) onto int8.
struct Range {
  double min, max;
};

/// The observed [min, max].
Range rangeMinMax(const TensorStatistics &stats);

/// The moving-average [movingMin, movingMax].
Range rangeMovingAverage(const TensorStatistics &stats);

/// Clips both tails symmetrically: each tail holds (100 - percentile) / 2 % of
/// the values. The bounds are the histogram quantiles at fractions
/// t = (100 - p) / 200 and 1 - t, with linear interpolation inside the bin
/// that contains the target rank (values assumed uniform within a bin), then
/// clamped to [min, max] (never wider than the data; p = 100 gives [min, max]).
/// \p percentile is expected in (50, 100].
Range rangePercentile(const TensorStatistics &stats, double percentile);

/// KL-divergence ("entropy") calibration: the TensorRT / ONNX Runtime
/// threshold search, applied to each side of zero separately (our quantizer
/// is asymmetric). The upper threshold is searched on the histogram of the
/// values >= 0, the lower one on the mirrored histogram of the values < 0.
/// int8 has 255 non-zero levels besides the exact zero; the sides share the
/// nq = numQuantizedBins levels as k+ = round(nq * t+ / (t+ + t-)) (clamped
/// to [1, nq - 1] when both sides have values), k- = nq - k+, starting from
/// t+ = max, t- = -min and re-running the searches (at most 8 times) until
/// the shares stop changing. A side without values keeps its bound: ReLU
/// outputs get [min, t+] with all nq levels on the positive side; symmetric
/// signed data gets ~127/128 levels per side (TensorRT's symmetric search).
///
/// Per side, h[j] counts the values at distance [j*w, (j+1)*w) from zero
/// (n bins up to the last non-empty one) and k is the side's levels. For each
/// window of i = k+1..n bins: P = h[0, i) with the mass beyond it added to
/// bin i-1; Q keeps bin 0 as is (the bin at zero is its own level, so a
/// spike of exact zeros is not smeared), and merges bins [1, i) into k
/// groups of floor((i-1)/k) bins (the remainder joins the last group), each
/// group's sum of h spread evenly over the bins where P is non-zero; both are
/// smoothed as in ORT (zeros get eps, non-zeros lose eps * #zeros /
/// #non-zeros, eps = 1e-4 * min(1, smallest non-zero entry)); the threshold
/// is i*w for the window with the smallest KL(P || Q) (the first on ties).
/// Windows that would clip more than half of the side's values are skipped
/// (there P and Q both degenerate to one spike and KL is spuriously ~0); if
/// n <= k+1 the side is kept whole. The result is clamped to [min, max].
/// Limitation (as in TensorRT): a threshold is at least ~k bins, i.e. about
/// k/N of the histogram's span, so huge outliers limit how far it clips.
Range rangeEntropy(const TensorStatistics &stats, int numQuantizedBins = 255);

/// The range minimising the expected squared quantization error (rounding
/// plus clipping) under the histogram, with values uniform within each bin
/// (the first and last bins restricted to [min, max]), using the actual int8
/// grid of chooseActivationParams(lo', hi'). Candidates are lo' = a * min
/// (if min < 0, else lo' = min) and hi' = b * max (if max > 0, else
/// hi' = max) with a, b in [0, 1]: a 65 x 65 grid in (a, b), then three
/// refinements over +-1 step of the previous grid with 33 x 33 points each.
/// The error of a candidate is computed in closed form per bin.
Range rangeMSE(const TensorStatistics &stats);

/// A calibration method and its parameters.
struct CalibrationMethod {
  enum Kind { MinMax, MovingAverage, Percentile, Entropy, MSE } kind = MinMax;
  /// Percentile: in (50, 100].
  double percentile = 99.99;
  /// Moving average: the EMA weight c in (0, 1]. Used when *collecting*
  /// (pass it to the TensorStatistics constructor); selectRange uses the
  /// moving averages stored in the statistics.
  double averagingConstant = 0.01;
  /// Histogram resolution, likewise a collection-time parameter.
  int numBins = 2048;
};

/// The clipping range of \p stats under \p method (Entropy uses 255 quantized
/// levels). Every method returns {0, 0} for empty statistics; the histogram
/// methods return [min, max] when min == max.
Range selectRange(const TensorStatistics &stats,
                  const CalibrationMethod &method);

/// Parses `minmax`, `moving-average[:C]`, `percentile[:P]`, `entropy` or
/// `mse` into \p out (unspecified parameters keep their defaults). On failure
/// returns false, sets \p error and leaves \p out unchanged.
bool parseCalibrationMethod(const std::string &text, CalibrationMethod &out,
                            std::string &error);

} // namespace qc

#endif // QC_DIALECT_QC_UTILS_CALIBRATION_H
