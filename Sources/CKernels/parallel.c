// A pool of worker threads for the model's parallel sections. A single image's layers run one short
// parallel section after another (about 15 per VGG prediction, 20-250 us each); waking a sleeping thread for
// each costs more than that in a virtual machine, whose idle CPUs halt (AMD EPYC Zen 5, 2 cores: two threads
// took 235 us for what one thread did in 200, and 102 us with a worker already awake). So each worker, once
// its share is done, polls for its next share for a while before it sleeps.
#include "CKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

// Workers the pool will create (index 0 of every job runs on the calling thread).
#define POOL_WORKERS 255
// How long an idle worker polls before it sleeps, in nanoseconds.
#define POLL_NS 200000L

// What one worker runs next; each on a cache line of its own, written by the caller only while the worker
// is idle and published by raising `generation`.
typedef struct {
    _Alignas(64) _Atomic unsigned long generation;
    _Atomic int sleeping;
    void (*fn)(void *, long);
    void *context;
    long index;
} mailbox;

static mailbox mailboxes[POOL_WORKERS];
static long created;
static atomic_flag busy = ATOMIC_FLAG_INIT;
static _Atomic long remaining;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static long elapsed_ns(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000000000L + (now.tv_nsec - start->tv_nsec);
}

static inline void relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void *worker_main(void *argument) {
    mailbox *box = argument;
    unsigned long seen = 0;
    for (;;) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        unsigned long generation;
        for (long polls = 1; (generation = atomic_load_explicit(&box->generation, memory_order_acquire)) == seen;
             polls++) {
            relax();
            if (polls % 64 == 0 && elapsed_ns(&start) > POLL_NS) break;
        }
        if (generation == seen) {
            // Announce the sleep before the last look (the caller raises the generation before it looks at
            // `sleeping`), so that one of the two sees the other.
            pthread_mutex_lock(&lock);
            atomic_store(&box->sleeping, 1);
            while ((generation = atomic_load(&box->generation)) == seen) pthread_cond_wait(&wake, &lock);
            atomic_store(&box->sleeping, 0);
            pthread_mutex_unlock(&lock);
        }
        seen = generation;
        box->fn(box->context, box->index);
        atomic_fetch_sub_explicit(&remaining, 1, memory_order_release);
    }
    return 0;
}

// A child forked from this process has none of its workers (fork copies only the calling thread): it starts
// the pool afresh, as if none had been created.
static void forget_workers(void) {
    for (long i = 0; i < created; i++) {
        atomic_store(&mailboxes[i].generation, 0);
        atomic_store(&mailboxes[i].sleeping, 0);
    }
    created = 0;
    atomic_store(&remaining, 0);
    atomic_flag_clear(&busy);
    pthread_mutex_init(&lock, 0);
    pthread_cond_init(&wake, 0);
}

static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;
static void register_fork_handler(void) { pthread_atfork(0, 0, forget_workers); }

int ck_parallel_run(long threads, void (*fn)(void *context, long index), void *context) {
    if (threads < 1 || threads - 1 > POOL_WORKERS) return 0;
    pthread_once(&fork_handler_once, register_fork_handler);
    // One job at a time: a second caller (another thread's model, or a share of this job) is refused.
    if (atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) return 0;
    for (; created < threads - 1; created++) {
        pthread_t thread;
        if (pthread_create(&thread, 0, worker_main, &mailboxes[created]) != 0) {
            atomic_flag_clear_explicit(&busy, memory_order_release);
            return 0;
        }
        pthread_detach(thread);
    }
    atomic_store_explicit(&remaining, threads - 1, memory_order_relaxed);
    int sleepers = 0;
    for (long i = 1; i < threads; i++) {
        mailbox *box = &mailboxes[i - 1];
        box->fn = fn;
        box->context = context;
        box->index = i;
        atomic_fetch_add(&box->generation, 1);
        sleepers |= atomic_load(&box->sleeping);
    }
    if (sleepers) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    fn(context, 0);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long polls = 1; atomic_load_explicit(&remaining, memory_order_acquire) > 0; polls++) {
        relax();
        // Workers descheduled on a busy machine: give them the processor.
        if (polls % 64 == 0 && elapsed_ns(&start) > POLL_NS) sched_yield();
    }
    atomic_flag_clear_explicit(&busy, memory_order_release);
    return 1;
}
