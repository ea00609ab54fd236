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
static atomic_int stopping;

/* The current job. `ticket` is (publication number << 32 | chunks << 16 |
   next unclaimed chunk); a thread claims a chunk by advancing it with a
   compare-and-swap, so a claim can only succeed on the job the thread read.
   job_fn, job_ctx and job_n are written before the ticket is published and
   stay untouched until `done` counts every chunk of the job, so a thread
   holding a claimed chunk always reads its own job. The publishing thread
   waits for the chunks to be done, not for the pool threads to check in: a
   pool thread that is still asleep when the job is published finds it all
   claimed when it wakes, and the caller never waits for its wake-up. */
static qc_task_fn job_fn;
static void *job_ctx;
static int64_t job_n;
static _Atomic uint64_t ticket;
static atomic_int done;
/* Bumped with every publication: what sleeping pool threads wait on. */
static atomic_uint generation;
static atomic_int sleepers;
/* Pool threads 0 .. active - 1 take part (the thread count can be lowered
   after the pool has grown). */
static atomic_int active;

static void futex_wait(atomic_uint *addr, unsigned value) {
  syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, value, 0, 0, 0);
}

static void futex_wake_all(atomic_uint *addr) {
  syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
}

/* A spin-wait hint to the core (cheaper for a hyperthread sibling than a
   tight loop, and no system call). Builtins, not inline assembly: the
   bitcode is compiled by qc-compile, which has no assembly parsers. */
static inline void cpu_relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __builtin_arm_yield();
#else
  atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* Claims and runs chunks of the published job until none is left; returns
   how many it ran. */
static int run_chunks(void) {
  int ran = 0;
  uint64_t t = atomic_load(&ticket);
  for (;;) {
    uint64_t next = t & 0xffff, chunks = (t >> 16) & 0xffff;
    if (next >= chunks)
      return ran;
    if (!atomic_compare_exchange_weak(&ticket, &t, t + 1))
      continue; /* t now holds the current ticket */
    int64_t begin = job_n * (int64_t)next / (int64_t)chunks,
            end = job_n * (int64_t)(next + 1) / (int64_t)chunks;
    job_fn(job_ctx, begin, end);
    atomic_fetch_add(&done, 1);
    ++ran;
    t = atomic_load(&ticket);
  }
}

/* Pool threads spin this many relax hints (a millisecond or so) waiting for
   the next job before they sleep: a model's layers follow each other within
   microseconds, a futex wake-up takes tens of them. */
enum { QC_SPINS = 1 << 14 };

static void *worker(void *arg) {
  const int index = (int)(intptr_t)arg;
  for (;;) {
    unsigned g = atomic_load(&generation);
    if (index < atomic_load(&active) && run_chunks())
      continue;
    int spins = 0;
    while (atomic_load(&generation) == g) {
      if (atomic_load(&stopping))
        return 0;
      if (++spins < QC_SPINS) {
        cpu_relax();
        continue;
      }
      /* Dekker with the publisher: it bumps `generation` and then reads
         `sleepers`; this thread counts itself in and then lets the kernel
         compare `generation`. */
      atomic_fetch_add(&sleepers, 1);
      futex_wait(&generation, g);
      atomic_fetch_sub(&sleepers, 1);
      spins = 0;
    }
    if (atomic_load(&stopping))
      return 0;
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
    if (pthread_create(&workers[started], 0, worker, (void *)(intptr_t)started) != 0)
      break;
    ++started;
  }
  const int helpers = started < threads - 1 ? started : threads - 1;
  /* Chunks: 4 per thread, so a thread on a slower CPU takes fewer. */
  int64_t chunks = (int64_t)(helpers + 1) * 4;
  if (chunks > n)
    chunks = n;
  job_fn = fn;
  job_ctx = ctx;
  job_n = n;
  atomic_store(&active, helpers);
  atomic_store(&done, 0);
  uint64_t publication = (atomic_load(&ticket) >> 32) + 1;
  atomic_store(&ticket, publication << 32 | (uint64_t)chunks << 16);
  atomic_fetch_add(&generation, 1);
  if (atomic_load(&sleepers) > 0)
    futex_wake_all(&generation);
  run_chunks();
  for (int spins = 0; atomic_load(&done) < chunks;)
    if (++spins < QC_SPINS)
      cpu_relax();
    else
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
