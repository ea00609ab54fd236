// Halide 14 int8 convolution for one layer shape, the way a Halide user
// would write it for a VNNI CPU: u8 NHWC source, s8 weights reordered once
// (outside the timing) so that four input channels × 16 output channels are
// 64 contiguous bytes, a 4-way reduction over input channels vectorized with
// `atomic().vectorize()` (which Halide 14 lowers to `vpdpbusd` when the
// target has AVX512_SapphireRapids), 16 output channels × 8 output pixels
// per register tile, per-channel output scales, ReLU, u8 NHWC destination.
// Depthwise layers (groups = C = O) vectorize over channels instead.
//
//   halide_conv N H W C O KH KW STRIDE PAD GROUPS RUNS
//
// Prints the median time of RUNS executions in microseconds and the Halide
// target used. JIT-compiled for the host CPU plus the VNNI feature when the
// CPU has it; one thread (HL_NUM_THREADS=1; no loop is parallel anyway).
#include "Halide.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace Halide;

static bool cpuHas(const std::string &flag) {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("flags", 0) == 0)
      return (" " + line + " ").find(" " + flag + " ") != std::string::npos;
  return false;
}

int main(int argc, char **argv) {
  if (argc != 12) {
    std::fprintf(stderr, "usage: %s N H W C O KH KW STRIDE PAD GROUPS RUNS\n",
                 argv[0]);
    return 2;
  }
  long a[11];
  for (int i = 0; i < 11; ++i)
    a[i] = std::atol(argv[i + 1]);
  const int n = a[0], h = a[1], w = a[2], c = a[3], o = a[4], kh = a[5],
            kw = a[6], stride = a[7], pad = a[8], groups = a[9], runs = a[10];
  const int oh = (h + 2 * pad - kh) / stride + 1;
  const int ow = (w + 2 * pad - kw) / stride + 1;
  const bool depthwise = groups == c && o == c && groups > 1;
  if (groups != 1 && !depthwise) {
    std::printf("nan unsupported\n");
    return 0;
  }

  Target target = get_host_target();
  // Halide 14's only VNNI target is Sapphire Rapids, which also lets LLVM
  // use AVX512-FP16 (e.g. `vmovw`); Halide 14's host detection picks it on
  // Zen 4 too, where such a layer dies with SIGILL. HALIDE_CONV_NO_VNNI=1
  // drops it (AVX-512 without VNNI).
  if (cpuHas("avx512_vnni") && cpuHas("avx512bw"))
    target = target.with_feature(Target::AVX512)
                 .with_feature(Target::AVX512_Skylake)
                 .with_feature(Target::AVX512_Cannonlake)
                 .with_feature(Target::AVX512_SapphireRapids);
  if (std::getenv("HALIDE_CONV_NO_VNNI"))
    target = target.without_feature(Target::AVX512_SapphireRapids);

  std::mt19937 rng(0);
  const int c4 = (c + 3) / 4 * 4, op = (o + 15) / 16 * 16;
  Buffer<uint8_t> input(c, w, h, n); // NHWC: c innermost
  input.for_each_value([&](uint8_t &v) { v = rng() & 0xff; });
  Buffer<int32_t> bias(op);
  Buffer<float> scale(op);
  for (int i = 0; i < op; ++i) {
    bias(i) = int(rng() % 2001) - 1000;
    scale(i) = 1.0f / 4096.0f * (1.0f + float(rng() % 100) / 100.0f);
  }
  Buffer<uint8_t> output(o, ow, oh, n);

  Var x("x"), y("y"), b("b"), co("co"), ci("ci");
  // Register tile: 16 channels × `tile` pixels (constant extents, the tails
  // shifted inwards, so the accumulators stay in registers).
  const int tile = std::min(ow, 8);
  // The source with its zero padding (zero point 0 for u8 here).
  Func padded = BoundaryConditions::constant_exterior(
      input, cast<uint8_t>(0), {{0, c}, {0, w}, {0, h}, {0, n}});
  Func acc("acc"), out("out");
  Buffer<int8_t> weights;
  // The padded image (channels to a multiple of 4, borders zero) is one
  // pass over the input per call, so the reductions have no bounds logic.
  Func image("image");
  image(co, x, y, b) = select(
      co < c, padded(min(co, c - 1), x - pad, y - pad, b), cast<uint8_t>(0));
  image.compute_root().vectorize(co, 16, TailStrategy::GuardWithIf);
  image.bound(co, 0, c4)
      .bound(x, 0, (ow - 1) * stride + kw)
      .bound(y, 0, (oh - 1) * stride + kh);
  if (!depthwise) {
    // weights(ci, o, c/4, kx, ky): 4 input channels of 16 outputs adjacent.
    weights = Buffer<int8_t>(4, op, c4 / 4, kw, kh);
    weights.for_each_element([&](int i, int oc, int q, int xx, int yy) {
      weights(i, oc, q, xx, yy) =
          (q * 4 + i < c && oc < o) ? int8_t(int(rng() % 255) - 127) : 0;
    });
    RDom r(0, 4, 0, c4 / 4, 0, kw, 0, kh);
    Expr in = image(r.y * 4 + r.x, x * stride + r.z, y * stride + r.w, b);
    acc(co, x, y, b) = bias(co);
    acc(co, x, y, b) += cast<int32_t>(in) *
                        cast<int32_t>(weights(r.x, co, r.y, r.z, r.w));
    Expr v = cast<float>(acc(co, x, y, b)) * scale(co);
    out(co, x, y, b) = cast<uint8_t>(clamp(round(v), 0.0f, 255.0f));

    Var coo("coo"), xo("xo"), xi("xi");
    out.split(co, coo, co, 16, TailStrategy::ShiftInwards)
        .split(x, xo, xi, tile, TailStrategy::ShiftInwards)
        .reorder(co, xi, coo, xo, y, b)
        .vectorize(co)
        .unroll(xi);
    acc.compute_at(out, coo).store_in(MemoryType::Register);
    acc.vectorize(co, 16).unroll(x);
    acc.update()
        .reorder(r.x, co, x, r.y, r.z, r.w)
        .atomic()
        .vectorize(r.x)
        .vectorize(co, 16)
        .unroll(x);
  } else {
    weights = Buffer<int8_t>(op, kw, kh);
    weights.for_each_value([&](int8_t &v) { v = int8_t(int(rng() % 255) - 127); });
    RDom r(0, kw, 0, kh);
    Expr in = image(co, x * stride + r.x, y * stride + r.y, b);
    acc(co, x, y, b) = bias(co);
    acc(co, x, y, b) += cast<int32_t>(cast<int16_t>(in) *
                                      cast<int16_t>(weights(co, r.x, r.y)));
    Expr v = cast<float>(acc(co, x, y, b)) * scale(co);
    out(co, x, y, b) = cast<uint8_t>(clamp(round(v), 0.0f, 255.0f));

    Var coo("coo"), xo("xo"), xi("xi");
    out.split(co, coo, co, 16, TailStrategy::ShiftInwards)
        .split(x, xo, xi, tile, TailStrategy::ShiftInwards)
        .reorder(co, xi, coo, xo, y, b)
        .vectorize(co)
        .unroll(xi);
    acc.compute_at(out, coo).store_in(MemoryType::Register);
    acc.vectorize(co, 16).unroll(x);
    acc.update().reorder(co, x, r.x, r.y).vectorize(co, 16).unroll(x);
  }
  if (const char *asmPath = std::getenv("HALIDE_CONV_ASM"))
    out.compile_to_assembly(asmPath, {}, "conv", target);
  out.compile_jit(target);

  out.realize(output); // warm-up, and checked: 256 outputs recomputed here
  std::mt19937 pick(1);
  for (int k = 0; k < 256; ++k) {
    int oc = pick() % o, xx = pick() % ow, yy = pick() % oh, bb = pick() % n;
    long sum = bias(oc);
    for (int ky = 0; ky < kh; ++ky)
      for (int kx = 0; kx < kw; ++kx) {
        int ix = xx * stride + kx - pad, iy = yy * stride + ky - pad;
        if (ix < 0 || iy < 0 || ix >= w || iy >= h)
          continue;
        if (depthwise)
          sum += long(input(oc, ix, iy, bb)) * weights(oc, kx, ky);
        else
          for (int i = 0; i < c; ++i)
            sum += long(input(i, ix, iy, bb)) * weights(i % 4, oc, i / 4, kx, ky);
      }
    float v = std::nearbyint(float(sum) * scale(oc));
    int want = int(std::min(255.0f, std::max(0.0f, v)));
    if (std::abs(want - int(output(oc, xx, yy, bb))) > 1) {
      std::fprintf(stderr, "halide_conv: wrong output at (%d,%d,%d,%d): %d, want %d\n",
                   oc, xx, yy, bb, int(output(oc, xx, yy, bb)), want);
      return 1;
    }
  }
  std::vector<double> ts;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    out.realize(output);
    auto t1 = std::chrono::steady_clock::now();
    ts.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  std::printf("%.2f %s\n", ts[ts.size() / 2], target.to_string().c_str());
  return 0;
}
