// Event-based gRPC server over the C core completion queue (see include/gs_shim.h for the contract).
//
// One thread loops on grpc_completion_queue_next. Calls arrive through always-armed request slots (re-armed before
// the new call is processed): unary methods are registered with C core, which reads their request message before
// reporting the call, so a unary call costs two completions (arrival with its request, then the final batch);
// streaming methods and unknown paths arrive through grpc_server_request_call. Each call is a refcounted gs_call:
// one reference per outstanding batch (close, receive, send) and one for the application while it owns the call.
// Sends on one call are serialised through a small queue so that at most one send batch is in flight; the final
// message and the status travel in one batch, which on a unary call also carries RECV_CLOSE_ON_SERVER (a streaming
// call keeps a close batch from its start, to report cancellation). C core never completes a batch inline, so
// start_batch under the call mutex is safe.
#include "gs_internal.h"
#include "gs_shim.h"

#include <errno.h>
#include <grpc/grpc_security.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

enum {
    TAG_SLOT = 1,     // a request slot received a call (generic or registered)
    TAG_RECV,         // RECV_MESSAGE finished
    TAG_CLOSE,        // RECV_CLOSE_ON_SERVER finished: the call is over
    TAG_SEND,         // a send batch finished
    TAG_REJECT,       // the UNIMPLEMENTED answer for an unknown method finished
    TAG_SHUTDOWN,     // grpc_server_shutdown_and_notify finished
};

typedef struct gs_method gs_method;

typedef struct gs_slot {
    gs_tag tag;
    gs_server *server;
    const gs_method *registered;   // NULL: a generic slot (grpc_server_request_call)
    grpc_call *call;
    grpc_call_details details;     // generic slots
    gpr_timespec deadline;         // registered slots
    grpc_byte_buffer *payload;     // registered slots: the request message, NULL if the client sent none
    grpc_metadata_array metadata;
} gs_slot;

typedef struct gs_reject {
    gs_tag tag;
    grpc_call *call;
    int cancelled;
    grpc_slice message;
} gs_reject;

typedef struct gs_msg {
    struct gs_msg *next;
    grpc_byte_buffer *buffer;
} gs_msg;

struct gs_method {
    char *path;
    gs_method_kind kind;
    void *registration;   // grpc_server_register_method handle (unary methods)
};

struct gs_call {
    gs_server *server;
    grpc_call *call;
    uint64_t id;
    gs_method_kind kind;
    char *method;
    size_t method_len;

    pthread_mutex_t mu;
    int refs;
    gs_tag recv_tag, close_tag, send_tag;

    grpc_byte_buffer *recv_buffer;
    int got_request;       // unary/server-streaming: the request message arrived
    int cancelled;         // out-parameter of RECV_CLOSE_ON_SERVER
    int closed;            // RECV_CLOSE_ON_SERVER completed
    int finished;          // the application gave the status (no more sends)

    int initial_metadata_sent;
    int send_in_flight;
    gs_msg *queue_head, *queue_tail;
    int status_pending;
    int status_code;
    grpc_slice status_message;
    grpc_slice status_details;     // raw google.rpc.Status bytes, or empty
    int has_details;

    // owned by the batch in flight
    grpc_byte_buffer *inflight_buffer;
    int inflight_status;
    int inflight_close;            // the batch carries RECV_CLOSE_ON_SERVER (unary final batch)
    grpc_slice inflight_message;
    grpc_metadata inflight_trailer;
    int inflight_has_trailer;
};

struct gs_server {
    grpc_server *server;
    grpc_completion_queue *cq;
    pthread_t thread;
    int thread_started;

    gs_event_fn on_event;
    void *context;
    int sigterm_grace_ms;

    gs_method *methods;
    size_t method_count;

    gs_slot *slots;
    int slot_count;                // generic slots
    int slots_per_method;          // registered slots per unary method
    int total_slots;

    // Guards start_batch against the completion queue's shutdown: batches take it for reading; teardown takes it
    // for writing once and sets `dead`.
    pthread_rwlock_t batch_lock;
    int dead;

