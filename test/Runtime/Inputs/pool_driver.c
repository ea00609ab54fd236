/* Drives lib/Runtime/qc_runtime.c directly: parallel_for covers [0, n)
   exactly once for many n and thread counts, from one caller and from four
   callers at once (a busy pool runs the caller's job on its own thread). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const int32_t qc_default_threads = 2;
void qc_parallel_for(void (*fn)(void *, int64_t, int64_t), void *ctx, int64_t n);
void qc_set_num_threads(int n);
int qc_get_num_threads(void);

struct cover { int n; unsigned char hits[4096]; };

static void mark(void *ctx, int64_t b, int64_t e) {
  struct cover *c = ctx;
  for (int64_t i = b; i < e; ++i)
    c->hits[i]++;
}

static int check(int n) {
  struct cover c;
  memset(&c, 0, sizeof c);
  c.n = n;
  qc_parallel_for(mark, &c, n);
  for (int i = 0; i < n; ++i)
    if (c.hits[i] != 1)
      return 1;
  return 0;
}

static void *caller(void *arg) {
  long bad = 0;
  for (int r = 0; r < 500; ++r)
    bad += check(1 + (r * 37 + (int)(long)arg) % 4000);
  return (void *)bad;
}

int main(void) {
  int bad = 0, calls = 0;
  printf("default threads %d\n", qc_get_num_threads());
  for (int t = 1; t <= 4; ++t) {
    qc_set_num_threads(t);
    for (int n = 0; n < 300; ++n, ++calls)
      bad += check(n);
  }
  qc_set_num_threads(2);
  pthread_t th[4];
  for (long i = 0; i < 4; ++i)
    pthread_create(&th[i], 0, caller, (void *)i);
  for (int i = 0; i < 4; ++i) {
    void *r;
    pthread_join(th[i], &r);
    bad += (int)(long)r;
    calls += 500;
  }
  printf("calls %d bad %d\n", calls, bad);
  return bad != 0;
}
