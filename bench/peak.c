// Peak int8 multiply-accumulate rate of one core: `vpdpbusd` on zmm
// registers (AVX-512 VNNI) and, where the CPU has it, AMX `tdpbusd`.
// Each loop iteration issues 24 independent vpdpbusd (enough to cover the
// latency on every current core); one zmm vpdpbusd is 64 multiply-adds, 128
// ops. Prints "vnni_zmm_gops <value>" (median of 7 runs) and, with AMX,
// "amx_gops <value>".
//
// AMX: 4 independent accumulator tiles (16 rows x 16 i32) fed by two A and
// two B tiles, 8 tdpbusd per loop iteration (with 4 the loop runs at half
// the rate on Sapphire Rapids), 16x16x64 = 16384 multiply-adds per tdpbusd; the process asks
// the kernel for the tile data state (arch_prctl) first.
//
//   clang-22 -O2 -mavx512f -mavx512vnni -mamx-tile -mamx-int8 bench/peak.c \
//     -o peak && ./peak
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#define ACC(i) __m512i a##i = _mm512_set1_epi32(i)
#define DOT(i) a##i = _mm512_dpbusd_epi32(a##i, u, s)

__attribute__((noinline)) static int64_t vnni(int64_t iters) {
  __m512i u = _mm512_set1_epi8(1), s = _mm512_set1_epi8(2);
  ACC(0); ACC(1); ACC(2); ACC(3); ACC(4); ACC(5); ACC(6); ACC(7);
  ACC(8); ACC(9); ACC(10); ACC(11); ACC(12); ACC(13); ACC(14); ACC(15);
  ACC(16); ACC(17); ACC(18); ACC(19); ACC(20); ACC(21); ACC(22); ACC(23);
  for (int64_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+v"(u), "+v"(s));
    DOT(0); DOT(1); DOT(2); DOT(3); DOT(4); DOT(5); DOT(6); DOT(7);
    DOT(8); DOT(9); DOT(10); DOT(11); DOT(12); DOT(13); DOT(14); DOT(15);
    DOT(16); DOT(17); DOT(18); DOT(19); DOT(20); DOT(21); DOT(22); DOT(23);
  }
  __m512i t = _mm512_add_epi32(a0, a1);
  t = _mm512_add_epi32(t, a2); t = _mm512_add_epi32(t, a3);
  t = _mm512_add_epi32(t, a4); t = _mm512_add_epi32(t, a5);
  t = _mm512_add_epi32(t, a6); t = _mm512_add_epi32(t, a7);
  t = _mm512_add_epi32(t, a8); t = _mm512_add_epi32(t, a9);
  t = _mm512_add_epi32(t, a10); t = _mm512_add_epi32(t, a11);
  t = _mm512_add_epi32(t, a12); t = _mm512_add_epi32(t, a13);
  t = _mm512_add_epi32(t, a14); t = _mm512_add_epi32(t, a15);
  t = _mm512_add_epi32(t, a16); t = _mm512_add_epi32(t, a17);
  t = _mm512_add_epi32(t, a18); t = _mm512_add_epi32(t, a19);
  t = _mm512_add_epi32(t, a20); t = _mm512_add_epi32(t, a21);
  t = _mm512_add_epi32(t, a22); t = _mm512_add_epi32(t, a23);
  return _mm512_reduce_add_epi32(t);
}

static int has_amx(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 25)))
    return 0; /* CPUID.(7,0):EDX[25] = AMX-INT8 */
  /* ARCH_REQ_XCOMP_PERM (0x1023) for XFEATURE_XTILEDATA (18). */
  return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
}

__attribute__((target("amx-tile,amx-int8"))) static double amx(int64_t iters) {
  struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
  } __attribute__((packed)) cfg = {1};
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  static int8_t a[16 * 64], bt[16 * 64];
  static int32_t c[16 * 16];
  for (int i = 0; i < 16 * 64; ++i)
    a[i] = (int8_t)i, bt[i] = (int8_t)(3 * i);
  _tile_loadconfig(&cfg);
  _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
  _tile_loadd(4, a, 64); _tile_loadd(5, a, 64);
  _tile_loadd(6, bt, 64); _tile_loadd(7, bt, 64);
  double t0 = now();
  for (int64_t i = 0; i < iters; ++i) {
    _tile_dpbusd(0, 4, 6); _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6); _tile_dpbusd(3, 5, 7);
    _tile_dpbusd(0, 4, 6); _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6); _tile_dpbusd(3, 5, 7);
  }
  double t = now() - t0;
  _tile_stored(0, c, 64);
  _tile_release();
  volatile int32_t sink = c[0];
  (void)sink;
  return iters * 8.0 * 16 * 16 * 64 * 2 / t * 1e-9;
}

int main(void) {
  const int64_t iters = 20 * 1000 * 1000;
  double gops[7];
  volatile int64_t sink = vnni(iters / 10); // warm up the clock
  for (int r = 0; r < 7; ++r) {
    double t0 = now();
    sink += vnni(iters);
    double t = now() - t0;
    gops[r] = iters * 24.0 * 128.0 / t * 1e-9;
  }
  qsort(gops, 7, sizeof(double), cmp);
  printf("vnni_zmm_gops %.1f\n", gops[3]);
  if (has_amx()) {
    amx(100000);
    for (int r = 0; r < 7; ++r)
      gops[r] = amx(2 * 1000 * 1000);
    qsort(gops, 7, sizeof(double), cmp);
    printf("amx_gops %.1f\n", gops[3]);
  }
  (void)sink;
  return 0;
}
