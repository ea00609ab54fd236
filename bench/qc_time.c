// Times a qc-compiled library: loads libNAME.so, fills its inputs with
// random floats and calls NAME_run RUNS times (after 3 warm-up calls).
//
//   qc_time LIB.so NAME RUNS [THREADS]
//
// Prints the median time of one call in microseconds.
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*RunFn)(const float *const *, float *const *);
typedef int (*CountFn)(void);
typedef int (*RankFn)(int);
typedef const int64_t *(*ShapeFn)(int);

static void *sym(void *lib, const char *name, const char *suffix) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s_%s", name, suffix);
  void *p = dlsym(lib, buf);
  if (!p) {
    fprintf(stderr, "qc_time: %s not found\n", buf);
    exit(1);
  }
  return p;
}

static float **buffers(int count, RankFn rank, ShapeFn shape) {
  float **out = calloc((size_t)count, sizeof(float *));
  for (int i = 0; i < count; ++i) {
    int64_t n = 1;
    for (int d = 0; d < rank(i); ++d)
      n *= shape(i)[d];
    out[i] = aligned_alloc(64, ((size_t)n * sizeof(float) + 63) / 64 * 64);
    for (int64_t j = 0; j < n; ++j)
      out[i][j] = (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
  }
  return out;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: qc_time LIB.so NAME RUNS [THREADS]\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "qc_time: %s\n", dlerror());
    return 1;
  }
  const char *name = argv[2];
  int runs = atoi(argv[3]);
  RunFn run = (RunFn)sym(lib, name, "run");
  if (argc == 5) {
    typedef void (*SetFn)(int);
    ((SetFn)sym(lib, name, "set_num_threads"))(atoi(argv[4]));
  }
  int nin = ((CountFn)sym(lib, name, "num_inputs"))();
  int nout = ((CountFn)sym(lib, name, "num_outputs"))();
  float **in = buffers(nin, (RankFn)sym(lib, name, "input_rank"),
                       (ShapeFn)sym(lib, name, "input_shape"));
  float **out = buffers(nout, (RankFn)sym(lib, name, "output_rank"),
                        (ShapeFn)sym(lib, name, "output_shape"));
  for (int i = 0; i < 3; ++i)
    run((const float *const *)in, out);
  double *t = calloc((size_t)runs, sizeof(double));
  for (int r = 0; r < runs; ++r) {
    double t0 = now_us();
    if (run((const float *const *)in, out) != 0) {
      fprintf(stderr, "qc_time: %s_run failed\n", name);
      return 1;
    }
    t[r] = now_us() - t0;
  }
  qsort(t, (size_t)runs, sizeof(double), cmp);
  printf("%.2f\n", t[runs / 2]);
  return 0;
}
