#define _GNU_SOURCE
// Starting plugin processes for the host side (PluginHost, velero-plugin-host): a child that cannot outlive its host.
// The child asks the kernel for SIGKILL when its parent goes away (PR_SET_PDEATHSIG). The kernel means the parent
// *thread*, and Swift's and Dispatch's worker threads come and go, so every fork happens on one thread started here
// that lives as long as the process.
#include "gs_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct gs_spawn_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdout_fd;
    int stderr_fd;
    pid_t pid;
    int error;
    int done;
};

static pthread_mutex_t spawn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spawn_cv = PTHREAD_COND_INITIALIZER;
static struct gs_spawn_request *spawn_pending = NULL;
static pthread_once_t spawn_once = PTHREAD_ONCE_INIT;
static int spawn_thread_error = 0;

// In the child only async-signal-safe calls: the parent has other threads, whose locks the child inherits held.
static void child_after_fork(const struct gs_spawn_request *r, pid_t parent, int report_fd) {
    int e = 0;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) goto fail;
    if (getppid() != parent) _exit(127);  // the host died before the line above
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(r->stdout_fd, 1) < 0 || dup2(r->stderr_fd, 2) < 0) goto fail;
    // As Go's os/exec starts a process: default dispositions, nothing blocked.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(r->path, r->argv, r->envp);
fail:
    e = errno;
    ssize_t ignored = write(report_fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

static void spawn_now(struct gs_spawn_request *r) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        r->pid = -1;
        r->error = errno;
        return;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) child_after_fork(r, parent, report[1]);
    close(report[1]);
    if (pid < 0) {
        r->pid = -1;
        r->error = errno;
        close(report[0]);
        return;
    }
    // The report pipe closes at a successful execve (O_CLOEXEC) or carries errno.
    int child_error = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_error, sizeof child_error);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n > 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        r->pid = -1;
        r->error = child_error ? child_error : ECHILD;
        return;
    }
    r->pid = pid;
    r->error = 0;
}

static void *spawner_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&spawn_mu);
    for (;;) {
        while (spawn_pending == NULL) pthread_cond_wait(&spawn_cv, &spawn_mu);
        struct gs_spawn_request *r = spawn_pending;
        spawn_pending = NULL;
        pthread_mutex_unlock(&spawn_mu);
        spawn_now(r);
        pthread_mutex_lock(&spawn_mu);
        r->done = 1;
        pthread_cond_broadcast(&spawn_cv);
    }
    return NULL;
}

static void start_spawner(void) {
    // No signal is handled on this thread: it only forks.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    spawn_thread_error = pthread_create(&thread, &attributes, spawner_main, NULL);
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
}

pid_t gs_spawn_tied_to_host(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd,
                            int *error) {
    pthread_once(&spawn_once, start_spawner);
    if (spawn_thread_error != 0) {
        *error = spawn_thread_error;
        return -1;
    }
    struct gs_spawn_request request = {path, argv, envp, stdout_fd, stderr_fd, -1, 0, 0};
    pthread_mutex_lock(&spawn_mu);
    while (spawn_pending != NULL) pthread_cond_wait(&spawn_cv, &spawn_mu);
    spawn_pending = &request;
    pthread_cond_broadcast(&spawn_cv);
    while (!request.done) pthread_cond_wait(&spawn_cv, &spawn_mu);
    pthread_mutex_unlock(&spawn_mu);
    *error = request.error;
    return request.pid;
}
