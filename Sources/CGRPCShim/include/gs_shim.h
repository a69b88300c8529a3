// gs_shim: a small event-based gRPC server and client over the gRPC C core completion-queue API.
//
// Swift never includes a grpc/*.h header: only this plain C API (bytes, lengths, status codes, opaque handles)
// crosses into Swift. Every gRPC core detail stays in gs_server.c / gs_client.c.
//
// Threading
// - Each gs_server and each gs_channel owns one completion-queue thread. All callbacks (events, log lines, client
//   completions) run on that thread or on a gRPC core thread; they MUST NOT block — copy what you need and return.
// - Every other function in this header is thread-safe and may be called from any thread.
//
// Memory
// - Pointers handed to a callback (method names, payloads, messages) are valid only during that callback.
// - Byte buffers passed into a function are copied before it returns; the caller keeps ownership.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------------------------------------------
// Server

typedef struct gs_server gs_server;
typedef struct gs_call gs_call;

typedef enum {
    GS_METHOD_UNARY = 0,          // one request message, one response (gs_call_respond or gs_call_finish)
    GS_METHOD_SERVER_STREAM = 1,  // one request message, any number of gs_call_send, then gs_call_finish
    GS_METHOD_BIDI = 2,           // request messages arrive as events; gs_call_send / gs_call_finish
} gs_method_kind;

typedef enum {
    // A unary call arrived with its request. `call` is a new reference the receiver owns and MUST give back exactly
    // once, through gs_call_respond or gs_call_finish (also after a GS_EVENT_CANCELLED for that call).
    GS_EVENT_UNARY = 1,
    // A streaming call arrived (server-streaming: with its request payload; bidi: no payload). Ownership as above.
    GS_EVENT_STREAM_OPEN = 2,
    // A request message on a bidi stream. `call` is borrowed (valid during the callback only).
    GS_EVENT_STREAM_MESSAGE = 3,
    // The client half-closed a bidi stream. `call` is borrowed.
    GS_EVENT_STREAM_HALF_CLOSE = 4,
    // The client cancelled a streaming call, or its connection died, before the call was finished. `call` is
    // borrowed; the owner of the call's reference must still finish it (the status is then discarded). Unary calls
    // have no such event: their answer to a cancelled call is discarded the same way.
    GS_EVENT_CANCELLED = 5,
    // Shutdown completed (gs_server_shutdown or SIGTERM): no calls are in flight and no further events follow.
    GS_EVENT_SERVER_STOPPED = 6,
} gs_event_kind;

typedef struct {
    gs_event_kind kind;
    gs_call *call;          // NULL for GS_EVENT_SERVER_STOPPED
    uint64_t call_id;       // unique per server, > 0
    const char *method;     // full path, e.g. "/generated.BackupItemAction/Execute"; not NUL-terminated
    size_t method_len;
    const uint8_t *payload; // request bytes (UNARY, STREAM_OPEN of server-streaming, STREAM_MESSAGE)
    size_t payload_len;
} gs_event;

typedef void (*gs_event_fn)(void *ctx, const gs_event *event);

typedef struct {
    const char *address;        // "unix:/abs/path" (or any C core address)
    gs_event_fn on_event;       // called on the completion-queue thread; must not wait (it may do short work,
                                // such as running a unary handler up to its first suspension)
    void *context;              // passed to on_event
    int max_receive_bytes;      // request size limit; <= 0 keeps C core's default (4 MiB, same as a Go plugin)
    int request_slots;          // armed slots for streaming and unknown methods; <= 0 means 8 (each unary method
                                // has 4 slots of its own)
    int sigterm_grace_ms;       // >= 0: SIGTERM starts a graceful shutdown with this grace; < 0: default action
} gs_server_config;

// Creates the server (not yet listening). Returns NULL and writes a message into err on failure.
gs_server *gs_server_create(const gs_server_config *config, char *err, size_t errlen);

// Declares the kind of a method path before gs_server_start. Paths never declared are answered UNIMPLEMENTED by
// the shim itself, at once, without an event.
int gs_server_set_method(gs_server *server, const char *method, gs_method_kind kind);

// Binds, listens and starts the completion-queue thread. Returns 0 on success; -1 with err filled on failure, in
// which case the server has been torn down and must not be used again (not even with gs_server_destroy).
int gs_server_start(gs_server *server, char *err, size_t errlen);

// Stops accepting calls; in-flight calls may finish during grace_ms, then every remaining call is cancelled.
// GS_EVENT_SERVER_STOPPED follows. Safe to call more than once and from any thread (the first call wins).
void gs_server_shutdown(gs_server *server, int grace_ms);

// Waits for the completion-queue thread to end (after GS_EVENT_SERVER_STOPPED) without freeing anything, so a
// process can exit with every thread it started joined. Safe to call more than once.
void gs_server_join(gs_server *server);

// Waits for the completion-queue thread to end (after GS_EVENT_SERVER_STOPPED), then frees the server and calls
// grpc_shutdown. Calls still owned by the application must not be used afterwards.
void gs_server_wait_and_destroy(gs_server *server);

// Unary OK response carrying `bytes`, then status OK. Consumes the caller's reference to `call`.
// Returns 0 if queued, -1 if the call was already finished, cancelled, or the server is gone.
int gs_call_respond(gs_call *call, const uint8_t *bytes, size_t len);

// Queues one message on a streaming call. Does not consume the reference. Returns 0 if queued, -1 otherwise.
int gs_call_send(gs_call *call, const uint8_t *bytes, size_t len);