    pthread_mutex_t mu;
    int shutdown_started;
    gpr_timespec cancel_at;
    int cancel_sent;
    gs_tag shutdown_tag;
    uint64_t next_call_id;
};

// ---------------------------------------------------------------------------------------------------------------
// SIGTERM: the handler only sets a flag; the completion-queue loop (which wakes at least every 100 ms) acts on it.

static volatile sig_atomic_t gs_sigterm_seen = 0;

static void gs_on_sigterm(int sig) {
    (void)sig;
    gs_sigterm_seen = 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Calls

static void call_unref_locked_release(gs_call *c);

static void call_free(gs_call *c) {
    while (c->queue_head) {
        gs_msg *m = c->queue_head;
        c->queue_head = m->next;
        grpc_byte_buffer_destroy(m->buffer);
        free(m);
    }
    if (c->status_pending) {
        grpc_slice_unref(c->status_message);
        grpc_slice_unref(c->status_details);
    }
    if (c->recv_buffer) grpc_byte_buffer_destroy(c->recv_buffer);
    grpc_call_unref(c->call);
    pthread_mutex_destroy(&c->mu);
    free(c->method);
    free(c);
}

// Drops one reference; the caller holds c->mu, which this releases.
static void call_unref_locked_release(gs_call *c) {
    int last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last) call_free(c);
}

static void call_unref(gs_call *c) {
    pthread_mutex_lock(&c->mu);
    call_unref_locked_release(c);
}

// Starts the next send batch if none is in flight. Caller holds c->mu.
static void call_pump_locked(gs_call *c) {
    if (c->send_in_flight) return;
    if (c->queue_head == NULL && !c->status_pending) return;

    gs_server *s = c->server;
    pthread_rwlock_rdlock(&s->batch_lock);
    if (s->dead) {
        pthread_rwlock_unlock(&s->batch_lock);
        return;
    }

    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    if (!c->initial_metadata_sent) {
        ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
        n++;
    }
    c->inflight_buffer = NULL;
    c->inflight_status = 0;
    c->inflight_close = 0;
    c->inflight_has_trailer = 0;
    if (c->queue_head) {
        gs_msg *m = c->queue_head;
        c->queue_head = m->next;
        if (c->queue_head == NULL) c->queue_tail = NULL;
        c->inflight_buffer = m->buffer;
        free(m);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n].data.send_message.send_message = c->inflight_buffer;
        n++;
    }
    if (c->queue_head == NULL && c->status_pending) {
        c->status_pending = 0;
        c->inflight_status = 1;
        c->inflight_message = c->status_message;
        ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
        ops[n].data.send_status_from_server.status = (grpc_status_code)c->status_code;
        ops[n].data.send_status_from_server.status_details = &c->inflight_message;
        if (c->has_details) {
            c->inflight_has_trailer = 1;
            memset(&c->inflight_trailer, 0, sizeof c->inflight_trailer);
            c->inflight_trailer.key = grpc_slice_from_static_string("grpc-status-details-bin");
            c->inflight_trailer.value = c->status_details;
            ops[n].data.send_status_from_server.trailing_metadata_count = 1;
            ops[n].data.send_status_from_server.trailing_metadata = &c->inflight_trailer;
        } else {
            grpc_slice_unref(c->status_details);
        }
        n++;
        if (c->kind == GS_METHOD_UNARY) {
            c->inflight_close = 1;
            ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
            ops[n].data.recv_close_on_server.cancelled = &c->cancelled;
            n++;
        }
    }

    grpc_call_error err = grpc_call_start_batch(c->call, ops, n, &c->send_tag, NULL);
    pthread_rwlock_unlock(&s->batch_lock);
    if (err == GRPC_CALL_OK) {
        c->initial_metadata_sent = 1;
        c->send_in_flight = 1;
        c->refs++;
    } else {
        // Nothing was sent; drop what this batch owned. The call ends through cancellation or RECV_CLOSE.
        if (c->inflight_buffer) grpc_byte_buffer_destroy(c->inflight_buffer);
        c->inflight_buffer = NULL;
        if (c->inflight_status) {
            grpc_slice_unref(c->inflight_message);
            if (c->inflight_has_trailer) grpc_slice_unref(c->inflight_trailer.value);
        }
        c->inflight_status = 0;
        c->inflight_close = 0;
        c->inflight_has_trailer = 0;
        grpc_call_cancel(c->call, NULL);
    }
}

