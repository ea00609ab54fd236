//===- QuantMath.cpp - scale, zero-point and multiplier arithmetic --------===//

#include "qc/Dialect/QC/Utils/QuantMath.h"

#include <algorithm>
#include <cmath>

namespace qc {

AffineParams chooseActivationParams(double min, double max) {
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  if (max - min <= 0.0 || !std::isfinite(max - min))
    return {1.0, 0};
  double scale = (max - min) / 255.0;
  double zp = roundHalfEven(-128.0 - min / scale);
  zp = std::clamp(zp, -128.0, 127.0);
  return {scale, static_cast<int32_t>(zp)};
}

double chooseWeightScale(double maxAbs) {
  return maxAbs > 0.0 ? maxAbs / 127.0 : 1.0;
}

FixedPointMultiplier quantizeMultiplier(double m) {
  if (!(m > 0.0))
    return {0, 62};
  int exponent = 0;
  double fraction = std::frexp(m, &exponent); // m = fraction * 2^exponent
  int64_t q = std::llround(fraction * 2147483648.0);
  if (q == (int64_t(1) << 31)) {
    q /= 2;
    ++exponent;
  }
  int32_t shift = 31 - exponent;
  if (shift > 62)
    return {0, 62};
  if (shift < 1)
    return {INT32_MAX, 1};
  return {static_cast<int32_t>(q), shift};
}

PairedMultiplier quantizePairedMultiplier(double lhs, double rhs) {
  double big = std::max(lhs, rhs);
  FixedPointMultiplier fp = quantizeMultiplier(big);
  auto scaled = [&](double m) {
    return static_cast<int32_t>(std::llround(std::ldexp(m, fp.shift)));
  };
  int32_t l = lhs == big ? fp.multiplier : scaled(lhs);
  int32_t r = rhs == big ? fp.multiplier : scaled(rhs);
  return {l, r, fp.shift};
}

int64_t alignedMultiplier(double realMultiplier, int32_t shift) {
  return std::llround(std::ldexp(realMultiplier, shift));
}

int64_t roundingShift(int64_t x, int32_t shift) {
  return (x + (int64_t(1) << (shift - 1))) >> shift;
}

double roundHalfEven(double x) {
  double r = std::round(x); // ties away from zero
  if (std::fabs(x - std::trunc(x)) == 0.5)
    r = 2.0 * std::round(x / 2.0);
  return r;
}

std::vector<std::vector<int64_t>> minWeightSteps(const int8_t *w,
                                                 int64_t outChannels,
                                                 int64_t taps, int64_t channels,
                                                 int64_t lanes) {
  const int64_t groups = (channels + 3) / 4;
  std::vector<std::vector<int64_t>> steps((outChannels + lanes - 1) / lanes);
  std::vector<bool> marked(taps * groups);
  for (size_t v = 0; v < steps.size(); ++v) {
    std::fill(marked.begin(), marked.end(), false);
    const int64_t end = std::min<int64_t>(outChannels, (v + 1) * lanes);
    for (int64_t o = v * lanes; o < end; ++o)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t c = 0; c < channels; ++c)
          if (w[(o * taps + t) * channels + c] == -128)
            marked[t * groups + c / 4] = true;
    for (int64_t s = 0; s < taps * groups; ++s)
      if (marked[s])
        steps[v].push_back(s);
  }
  return steps;
}

} // namespace qc
