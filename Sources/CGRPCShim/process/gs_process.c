#define _GNU_SOURCE
// Process-level helpers: gRPC core log routing, argv capture without /proc, and a last log line on fatal signals.
#include "process/gs_log_hook.h"
#include "gs_shim.h"

#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---------------------------------------------------------------------------------------------------------------
// gRPC core logging

static gs_log_fn gs_log_callback = NULL;
static void *gs_log_context = NULL;
static pthread_once_t gs_log_once = PTHREAD_ONCE_INIT;

static void gs_log_trampoline(gpr_log_func_args *args) {
    gs_log_fn fn = __atomic_load_n(&gs_log_callback, __ATOMIC_ACQUIRE);
    if (fn == NULL) return;  // never let C core write its plain-text lines to stderr
    fn(gs_log_context, (int)args->severity, args->file ? args->file : "", args->line,
       args->message ? args->message : "");
}

// abseil's Mutex deadlock detection: Debian builds abseil without NDEBUG, so every lock gRPC core takes does
// lock-order bookkeeping (its cost is in docs/performance.md), and a suspected cycle would
// abort the process. Release builds of abseil ignore cycles by default; do the same. C has no namespaces, so the
// function is declared by its mangled name (Debian 12's abseil, inline namespace debian3), and weak: with an
// abseil that names it differently the pointer is null and the default stays.
extern void gs_absl_set_deadlock_detection_mode(int mode)
    __asm__("_ZN4absl7debian329SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE") __attribute__((weak));

// Once per process, before gRPC core starts: the log route and abseil's settings.
static void gs_install_log_hook(void) {
    if (gs_absl_set_deadlock_detection_mode != NULL) gs_absl_set_deadlock_detection_mode(0 /* kIgnore */);
    gpr_set_log_function(gs_log_trampoline);
}

void gs_ensure_log_hook(void) { pthread_once(&gs_log_once, gs_install_log_hook); }

void gs_set_log_fn(gs_log_fn fn, void *ctx) {
    gs_log_context = ctx;
    __atomic_store_n(&gs_log_callback, fn, __ATOMIC_RELEASE);
    gs_ensure_log_hook();
}

// ---------------------------------------------------------------------------------------------------------------
// argv[0]: glibc passes (argc, argv, envp) to ELF constructors.

static const char *gs_argv0 = NULL;

static void gs_capture_argv(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc > 0 && argv != NULL) gs_argv0 = argv[0];
}

__attribute__((used, section(".init_array"))) static void (*gs_capture_argv_ptr)(int, char **, char **) =
    gs_capture_argv;

const char *gs_process_argv0(void) { return gs_argv0; }

// ---------------------------------------------------------------------------------------------------------------
// Plugin log lines on fd 2, batched once serving (see gs_shim.h)

enum { GS_LOG_CAPACITY = 256 * 1024 };

static pthread_mutex_t gs_log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gs_log_pending = PTHREAD_COND_INITIALIZER;
static char gs_log_buffer[GS_LOG_CAPACITY];  // static: the crash handler can read it, it never moves
static volatile size_t gs_log_len = 0;
static int gs_log_batching = 0;
static int gs_log_delay_ms = 0;

static void gs_write_all(const char *bytes, size_t len) {
    while (len > 0) {
        ssize_t written = write(2, bytes, len);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;  // stderr gone: nothing else to do with the line
        bytes += written;
        len -= (size_t)written;
    }
}

// Caller holds gs_log_mu.
static void gs_log_drain_locked(void) {
    if (gs_log_len > 0) gs_write_all(gs_log_buffer, gs_log_len);
    gs_log_len = 0;
}

void gs_log_write(const uint8_t *bytes, size_t len) {
    pthread_mutex_lock(&gs_log_mu);
    if (!gs_log_batching) {
        gs_write_all((const char *)bytes, len);
    } else {
        if (gs_log_len + len > GS_LOG_CAPACITY) gs_log_drain_locked();
        if (len > GS_LOG_CAPACITY) {
            gs_write_all((const char *)bytes, len);
        } else {
            int was_empty = gs_log_len == 0;
            memcpy(gs_log_buffer + gs_log_len, bytes, len);
            gs_log_len += len;
            if (was_empty) pthread_cond_signal(&gs_log_pending);
        }
    }
    pthread_mutex_unlock(&gs_log_mu);
}

void gs_log_flush(void) {
    pthread_mutex_lock(&gs_log_mu);
    gs_log_drain_locked();
    pthread_mutex_unlock(&gs_log_mu);
}

// Waits for a first pending line, lets the lines of the next delay_ms join it, writes them in one write(2).
static void *gs_log_flusher(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&gs_log_mu);
        while (gs_log_len == 0) pthread_cond_wait(&gs_log_pending, &gs_log_mu);
        pthread_mutex_unlock(&gs_log_mu);
        struct timespec delay = {0, (long)gs_log_delay_ms * 1000000L};
        while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
        }
        gs_log_flush();
    }
    return NULL;
}

int gs_log_start_batching(int delay_ms) {
    pthread_mutex_lock(&gs_log_mu);
    int started = gs_log_batching;
    pthread_mutex_unlock(&gs_log_mu);
    if (started) return 0;
    gs_log_delay_ms = delay_ms > 0 ? delay_ms : 1;
    // Lines still pending at exit() are written by this hook; a crash writes them from its signal handler.
    atexit(gs_log_flush);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create(&thread, &attributes, gs_log_flusher, NULL);
    pthread_attr_destroy(&attributes);
    if (rc != 0) return -1;  // lines keep going out one write each
    pthread_mutex_lock(&gs_log_mu);
    gs_log_batching = 1;
    pthread_mutex_unlock(&gs_log_mu);
    return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Fatal signals

static char gs_crash_line[1024];
static size_t gs_crash_line_len = 0;
static volatile sig_atomic_t gs_crash_written = 0;

static void gs_on_fatal_signal(int sig) {
    if (!gs_crash_written) {
        gs_crash_written = 1;
        // Best effort, without the lock (a signal handler cannot take it): the lines still waiting for their
        // batch, which tell what the process was doing, then the crash line.
        size_t pending = gs_log_len;
        if (pending > 0 && pending <= GS_LOG_CAPACITY) {
            ssize_t ignored = write(2, gs_log_buffer, pending);
            (void)ignored;
        }
        ssize_t ignored = write(2, gs_crash_line, gs_crash_line_len);
        (void)ignored;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void gs_install_crash_line(const char *line) {
    size_t len = strlen(line);
    if (len >= sizeof gs_crash_line) len = sizeof gs_crash_line - 1;
    memcpy(gs_crash_line, line, len);
    gs_crash_line_len = len;
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = gs_on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigaction(signals[i], &sa, NULL);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Heap

void gs_tune_malloc(void) {
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    mallopt(M_TOP_PAD, 1 << 20);
}

// ---------------------------------------------------------------------------------------------------------------
// Pipes for child processes

int gs_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

void gs_stdout_line_buffered(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