static void call_on_send_done(gs_call *c) {
    pthread_mutex_lock(&c->mu);
    c->send_in_flight = 0;
    if (c->inflight_close) {
        c->inflight_close = 0;
        c->closed = 1;
    }
    if (c->inflight_buffer) grpc_byte_buffer_destroy(c->inflight_buffer);
    c->inflight_buffer = NULL;
    if (c->inflight_status) {
        grpc_slice_unref(c->inflight_message);
        if (c->inflight_has_trailer) grpc_slice_unref(c->inflight_trailer.value);
        c->inflight_status = 0;
        c->inflight_has_trailer = 0;
    }
    if (!c->closed) call_pump_locked(c);
    call_unref_locked_release(c);
}

static int call_enqueue_locked(gs_call *c, const uint8_t *bytes, size_t len) {
    gs_msg *m = calloc(1, sizeof *m);
    if (m == NULL) return -1;
    m->buffer = gs_make_byte_buffer(bytes, len);
    if (c->queue_tail) c->queue_tail->next = m;
    else c->queue_head = m;
    c->queue_tail = m;
    return 0;
}

static void call_set_status_locked(gs_call *c, int code, const char *message, const uint8_t *details,
                                   size_t details_len) {
    c->finished = 1;
    c->status_pending = 1;
    c->status_code = code;
    c->status_message = message ? grpc_slice_from_copied_buffer(message, strlen(message)) : grpc_empty_slice();
    c->has_details = details != NULL && details_len > 0;
    c->status_details = c->has_details ? grpc_slice_from_copied_buffer((const char *)details, details_len)
                                       : grpc_empty_slice();
}

int gs_call_respond(gs_call *c, const uint8_t *bytes, size_t len) {
    pthread_mutex_lock(&c->mu);
    int rc = -1;
    if (!c->finished && !c->closed && call_enqueue_locked(c, bytes, len) == 0) {
        call_set_status_locked(c, GRPC_STATUS_OK, NULL, NULL, 0);
        call_pump_locked(c);
        rc = 0;
    }
    c->finished = 1;
    call_unref_locked_release(c);
    return rc;
}

