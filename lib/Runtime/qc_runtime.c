/*===- qc_runtime.c - the thread pool inside every generated library ------===*
 *
 * Compiled to LLVM bitcode when qc is built and linked into each generated
 * library (its symbols internalized), so a library still depends on nothing
 * but libc. Kernels outlined by qc-outline-parallel call
 *
 *   qc_parallel_for(fn, ctx, n): fn(ctx, begin, end) over [0, n) in chunks,
 *
 * on the calling thread and up to qc_threads - 1 pool threads. Every output
 * element is written by exactly one chunk, so results do not depend on the
 * thread count or the schedule. A call that finds the pool busy (another
 * thread of the application inside the library) runs on its own thread.
 * The pool grows to the largest thread count used and lives until the
 * library is unloaded.
 *
 * Libraries with AMX kernels call qc_amx_enable() first: Linux hands out
 * the tile data state only on request (arch_prctl ARCH_REQ_XCOMP_PERM), once
 * per process.
 *
 * Only libc: pthread_create/pthread_join, C11 atomics and the futex and
 * arch_prctl system calls.
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef void (*qc_task_fn)(void *ctx, int64_t begin, int64_t end);

enum { QC_MAX_THREADS = 64 };

/* Set by the generated library (qc-compile --threads); 0 = all CPUs. */
extern const int32_t qc_default_threads;

static int qc_threads = -1; /* -1: not decided yet */
static pthread_t workers[QC_MAX_THREADS];
static int started;          /* pool threads running */
static atomic_int busy;      /* one parallel_for at a time */
static atomic_uint generation;
static atomic_int stopping;

/* The current job. Written by the publishing thread before it bumps
   `generation`; pool threads read it after seeing the new generation. The
   next job is published only after every pool thread has reported
   `finished` for this one, so no thread ever works on a stale job. */
static qc_task_fn job_fn;
static void *job_ctx;
static int64_t job_n, job_chunks;
static atomic_llong job_next;
static atomic_int finished;

static void futex_wait(atomic_uint *addr, unsigned value) {
  syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, value, 0, 0, 0);
}

static void futex_wake_all(atomic_uint *addr) {
  syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
}

static void run_chunks(void) {
  for (;;) {
    int64_t c = atomic_fetch_add(&job_next, 1);
    if (c >= job_chunks)
      return;
    int64_t begin = job_n * c / job_chunks, end = job_n * (c + 1) / job_chunks;
    job_fn(job_ctx, begin, end);
  }
}

/* `arg` is the generation current when the thread was created: a thread
   that starts after the job it was created for was published still sees it
   as new. */
static void *worker(void *arg) {
  unsigned seen = (unsigned)(uintptr_t)arg;
  for (;;) {
    unsigned g;
    int spins = 0;
    while ((g = atomic_load(&generation)) == seen) {
      if (atomic_load(&stopping))
        return 0;
      if (++spins < 20000)
        sched_yield();
      else
        futex_wait(&generation, seen);
    }
    seen = g;
    if (atomic_load(&stopping))
      return 0;
    run_chunks();
    atomic_fetch_add(&finished, 1);
  }
}

static int decide_threads(void) {
  int n = qc_default_threads;
  if (n <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus > 0 ? (int)cpus : 1;
  }
  return n > QC_MAX_THREADS ? QC_MAX_THREADS : n;
}

void qc_set_num_threads(int n) {
  int expected = 0;
  while (!atomic_compare_exchange_weak(&busy, &expected, 1))
    expected = 0;
  qc_threads = n <= 0 ? decide_threads() : (n > QC_MAX_THREADS ? QC_MAX_THREADS : n);
  atomic_store(&busy, 0);
}

int qc_get_num_threads(void) {
  return qc_threads < 0 ? decide_threads() : qc_threads;
}

void qc_parallel_for(qc_task_fn fn, void *ctx, int64_t n) {
  int expected = 0;
  if (n <= 1 || !atomic_compare_exchange_strong(&busy, &expected, 1)) {
    fn(ctx, 0, n);
    return;
  }
  if (qc_threads < 0)
    qc_threads = decide_threads();
  int threads = qc_threads;
  if (threads <= 1) {
    atomic_store(&busy, 0);
    fn(ctx, 0, n);
    return;
  }
  while (started < threads - 1) {
    void *gen = (void *)(uintptr_t)atomic_load(&generation);
    if (pthread_create(&workers[started], 0, worker, gen) != 0)
      break;
    ++started;
  }
  int64_t chunks = (int64_t)(started + 1) * 4;
  job_fn = fn;
  job_ctx = ctx;
  job_n = n;
  job_chunks = chunks < n ? chunks : n;
  atomic_store(&job_next, 0);
  atomic_store(&finished, 0);
  atomic_fetch_add(&generation, 1);
  futex_wake_all(&generation);
  run_chunks();
  while (atomic_load(&finished) < started)
    sched_yield();
  atomic_store(&busy, 0);
}

/* Before the library is unloaded: stop and join the pool threads. */
__attribute__((destructor)) static void qc_stop_pool(void) {
  atomic_store(&stopping, 1);
  atomic_fetch_add(&generation, 1);
  futex_wake_all(&generation);
  for (int i = 0; i < started; ++i)
    pthread_join(workers[i], 0);
  started = 0;
}

#if defined(__x86_64__)
/* 0 when this process may use AMX tiles (asked for once), else -1: the CPU
   has no AMX or the kernel refuses the tile data state. */
int qc_amx_enable(void) {
  static atomic_int state; /* 0 unknown, 1 granted, 2 refused */
  int s = atomic_load(&state);
  if (s == 0) {
    enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
    s = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 ? 1 : 2;
    atomic_store(&state, s);
  }
  return s == 1 ? 0 : -1;
}
#endif
