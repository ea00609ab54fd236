/* Runs model_run on N images from 4 threads at once, each thread over all
   images several times, and checks every result equals the one computed
   first on the main thread: the library's buffers (and its per-thread
   allocation cache) must not be shared between concurrent calls. */
#include "model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define REPEATS 20

static float *images, *expected;
static int count;
static int mismatches[THREADS];

static void *worker(void *arg) {
  int t = (int)(long)arg;
  float out[MODEL_OUTPUT0_SIZE];
  for (int r = 0; r < REPEATS; ++r)
    for (int i = 0; i < count; ++i) {
      const float *in[1] = {images + (size_t)i * MODEL_INPUT0_SIZE};
      float *outs[1] = {out};
      if (model_run(in, outs) != 0 ||
          memcmp(out, expected + (size_t)i * MODEL_OUTPUT0_SIZE, sizeof out))
        ++mismatches[t];
    }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  count = atoi(argv[2]);
  images = malloc(sizeof(float) * MODEL_INPUT0_SIZE * (size_t)count);
  expected = malloc(sizeof(float) * MODEL_OUTPUT0_SIZE * (size_t)count);
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(images, sizeof(float) * MODEL_INPUT0_SIZE, (size_t)count, f) !=
                (size_t)count)
    return 1;
  fclose(f);
  for (int i = 0; i < count; ++i) {
    const float *in[1] = {images + (size_t)i * MODEL_INPUT0_SIZE};
    float *outs[1] = {expected + (size_t)i * MODEL_OUTPUT0_SIZE};
    if (model_run(in, outs) != 0)
      return 1;
  }
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; ++t)
    pthread_create(&th[t], NULL, worker, (void *)t);
  int total = 0;
  for (int t = 0; t < THREADS; ++t) {
    pthread_join(th[t], NULL);
    total += mismatches[t];
  }
  printf("threads %d calls %d mismatches %d\n", THREADS,
         THREADS * REPEATS * count, total);
  return total != 0;
}