int gs_call_send(gs_call *c, const uint8_t *bytes, size_t len) {
    pthread_mutex_lock(&c->mu);
    int rc = -1;
    if (!c->finished && !c->closed && call_enqueue_locked(c, bytes, len) == 0) {
        call_pump_locked(c);
        rc = 0;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int gs_call_finish(gs_call *c, int code, const char *message, const uint8_t *details, size_t details_len) {
    pthread_mutex_lock(&c->mu);
    int rc = -1;
    if (!c->finished && !c->closed) {
        call_set_status_locked(c, code, message, details, details_len);
        call_pump_locked(c);
        rc = 0;
    }
    c->finished = 1;
    call_unref_locked_release(c);
    return rc;
}

// Starts a batch owned by the call (receive or close). Returns 1 if started (a reference was taken).
static int call_start_own_batch(gs_call *c, grpc_op *ops, size_t n, gs_tag *tag) {
    gs_server *s = c->server;
    pthread_rwlock_rdlock(&s->batch_lock);
    int ok = !s->dead && grpc_call_start_batch(c->call, ops, n, tag, NULL) == GRPC_CALL_OK;
    pthread_rwlock_unlock(&s->batch_lock);
    if (ok) {
        pthread_mutex_lock(&c->mu);
        c->refs++;
        pthread_mutex_unlock(&c->mu);
    }
    return ok;
}

static int call_arm_recv(gs_call *c) {
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &c->recv_buffer;
    return call_start_own_batch(c, &op, 1, &c->recv_tag);
}

static void emit(gs_server *s, gs_event_kind kind, gs_call *c, const uint8_t *payload, size_t len) {
    gs_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.call = c;
    if (c) {
        ev.call_id = c->id;
        ev.method = c->method;
        ev.method_len = c->method_len;
    }
    ev.payload = payload;
    ev.payload_len = len;
    s->on_event(s->context, &ev);
}

// Hands the application its reference and the event that opens the call.
static void call_deliver_open(gs_call *c, gs_event_kind kind, const uint8_t *payload, size_t len) {
    pthread_mutex_lock(&c->mu);
    c->refs++;
    pthread_mutex_unlock(&c->mu);
    emit(c->server, kind, c, payload, len);
}

// Handles a received message (or its absence) in c->recv_buffer; the caller keeps its reference.
static void call_on_recv_buffer(gs_call *c, int success) {
    grpc_byte_buffer *buffer = c->recv_buffer;
    c->recv_buffer = NULL;
    if (success && buffer != NULL) {
        uint8_t *bytes = NULL;
        size_t len = gs_read_byte_buffer(buffer, &bytes);
        grpc_byte_buffer_destroy(buffer);
        if (c->kind == GS_METHOD_BIDI) {
            emit(c->server, GS_EVENT_STREAM_MESSAGE, c, bytes, len);
            call_arm_recv(c);
        } else if (!c->got_request) {
            c->got_request = 1;
            call_deliver_open(c, c->kind == GS_METHOD_UNARY ? GS_EVENT_UNARY : GS_EVENT_STREAM_OPEN, bytes, len);
        }
        free(bytes);
    } else {
        if (buffer) grpc_byte_buffer_destroy(buffer);
        if (success && c->kind == GS_METHOD_BIDI) {
            emit(c->server, GS_EVENT_STREAM_HALF_CLOSE, c, NULL, 0);
        } else if (success && !c->got_request) {
            // The client half-closed without sending its request: answer here, the application never sees it.
            pthread_mutex_lock(&c->mu);
            if (!c->finished) {
                call_set_status_locked(c, GRPC_STATUS_INTERNAL, "request message missing", NULL, 0);
                call_pump_locked(c);
            }
            pthread_mutex_unlock(&c->mu);
        }
    }
}

static void call_on_recv(gs_call *c, int success) {
    call_on_recv_buffer(c, success);
    call_unref(c);
}

static void call_on_close(gs_call *c) {
    pthread_mutex_lock(&c->mu);
    c->closed = 1;
    int notify = c->cancelled && !c->finished && (c->got_request || c->kind == GS_METHOD_BIDI);
    pthread_mutex_unlock(&c->mu);
    if (notify) emit(c->server, GS_EVENT_CANCELLED, c, NULL, 0);
    call_unref(c);
}

// ---------------------------------------------------------------------------------------------------------------
// Request slots and unknown methods

static void slot_arm(gs_slot *slot) {
    gs_server *s = slot->server;
    slot->call = NULL;
    slot->payload = NULL;
    grpc_metadata_array_init(&slot->metadata);
    pthread_rwlock_rdlock(&s->batch_lock);
    if (s->dead) {
        // nothing armed
    } else if (slot->registered) {
        grpc_server_request_registered_call(s->server, slot->registered->registration, &slot->call, &slot->deadline,
                                            &slot->metadata, &slot->payload, s->cq, s->cq, &slot->tag);
    } else {
        grpc_call_details_init(&slot->details);
        grpc_server_request_call(s->server, &slot->call, &slot->details, &slot->metadata, s->cq, s->cq, &slot->tag);
    }
    pthread_rwlock_unlock(&s->batch_lock);
}

static const gs_method *find_method(gs_server *s, const char *path, size_t len) {
    for (size_t i = 0; i < s->method_count; i++) {
        if (strlen(s->methods[i].path) == len && memcmp(s->methods[i].path, path, len) == 0) return &s->methods[i];
    }
    return NULL;
}

static void reject_unimplemented(gs_server *s, grpc_call *call, const char *method) {
    gs_reject *r = calloc(1, sizeof *r);
    if (r == NULL) {
        grpc_call_cancel(call, NULL);
        grpc_call_unref(call);
        return;
    }
    r->tag.type = TAG_REJECT;
    r->tag.owner = r;
    r->call = call;
    char text[512];
    snprintf(text, sizeof text, "unknown method %s", method);
    r->message = grpc_slice_from_copied_buffer(text, strlen(text));
    grpc_op ops[3];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[1].data.send_status_from_server.status = GRPC_STATUS_UNIMPLEMENTED;
    ops[1].data.send_status_from_server.status_details = &r->message;
    ops[2].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[2].data.recv_close_on_server.cancelled = &r->cancelled;
    pthread_rwlock_rdlock(&s->batch_lock);
    grpc_call_error err = s->dead ? GRPC_CALL_ERROR : grpc_call_start_batch(call, ops, 3, &r->tag, NULL);
    pthread_rwlock_unlock(&s->batch_lock);
    if (err != GRPC_CALL_OK) {
        grpc_slice_unref(r->message);
        grpc_call_unref(call);
        free(r);
    }
}

static void on_new_call(gs_slot *slot, int success) {
    gs_server *s = slot->server;
    if (!success) {
        // Shutting down: the slot is not re-armed.
        if (slot->registered) {
            if (slot->payload) grpc_byte_buffer_destroy(slot->payload);
            slot->payload = NULL;
        } else {
            grpc_call_details_destroy(&slot->details);
        }
        grpc_metadata_array_destroy(&slot->metadata);
        return;
    }
    grpc_call *call = slot->call;
    grpc_byte_buffer *payload = slot->payload;
    const gs_method *m = slot->registered;
    size_t method_len = 0;
    char *method = NULL;
    if (m) {
        method_len = strlen(m->path);
        method = strdup(m->path);
    } else {
        method = gs_slice_to_cstring(slot->details.method, &method_len);
        grpc_call_details_destroy(&slot->details);
    }
    grpc_metadata_array_destroy(&slot->metadata);
    slot_arm(slot);  // keep the slot armed before doing anything with the new call

    if (m == NULL) m = method ? find_method(s, method, method_len) : NULL;
    if (m == NULL) {
        reject_unimplemented(s, call, method ? method : "?");
        free(method);
        return;
    }

    gs_call *c = calloc(1, sizeof *c);
    if (c == NULL || method == NULL) {
        free(c);
        free(method);
        if (payload) grpc_byte_buffer_destroy(payload);
        grpc_call_cancel(call, NULL);
        grpc_call_unref(call);
        return;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->server = s;
    c->call = call;
    c->kind = m->kind;
    c->method = method;
    c->method_len = method_len;
    c->recv_tag = (gs_tag){TAG_RECV, c};
    c->close_tag = (gs_tag){TAG_CLOSE, c};
    c->send_tag = (gs_tag){TAG_SEND, c};
    c->refs = 1;  // held by this function until the batches are started
    pthread_mutex_lock(&s->mu);
    c->id = ++s->next_call_id;
    pthread_mutex_unlock(&s->mu);

    if (c->kind != GS_METHOD_UNARY) {
        // Streaming calls learn of cancellation from a close batch held open from the start; a unary call's close
        // rides with its final batch.
        grpc_op close_op;
        memset(&close_op, 0, sizeof close_op);
        close_op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
        close_op.data.recv_close_on_server.cancelled = &c->cancelled;
        call_start_own_batch(c, &close_op, 1, &c->close_tag);
    }

    if (slot->registered) {
        // C core has read the request already (payload NULL: the client half-closed without one).
        c->recv_buffer = payload;
        call_on_recv_buffer(c, 1);
    } else {
        if (c->kind == GS_METHOD_BIDI) call_deliver_open(c, GS_EVENT_STREAM_OPEN, NULL, 0);
        call_arm_recv(c);
    }
    call_unref(c);
}

// ---------------------------------------------------------------------------------------------------------------
// Server lifecycle

gs_server *gs_server_create(const gs_server_config *config, char *err, size_t errlen) {
    if (config == NULL || config->address == NULL || config->on_event == NULL) {
        snprintf(err, errlen, "gs_server_create: address and on_event are required");
        return NULL;
    }
    gs_ensure_log_hook();
    grpc_init();
    gs_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        grpc_shutdown();
        return NULL;
    }
    s->on_event = config->on_event;
    s->context = config->context;
    s->sigterm_grace_ms = config->sigterm_grace_ms;
    s->slot_count = config->request_slots > 0 ? config->request_slots : 8;
    // A slot is re-armed as soon as its call arrives, so a few per method keep up with any number of callers (C core
    // queues calls that find no armed slot).
    s->slots_per_method = 4;
    pthread_mutex_init(&s->mu, NULL);
    pthread_rwlock_init(&s->batch_lock, NULL);
    s->shutdown_tag = (gs_tag){TAG_SHUTDOWN, s};

    grpc_arg args[1];
    memset(args, 0, sizeof args);
    grpc_channel_args channel_args = {0, args};
    if (config->max_receive_bytes > 0) {
        args[0].type = GRPC_ARG_INTEGER;
        args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
        args[0].value.integer = config->max_receive_bytes;
        channel_args.num_args = 1;
    }
    s->server = grpc_server_create(&channel_args, NULL);
    s->cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(s->server, s->cq, NULL);

    grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
    int port = grpc_server_add_http2_port(s->server, config->address, creds);
    grpc_server_credentials_release(creds);
    if (port == 0) {
        snprintf(err, errlen, "cannot listen on %s (see the gRPC log line above)", config->address);
        // C core requires a completed shutdown before destroy, even for a server that never started.
        grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
        grpc_completion_queue_pluck(s->cq, &s->shutdown_tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        grpc_server_destroy(s->server);
        grpc_completion_queue_shutdown(s->cq);
        while (grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN) {
        }
        grpc_completion_queue_destroy(s->cq);
        pthread_mutex_destroy(&s->mu);
        pthread_rwlock_destroy(&s->batch_lock);
        free(s);
        grpc_shutdown();
        return NULL;
    }
    return s;
}

int gs_server_set_method(gs_server *s, const char *method, gs_method_kind kind) {
    gs_method *grown = realloc(s->methods, (s->method_count + 1) * sizeof *grown);
    if (grown == NULL) return -1;
    s->methods = grown;
    s->methods[s->method_count].path = strdup(method);
    s->methods[s->method_count].kind = kind;
    s->methods[s->method_count].registration =
        kind == GS_METHOD_UNARY
            ? grpc_server_register_method(s->server, method, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0)
            : NULL;
    s->method_count++;
    return 0;
}

static void *server_loop(void *arg);

int gs_server_start(gs_server *s, char *err, size_t errlen) {
    grpc_server_start(s->server);
    size_t registered = 0;
    for (size_t i = 0; i < s->method_count; i++) registered += s->methods[i].registration != NULL;
    s->total_slots = s->slot_count + (int)registered * s->slots_per_method;
    s->slots = calloc((size_t)s->total_slots, sizeof *s->slots);
    if (s->slots == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int next = 0;
    for (int i = 0; i < s->slot_count; i++) s->slots[next++].registered = NULL;
    for (size_t i = 0; i < s->method_count; i++) {
        if (s->methods[i].registration == NULL) continue;
        for (int k = 0; k < s->slots_per_method; k++) s->slots[next++].registered = &s->methods[i];
    }
    for (int i = 0; i < s->total_slots; i++) {
        s->slots[i].tag = (gs_tag){TAG_SLOT, &s->slots[i]};
        s->slots[i].server = s;
        slot_arm(&s->slots[i]);
    }
    if (s->sigterm_grace_ms >= 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = gs_on_sigterm;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
    }
    // One thread: a second one taking completions from the same queue measured more CPU per call (wake-ups
    // between the two), not more throughput, on a 2-core machine.
    if (pthread_create(&s->thread, NULL, server_loop, s) != 0) {
        snprintf(err, errlen, "cannot start the completion-queue thread: %s", strerror(errno));
        return -1;
    }
    s->thread_started = 1;
    return 0;
}

void gs_server_shutdown(gs_server *s, int grace_ms) {
    pthread_mutex_lock(&s->mu);
    if (!s->shutdown_started) {
        s->shutdown_started = 1;
        s->cancel_at = gs_deadline_ms(grace_ms < 0 ? 0 : grace_ms);
        grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
    }
    pthread_mutex_unlock(&s->mu);
}

// SIGTERM and the end of the grace period are looked at after every event, not only when the queue has been quiet:
// calls arriving every few milliseconds would otherwise keep a terminated plugin serving (LifecycleTests).
static void act_on_stop_requests(gs_server *s) {
    if (gs_sigterm_seen && s->sigterm_grace_ms >= 0) gs_server_shutdown(s, s->sigterm_grace_ms);
    pthread_mutex_lock(&s->mu);
    int cancel = s->shutdown_started && !s->cancel_sent && gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), s->cancel_at) >= 0;
    if (cancel) s->cancel_sent = 1;
    pthread_mutex_unlock(&s->mu);
    if (cancel) grpc_server_cancel_all_calls(s->server);
}

static void *server_loop(void *arg) {
    gs_server *s = arg;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(s->cq, gs_deadline_ms(100), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
        if (s->server != NULL) act_on_stop_requests(s);
        if (ev.type == GRPC_QUEUE_TIMEOUT) continue;
        gs_tag *tag = ev.tag;
        switch (tag->type) {
        case TAG_SLOT:
            on_new_call(tag->owner, ev.success);
            break;
        case TAG_RECV:
            call_on_recv(tag->owner, ev.success);
            break;
        case TAG_CLOSE:
            call_on_close(tag->owner);
            break;
        case TAG_SEND:
            call_on_send_done(tag->owner);
            break;
        case TAG_REJECT: {
            gs_reject *r = tag->owner;
            grpc_slice_unref(r->message);
            grpc_call_unref(r->call);
            free(r);
            break;
        }
        case TAG_SHUTDOWN:
            // Delivered once. No call is in flight any more: refuse further batches, tell the application, then
            // drain.
            pthread_rwlock_wrlock(&s->batch_lock);
            s->dead = 1;
            pthread_rwlock_unlock(&s->batch_lock);
            emit(s, GS_EVENT_SERVER_STOPPED, NULL, NULL, 0);
            grpc_server_destroy(s->server);
            s->server = NULL;
            grpc_completion_queue_shutdown(s->cq);
            break;
        }
    }
    return NULL;
}

void gs_server_join(gs_server *s) {
    pthread_mutex_lock(&s->mu);
    int joinable = s->thread_started;
    s->thread_started = 0;
    pthread_mutex_unlock(&s->mu);
    if (!joinable) return;
    // Bounded: exiting must never wait on a queue that cannot drain (Velero would SIGKILL us after 2 s anyway).
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 1;
    if (pthread_timedjoin_np(s->thread, NULL, &deadline) != 0) pthread_detach(s->thread);
}

void gs_server_wait_and_destroy(gs_server *s) {
    gs_server_join(s);
    grpc_completion_queue_destroy(s->cq);
    for (size_t i = 0; i < s->method_count; i++) free(s->methods[i].path);
    free(s->methods);
    free(s->slots);
    pthread_mutex_destroy(&s->mu);
    pthread_rwlock_destroy(&s->batch_lock);
    free(s);
    grpc_shutdown();
}
