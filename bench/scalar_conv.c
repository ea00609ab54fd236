// A plain scalar int8 convolution (NHWC, OHWI weights, zero-point
// corrected i32 sums, TFLite-style fixed-point requantize), the baseline
// bench/qemu_count.py compares qc's kernels with by dynamic instruction
// count. Built with -O2 -fno-vectorize -fno-slp-vectorize for the target.
//
//   scalar_conv H W C O K STRIDE PAD REPS
//
// Runs the convolution REPS times on fixed pseudo-random data and prints a
// checksum (so nothing is optimized away).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t state = 12345;
static int8_t rnd8(void) {
  state = state * 1103515245u + 12345u;
  return (int8_t)(state >> 16);
}

static void conv(const int8_t *x, const int8_t *w, const int32_t *bias,
                 int8_t *y, int h, int wd, int c, int o, int k, int s, int pad,
                 int oh, int ow, int32_t zx, int32_t m, int shift, int32_t zo) {
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int oc = 0; oc < o; ++oc) {
        int32_t acc = bias[oc];
        for (int ky = 0; ky < k; ++ky) {
          int iy = oy * s + ky - pad;
          if (iy < 0 || iy >= h)
            continue;
          for (int kx = 0; kx < k; ++kx) {
            int ix = ox * s + kx - pad;
            if (ix < 0 || ix >= wd)
              continue;
            const int8_t *xp = x + ((size_t)iy * wd + ix) * c;
            const int8_t *wp = w + (((size_t)oc * k + ky) * k + kx) * c;
            for (int ic = 0; ic < c; ++ic)
              acc += (xp[ic] - zx) * wp[ic];
          }
        }
        int64_t t = ((int64_t)acc * m + ((int64_t)1 << (shift - 1))) >> shift;
        t += zo;
        y[((size_t)oy * ow + ox) * o + oc] = (int8_t)(t < -128 ? -128 : t > 127 ? 127 : t);
      }
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: scalar_conv H W C O K STRIDE PAD REPS\n");
    return 2;
  }
  int h = atoi(argv[1]), wd = atoi(argv[2]), c = atoi(argv[3]), o = atoi(argv[4]);
  int k = atoi(argv[5]), s = atoi(argv[6]), pad = atoi(argv[7]), reps = atoi(argv[8]);
  int oh = (h + 2 * pad - k) / s + 1, ow = (wd + 2 * pad - k) / s + 1;
  int8_t *x = malloc((size_t)h * wd * c), *w = malloc((size_t)o * k * k * c);
  int8_t *y = malloc((size_t)oh * ow * o);
  int32_t *bias = malloc(sizeof(int32_t) * o);
  for (size_t i = 0; i < (size_t)h * wd * c; ++i)
    x[i] = rnd8();
  for (size_t i = 0; i < (size_t)o * k * k * c; ++i)
    w[i] = rnd8() / 2;
  for (int i = 0; i < o; ++i)
    bias[i] = rnd8() * 16;
  long sum = 0;
  for (int r = 0; r < reps; ++r) {
    conv(x, w, bias, y, h, wd, c, o, k, s, pad, oh, ow, 3, 1518500250, 40, -2);
    for (size_t i = 0; i < (size_t)oh * ow * o; ++i)
      sum += y[i];
  }
  printf("%ld\n", sum);
  return 0;
}
