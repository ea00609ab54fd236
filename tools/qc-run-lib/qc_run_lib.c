/* qc-run-lib: runs a library made by qc-compile on inputs read from a file,
 * so that a library built for another ISA can be run under an emulator
 * (qemu-aarch64, qemu-riscv64) and its outputs compared with the reference
 * by `qc-ref-check --exec`. Plain C, libc and libdl only; compiled for the
 * library's target with any C compiler.
 *
 *   qc-run-lib LIB.so NAME SAMPLES IN.bin OUT.bin [THREADS]
 *
 * IN.bin holds SAMPLES records, each the model's inputs one after the other
 * (dense row-major, float32 or int8 as NAME_input_type says); OUT.bin gets
 * the outputs in the same form. Exit status 0 on success, 1 if the model
 * fails, 2 on bad usage or I/O errors (with a message naming what). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*RunFn)(const void *const *, void *const *);
typedef int (*CountFn)(void);
typedef int (*IndexFn)(int);
typedef const int64_t *(*ShapeFn)(int);
typedef void (*SetThreadsFn)(int);

static void *lib;
static const char *prefix;

static void *symbol(const char *suffix) {
  char name[512];
  snprintf(name, sizeof name, "%s_%s", prefix, suffix);
  void *p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "qc_run_lib: no symbol %s in the library\n", name);
    exit(2);
  }
  return p;
}

/* Bytes of tensor i (inputs or outputs). */
static size_t tensorBytes(const char *kind, int i) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s_rank", kind);
  int rank = ((IndexFn)symbol(buf))(i);
  snprintf(buf, sizeof buf, "%s_shape", kind);
  const int64_t *shape = ((ShapeFn)symbol(buf))(i);
  snprintf(buf, sizeof buf, "%s_type", kind);
  int type = ((IndexFn)symbol(buf))(i);
  size_t n = 1;
  for (int d = 0; d < rank; ++d)
    n *= (size_t)shape[d];
  return n * (type == 1 ? 1 : 4);
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    fprintf(stderr,
            "usage: %s LIB.so NAME SAMPLES IN.bin OUT.bin [THREADS]\n", argv[0]);
    return 2;
  }
  /* A bare file name means the file here, not a library search. */
  char path[4096];
  snprintf(path, sizeof path, "%s%s", strchr(argv[1], '/') ? "" : "./", argv[1]);
  lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "qc_run_lib: %s\n", dlerror());
    return 2;
  }
  prefix = argv[2];
  long samples = atol(argv[3]);
  RunFn run = (RunFn)symbol("run");
  int numIn = ((CountFn)symbol("num_inputs"))();
  int numOut = ((CountFn)symbol("num_outputs"))();
  if (argc == 7)
    ((SetThreadsFn)symbol("set_num_threads"))(atoi(argv[6]));

  FILE *in = fopen(argv[4], "rb");
  FILE *out = fopen(argv[5], "wb");
  if (!in || !out) {
    fprintf(stderr, "qc_run_lib: cannot open %s\n", !in ? argv[4] : argv[5]);
    return 2;
  }
  void **inputs = calloc((size_t)numIn + 1, sizeof(void *));
  void **outputs = calloc((size_t)numOut + 1, sizeof(void *));
  size_t *inBytes = calloc((size_t)numIn + 1, sizeof(size_t));
  size_t *outBytes = calloc((size_t)numOut + 1, sizeof(size_t));
  for (int i = 0; i < numIn; ++i) {
    inBytes[i] = tensorBytes("input", i);
    inputs[i] = malloc(inBytes[i] ? inBytes[i] : 1);
  }
  for (int i = 0; i < numOut; ++i) {
    outBytes[i] = tensorBytes("output", i);
    outputs[i] = malloc(outBytes[i] ? outBytes[i] : 1);
  }
  for (long s = 0; s < samples; ++s) {
    for (int i = 0; i < numIn; ++i)
      if (fread(inputs[i], 1, inBytes[i], in) != inBytes[i]) {
        fprintf(stderr, "qc_run_lib: %s: too short for sample %ld input %d\n",
                argv[4], s, i);
        return 2;
      }
    int status = run((const void *const *)inputs, outputs);
    if (status != 0) {
      fprintf(stderr, "qc_run_lib: %s_run returned %d on sample %ld%s\n", prefix,
              status, s,
              status == 2   ? " (AMX not granted)"
              : status == 3 ? " (vector length shorter than the library's --vlen)"
                            : "");
      return 1;
    }
    for (int i = 0; i < numOut; ++i)
      if (fwrite(outputs[i], 1, outBytes[i], out) != outBytes[i]) {
        fprintf(stderr, "qc_run_lib: cannot write %s\n", argv[5]);
        return 2;
      }
  }
  if (fclose(out) != 0) {
    fprintf(stderr, "qc_run_lib: cannot write %s\n", argv[5]);
    return 2;
  }
  fclose(in);
  return 0;
}
