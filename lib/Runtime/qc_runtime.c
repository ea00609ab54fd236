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

/* The current job: n items cut into `job_chunks` chunks, and the chunks
   dealt in contiguous ranges, one per taking-part thread (the caller is 0,
   pool thread i is i + 1). slots[p] is (publication number << 32 | end << 16
   | next) of range p: a thread claims a chunk by advancing a slot with a
   compare-and-swap, its own slot first, then the others' (work stealing),
   so a thread on a slower CPU takes fewer chunks, while on repeated and
   consecutive layers each thread mostly gets the same part of the tensors,
   which stays in its core's caches (with one shared counter the parts went
   to either thread at random, and at 2 threads a depthwise layer spent 1.6x
   the CPU time of 1 thread moving cache lines between the cores).
   job_fn, job_ctx, job_n and job_chunks are written before the slots are
   published and stay untouched until `done` counts every chunk of the job,
   so a thread holding a claimed chunk always reads its own job. The
   publishing thread waits for the chunks to be done, not for the pool
   threads to check in: a pool thread that is still asleep when the job is
   published finds it all claimed when it wakes, and the caller never waits
   for its wake-up. */
static qc_task_fn job_fn;
static void *job_ctx;
static int64_t job_n, job_chunks;
static _Atomic uint64_t slots[QC_MAX_THREADS];
/* Threads taking part in the current job: the caller and pool threads
   0 .. job_parts - 2 (the thread count can be lowered after the pool has
   grown). */
static atomic_int job_parts;
static atomic_int done;
/* Bumped with every publication: what sleeping pool threads wait on. */
static atomic_uint generation;
static atomic_int sleepers;

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

/* Claims and runs chunks of the published job until none is left, from
   range `self` first; returns how many it ran. */
static int run_chunks(int self) {
  int ran = 0;
  const int parts = atomic_load(&job_parts);
  for (int k = 0; k < parts; ++k) {
    _Atomic uint64_t *slot = &slots[(self + k) % parts];
    uint64_t t = atomic_load(slot);
    for (;;) {
      uint64_t next = t & 0xffff, end = (t >> 16) & 0xffff;
      if (next >= end)
        break;
      if (!atomic_compare_exchange_weak(slot, &t, t + 1))
        continue; /* t now holds the slot's current value */
      int64_t begin = job_n * (int64_t)next / job_chunks,
              stop = job_n * (int64_t)(next + 1) / job_chunks;
      job_fn(job_ctx, begin, stop);
      atomic_fetch_add(&done, 1);
      ++ran;
      t = atomic_load(slot);
    }
  }
  return ran;
}

/* Pool threads spin this many relax hints (a millisecond or so) waiting for
   the next job before they sleep: a model's layers follow each other within
   microseconds, a futex wake-up takes tens of them. */
enum { QC_SPINS = 1 << 14 };

static void *worker(void *arg) {
  const int index = (int)(intptr_t)arg;
  for (;;) {
    unsigned g = atomic_load(&generation);
    if (index + 1 < atomic_load(&job_parts) && run_chunks(index + 1))
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
  job_chunks = chunks;
  const int parts = helpers + 1;
  atomic_store(&job_parts, parts);
  atomic_store(&done, 0);
  const uint64_t publication = (atomic_load(&slots[0]) >> 32) + 1;
  for (int p = parts - 1; p >= 0; --p) {
    const uint64_t begin = (uint64_t)(chunks * p / parts),
                   end = (uint64_t)(chunks * (p + 1) / parts);
    atomic_store(&slots[p], publication << 32 | end << 16 | begin);
  }
  atomic_fetch_add(&generation, 1);
  if (atomic_load(&sleepers) > 0)
    futex_wake_all(&generation);
  run_chunks(0);
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
