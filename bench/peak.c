// Peak int8 multiply-accumulate rate of one core, for each int8 form the
// CPU has (medians of 7 runs, one "<name> <GOPS>" line each):
//   avx2_maddwd_gops   `vpmaddwd` + `vpaddd` on ymm: 16 multiply-adds of
//                      i16 pairs, exact (qc's AVX2 kernel, whose operands
//                      are bytes split into i16 first);
//   avx2_maddubsw_gops `vpmaddubsw` + `vpmaddwd` by ones + `vpaddd`: 32
//                      u8 x s8 multiply-adds whose i16 pair sums saturate
//                      (what oneDNN and ONNX Runtime run on AVX2);
//   vnni_zmm_gops      `vpdpbusd` on zmm (AVX-512 VNNI): 64 multiply-adds;
//   amx_gops           AMX `tdpbusd`.
// The vector loops keep 12 (ymm) or 24 (zmm) independent accumulators,
// enough to cover the latency on every current core. Each function is
// compiled for its own ISA and run only where CPUID reports it.
//
// AMX: 4 independent accumulator tiles (16 rows x 16 i32) fed by two A and
// two B tiles, 8 tdpbusd per loop iteration (with 4 the loop runs at half
// the rate on Sapphire Rapids), 16x16x64 = 16384 multiply-adds per tdpbusd; the process asks
// the kernel for the tile data state (arch_prctl) first.
//
//   clang-22 -O2 bench/peak.c -o peak && ./peak
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

__attribute__((noinline, target("avx512f,avx512bw,avx512vnni"))) static int64_t
vnni(int64_t iters) {
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

#define ACC2(i) __m256i a##i = _mm256_set1_epi32(i)
#define SUM2(f)                                                               \
  __m256i t = _mm256_add_epi32(a0, a1);                                       \
  t = _mm256_add_epi32(t, a2); t = _mm256_add_epi32(t, a3);                   \
  t = _mm256_add_epi32(t, a4); t = _mm256_add_epi32(t, a5);                   \
  t = _mm256_add_epi32(t, a6); t = _mm256_add_epi32(t, a7);                   \
  t = _mm256_add_epi32(t, a8); t = _mm256_add_epi32(t, a9);                   \
  t = _mm256_add_epi32(t, a10); t = _mm256_add_epi32(t, a11);                 \
  return _mm256_extract_epi32(t, 0) + _mm256_extract_epi32(t, 7)
#define ALL12(M)                                                              \
  M(0); M(1); M(2); M(3); M(4); M(5); M(6); M(7); M(8); M(9); M(10); M(11)

/* 12 x (vpmaddwd, vpaddd): 12 x 16 multiply-adds per iteration. The empty
   asm after each product makes the compiler take u as changed, so it does
   not compute the same product once for all 12. */
#define MADDWD(i)                                                             \
  a##i = _mm256_add_epi32(a##i, _mm256_madd_epi16(u, s));                     \
  __asm__ volatile("" : "+x"(u))
__attribute__((noinline, target("avx2"))) static int64_t avx2_maddwd(int64_t iters) {
  __m256i u = _mm256_set1_epi16(3), s = _mm256_set1_epi16(-2);
  ALL12(ACC2);
  for (int64_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+x"(u), "+x"(s));
    ALL12(MADDWD);
  }
  SUM2();
}

/* 12 x (vpmaddubsw, vpmaddwd by ones, vpaddd): 12 x 32 multiply-adds. */
#define MADDUBSW(i)                                                           \
  a##i = _mm256_add_epi32(a##i, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones)); \
  __asm__ volatile("" : "+x"(u))
__attribute__((noinline, target("avx2"))) static int64_t avx2_maddubsw(int64_t iters) {
  __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-2),
          ones = _mm256_set1_epi16(1);
  ALL12(ACC2);
  for (int64_t i = 0; i < iters; ++i) {
    __asm__ volatile("" : "+x"(u), "+x"(s), "+x"(ones));
    ALL12(MADDUBSW);
  }
  SUM2();
}

/* CPUID.(7,0): EBX[5] AVX2, EBX[16] AVX512F, EBX[30] AVX512BW, ECX[11]
   AVX512_VNNI (the OS saving the registers is taken for granted). */
static int has_cpuid7(unsigned reg, unsigned bit) {
  unsigned r[4];
  if (!__get_cpuid_count(7, 0, &r[0], &r[1], &r[2], &r[3]))
    return 0;
  return (r[reg] >> bit) & 1;
}

/* The median GOPS of 7 timed runs of fn(iters), `ops` operations per
   iteration, after a warm-up run. */
static double median_gops(int64_t (*fn)(int64_t), int64_t iters, double ops) {
  double gops[7];
  volatile int64_t sink = fn(iters / 10); // warm up the clock
  for (int r = 0; r < 7; ++r) {
    double t0 = now();
    sink += fn(iters);
    double t = now() - t0;
    gops[r] = iters * ops / t * 1e-9;
  }
  (void)sink;
  qsort(gops, 7, sizeof(double), cmp);
  return gops[3];
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
  if (has_cpuid7(1, 5)) {
    printf("avx2_maddwd_gops %.1f\n", median_gops(avx2_maddwd, iters, 12 * 16 * 2.0));
    printf("avx2_maddubsw_gops %.1f\n",
           median_gops(avx2_maddubsw, iters, 12 * 32 * 2.0));
  }
  if (has_cpuid7(1, 16) && has_cpuid7(1, 30) && has_cpuid7(2, 11))
    printf("vnni_zmm_gops %.1f\n", median_gops(vnni, iters, 24 * 128.0));
  if (has_amx()) {
    amx(100000);
    for (int r = 0; r < 7; ++r)
      gops[r] = amx(2 * 1000 * 1000);
    qsort(gops, 7, sizeof(double), cmp);
    printf("amx_gops %.1f\n", gops[3]);
  }
  return 0;
}