// Finishes the call with a status: `code` (grpc_status_code value), `message` (NUL-terminated, may be NULL), and
// optional `details` sent as the raw value of trailing metadata grpc-status-details-bin (a serialised
// google.rpc.Status; C core base64-encodes it). Consumes the caller's reference. Returns 0 if queued, -1 otherwise.
int gs_call_finish(gs_call *call, int code, const char *message, const uint8_t *details, size_t details_len);

// ---------------------------------------------------------------------------------------------------------------
// Logging: gRPC core's own log lines (gpr_log) are routed here instead of stderr.

// severity: 0 debug, 1 info, 2 error (gpr_log_severity). Called on arbitrary gRPC threads; must not block long.
typedef void (*gs_log_fn)(void *ctx, int severity, const char *file, int line, const char *message);
void gs_set_log_fn(gs_log_fn fn, void *ctx);

// ---------------------------------------------------------------------------------------------------------------
// Client (used by the plugin host and tests): one channel, one completion-queue thread.

typedef struct gs_channel gs_channel;
typedef struct gs_client_stream gs_client_stream;

typedef struct {
    int status;                 // grpc_status_code
    const char *message;        // status message (NUL-terminated; "" if none)
    const uint8_t *payload;     // response message, if has_payload
    size_t payload_len;
    int has_payload;
    const uint8_t *details;     // raw grpc-status-details-bin value, if any (details_len > 0)
    size_t details_len;
} gs_client_result;

typedef void (*gs_unary_done_fn)(void *ctx, const gs_client_result *result);

// kind: 1 = message (payload set), 2 = closed (status set; the last event of the stream).
typedef void (*gs_stream_event_fn)(void *ctx, int kind, const gs_client_result *result);

// `target` like "unix:/abs/path". Requests carry :authority "unused", like go-plugin's dialer.
gs_channel *gs_channel_create(const char *target, char *err, size_t errlen);

// Cancels nothing by itself: callers cancel or finish their streams first. Waits for the CQ thread to end.
void gs_channel_destroy(gs_channel *channel);

// Starts a unary call; `done` runs exactly once on the channel's CQ thread. Returns 0, or -1 if it could not start
// (then `done` is not called).
int gs_channel_unary(gs_channel *channel, const char *method, const uint8_t *request, size_t len,
                     gs_unary_done_fn done, void *ctx);

// Opens a streaming call. With has_request, sends `request` and half-closes (server-streaming); otherwise sends
// nothing (bidi held open). `on_event` gets messages, then exactly one "closed" event. Returns NULL on failure.
// The returned handle must be released with gs_client_stream_release (after or before the closed event).
gs_client_stream *gs_channel_open_stream(gs_channel *channel, const char *method, const uint8_t *request, size_t len,
                                         int has_request, gs_stream_event_fn on_event, void *ctx);

// Cancels the stream (RST_STREAM CANCEL); the closed event follows with CANCELLED.
void gs_client_stream_cancel(gs_client_stream *stream);
void gs_client_stream_release(gs_client_stream *stream);

// ---------------------------------------------------------------------------------------------------------------
// Process helpers

// argv as the kernel passed it, captured by an ELF constructor: a fallback when /proc is missing (Swift reads
// CommandLine.arguments from /proc/self/cmdline). Returns NULL if unavailable.
const char *gs_process_argv0(void);

// Installs handlers for fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT) that write `line` (a
// preformatted log line, copied here) to fd 2 once, then re-raise with the default action. Swift traps end in
// SIGILL/SIGTRAP; this keeps a crash from being silent in Velero's log.
void gs_install_crash_line(const char *line);

// Plugin log lines on fd 2. Before gs_log_start_batching each call is one write(2). Afterwards lines are appended
// to a buffer that a thread writes out delay_ms after its first line, so a busy plugin makes one write for many
// lines instead of one per line; order is kept, a full buffer (256 KiB) is written at once, exit() writes what is
// pending, and a fatal signal writes it (best effort) before the crash line. Returns -1 if the thread could not
// be started (lines keep going out one by one).
void gs_log_write(const uint8_t *bytes, size_t len);
int gs_log_start_batching(int delay_ms);
// Writes every pending line now.
void gs_log_flush(void);

/** Makes C stdio's `stdout` line-buffered (after fd 1 has been redirected to a pipe, so a stray line is flushed
 *  at its newline instead of waiting in a full buffer). */
void gs_stdout_line_buffered(void);

// glibc heap settings for a long-running server: freed memory stays in the process (up to 16 MiB at the top of
// an arena) instead of going back to the kernel after each burst of calls and being faulted in again, and arenas
// grow 1 MiB at a time. glibc's defaults (128 KiB, no pad) cost an mprotect and page faults every few calls.
void gs_tune_malloc(void);

// Fills `length` bytes from `source` (getrandom's signature), retrying on EINTR; if the source fails otherwise,
// reads /dev/urandom instead. Returns 0, or -1 when neither gave the bytes. The static build's arc4random wrapper
// (gs_glibc_compat.c) is built on it; the source is a parameter so tests can make getrandom fail.
typedef ssize_t (*gs_getrandom_fn)(void *buffer, size_t length, unsigned int flags);
int gs_random_fill(void *buffer, size_t length, gs_getrandom_fn source);

// Starts `path` with `argv` and `envp` (NULL-terminated), stdin /dev/null and stdout/stderr on the given fds, in a
// child the kernel kills (SIGKILL) when this process exits, however it exits. Returns the pid, or -1 with `*error`
// set to the errno of the fork or execve. For plugin hosts; the plugin itself never calls it.
pid_t gs_spawn_tied_to_host(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd,
                            int *error);

// pipe2(fds, O_CLOEXEC): both ends close-on-exec atomically, so concurrent spawns never inherit them.
int gs_pipe_cloexec(int fds[2]);

#ifdef __cplusplus
}
#endif
