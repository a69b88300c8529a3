#define _GNU_SOURCE
// Process-level helpers: gRPC core log routing, argv capture without /proc, and a last log line on fatal signals.
#include "gs_internal.h"
#include "include/gs_shim.h"

#include <grpc/support/log.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>

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
// lock-order bookkeeping (about 2 % of a busy plugin's CPU, measured with callgrind), and a suspected cycle would
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
// Fatal signals

static char gs_crash_line[1024];
static size_t gs_crash_line_len = 0;
static volatile sig_atomic_t gs_crash_written = 0;

static void gs_on_fatal_signal(int sig) {
    if (!gs_crash_written) {
        gs_crash_written = 1;
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
// Pipes for child processes

int gs_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

void gs_stdout_line_buffered(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
}
