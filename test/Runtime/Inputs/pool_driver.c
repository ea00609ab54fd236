/* Drives lib/Runtime/qc_runtime.c directly: parallel_for covers [0, n)
   exactly once for many n and thread counts, from one caller and from four
   callers at once (a busy pool runs the caller's job on its own thread), and
   a thread count lowered after the pool has grown bounds the threads that
   run a job. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* Which threads ran chunks of one job: each chunk busy for ~100 us so every
   thread of the pool that takes part gets to claim some. */
struct who { pthread_mutex_t lock; int count; pthread_t ids[64]; };

static void record(void *ctx, int64_t b, int64_t e) {
  struct who *w = ctx;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do
    clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) <
         100000L * (e - b));
  pthread_mutex_lock(&w->lock);
  int seen = 0;
  for (int i = 0; i < w->count; ++i)
    seen |= pthread_equal(w->ids[i], pthread_self());
  if (!seen && w->count < 64)
    w->ids[w->count++] = pthread_self();
  pthread_mutex_unlock(&w->lock);
}

static int threads_in_job(void) {
  struct who w = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};
  qc_parallel_for(record, &w, 64);
  return w.count;
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
  /* Grown to 4, lowered to 2: after the first job (which a pool thread that
     had already checked the old count may join), at most 2 threads. */
  qc_set_num_threads(4);
  for (int r = 0; r < 5; ++r)
    threads_in_job();
  qc_set_num_threads(2);
  threads_in_job();
  int most = 0;
  for (int r = 0; r < 20; ++r) {
    int k = threads_in_job();
    most = k > most ? k : most;
  }
  printf("lowered to 2: at most %d threads per job\n", most);
  bad += most > 2;
  return bad != 0;
}
