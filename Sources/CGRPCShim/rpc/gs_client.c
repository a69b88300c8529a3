// A small gRPC client over the C core completion queue, used by the plugin host and the tests to talk to a plugin
// the way Velero's go-plugin client does (see include/gs_shim.h).
#include "gs_internal.h"
#include "gs_shim.h"

#include <grpc/grpc_security.h>
#include <pthread.h>
#include <stdio.h>

enum { TAG_UNARY = 1, TAG_STREAM_START, TAG_STREAM_RECV, TAG_STREAM_STATUS, TAG_CHANNEL_WAKE };

struct gs_channel {
    grpc_channel *channel;
    grpc_completion_queue *cq;
    pthread_t thread;
};

// Result fields received with RECV_STATUS_ON_CLIENT, shared by unary calls and streams.
typedef struct {
    grpc_metadata_array initial;
    grpc_metadata_array trailing;
    grpc_status_code status;
    grpc_slice details;
} gs_status_parts;

static void status_parts_init(gs_status_parts *p) {
    grpc_metadata_array_init(&p->initial);
    grpc_metadata_array_init(&p->trailing);
    p->status = GRPC_STATUS_UNKNOWN;
    p->details = grpc_empty_slice();
}

static void status_parts_destroy(gs_status_parts *p) {
    grpc_metadata_array_destroy(&p->initial);
    grpc_metadata_array_destroy(&p->trailing);
    grpc_slice_unref(p->details);
}

// Fills status, message and details of `result` from `p`; *message_out must be freed by the caller.
static void status_parts_to_result(gs_status_parts *p, gs_client_result *result, char **message_out) {
    result->status = p->status;
    *message_out = gs_slice_to_cstring(p->details, NULL);
    result->message = *message_out ? *message_out : "";
    for (size_t i = 0; i < p->trailing.count; i++) {
        grpc_slice key = p->trailing.metadata[i].key;
        const char *want = "grpc-status-details-bin";
        if (GRPC_SLICE_LENGTH(key) == strlen(want) && memcmp(GRPC_SLICE_START_PTR(key), want, strlen(want)) == 0) {
            result->details = GRPC_SLICE_START_PTR(p->trailing.metadata[i].value);
            result->details_len = GRPC_SLICE_LENGTH(p->trailing.metadata[i].value);
        }
    }
}

static grpc_call *create_call(gs_channel *ch, const char *method) {
    grpc_slice method_slice = grpc_slice_from_copied_buffer(method, strlen(method));
    grpc_slice host = grpc_slice_from_static_string("unused");
    grpc_call *call = grpc_channel_create_call(ch->channel, NULL, GRPC_PROPAGATE_DEFAULTS, ch->cq, method_slice,
                                               &host, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_slice_unref(method_slice);
    return call;
}

// ---------------------------------------------------------------------------------------------------------------
// Unary

typedef struct {
    gs_tag tag;
    grpc_call *call;
    grpc_byte_buffer *request;
    grpc_byte_buffer *response;
    gs_status_parts parts;
    gs_unary_done_fn done;
    void *ctx;
} gs_unary;

int gs_channel_unary(gs_channel *ch, const char *method, const uint8_t *request, size_t len, gs_unary_done_fn done,
                     void *ctx) {
    gs_unary *u = calloc(1, sizeof *u);
    if (u == NULL) return -1;
    u->tag = (gs_tag){TAG_UNARY, u};
    u->call = create_call(ch, method);
    u->request = gs_make_byte_buffer(request, len);
    u->done = done;
    u->ctx = ctx;
    status_parts_init(&u->parts);

    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = u->request;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &u->parts.initial;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &u->response;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &u->parts.trailing;
    ops[5].data.recv_status_on_client.status = &u->parts.status;
    ops[5].data.recv_status_on_client.status_details = &u->parts.details;
    if (grpc_call_start_batch(u->call, ops, 6, &u->tag, NULL) != GRPC_CALL_OK) {
        grpc_byte_buffer_destroy(u->request);
        status_parts_destroy(&u->parts);
        grpc_call_unref(u->call);
        free(u);
        return -1;
    }
    return 0;
}

static void unary_done(gs_unary *u) {
    gs_client_result result;
    memset(&result, 0, sizeof result);
    char *message = NULL;
    status_parts_to_result(&u->parts, &result, &message);
    uint8_t *payload = NULL;
    if (u->response) {
        result.payload_len = gs_read_byte_buffer(u->response, &payload);
        result.payload = payload;
        result.has_payload = 1;
    }
    u->done(u->ctx, &result);
    free(payload);
    free(message);
    if (u->response) grpc_byte_buffer_destroy(u->response);
    grpc_byte_buffer_destroy(u->request);
    status_parts_destroy(&u->parts);
    grpc_call_unref(u->call);
    free(u);
}

// ---------------------------------------------------------------------------------------------------------------
// Streams

struct gs_client_stream {
    pthread_mutex_t mu;
    int refs;
    grpc_call *call;
    gs_tag start_tag, recv_tag, status_tag;
    grpc_byte_buffer *request;
    grpc_byte_buffer *received;
    gs_status_parts parts;
    gs_stream_event_fn on_event;
    void *ctx;
};

static void stream_unref(gs_client_stream *s) {
    pthread_mutex_lock(&s->mu);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (!last) return;
    if (s->request) grpc_byte_buffer_destroy(s->request);
    if (s->received) grpc_byte_buffer_destroy(s->received);
    status_parts_destroy(&s->parts);
    grpc_call_unref(s->call);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static int stream_batch(gs_client_stream *s, grpc_op *ops, size_t n, gs_tag *tag) {
    pthread_mutex_lock(&s->mu);
    s->refs++;
    pthread_mutex_unlock(&s->mu);
    if (grpc_call_start_batch(s->call, ops, n, tag, NULL) == GRPC_CALL_OK) return 1;
    stream_unref(s);
    return 0;
}

static void stream_arm_recv(gs_client_stream *s) {
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_RECV_MESSAGE;
    op.data.recv_message.recv_message = &s->received;
    stream_batch(s, &op, 1, &s->recv_tag);
}

gs_client_stream *gs_channel_open_stream(gs_channel *ch, const char *method, const uint8_t *request, size_t len,
                                         int has_request, gs_stream_event_fn on_event, void *ctx) {
    gs_client_stream *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->refs = 1;  // the caller's handle
    s->call = create_call(ch, method);
    s->start_tag = (gs_tag){TAG_STREAM_START, s};
    s->recv_tag = (gs_tag){TAG_STREAM_RECV, s};
    s->status_tag = (gs_tag){TAG_STREAM_STATUS, s};
    s->on_event = on_event;
    s->ctx = ctx;
    status_parts_init(&s->parts);

    grpc_op status_op;
    memset(&status_op, 0, sizeof status_op);
    status_op.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    status_op.data.recv_status_on_client.trailing_metadata = &s->parts.trailing;
    status_op.data.recv_status_on_client.status = &s->parts.status;
    status_op.data.recv_status_on_client.status_details = &s->parts.details;
    if (!stream_batch(s, &status_op, 1, &s->status_tag)) {
        stream_unref(s);
        return NULL;
    }

    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
    if (has_request) {
        s->request = gs_make_byte_buffer(request, len);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = s->request;
        ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    }
    ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[n++].data.recv_initial_metadata.recv_initial_metadata = &s->parts.initial;
    stream_batch(s, ops, n, &s->start_tag);
    stream_arm_recv(s);
    return s;
}

void gs_client_stream_cancel(gs_client_stream *s) { grpc_call_cancel(s->call, NULL); }

void gs_client_stream_release(gs_client_stream *s) { stream_unref(s); }

static void stream_on_recv(gs_client_stream *s, int success) {
    grpc_byte_buffer *buffer = s->received;
    s->received = NULL;
    if (success && buffer) {
        uint8_t *bytes = NULL;
        gs_client_result result;
        memset(&result, 0, sizeof result);
        result.payload_len = gs_read_byte_buffer(buffer, &bytes);
        result.payload = bytes;
        result.has_payload = 1;
        result.message = "";
        s->on_event(s->ctx, 1, &result);
        free(bytes);
        stream_arm_recv(s);
    }
    if (buffer) grpc_byte_buffer_destroy(buffer);
    stream_unref(s);
}

static void stream_on_status(gs_client_stream *s) {
    gs_client_result result;
    memset(&result, 0, sizeof result);
    char *message = NULL;
    status_parts_to_result(&s->parts, &result, &message);
    s->on_event(s->ctx, 2, &result);
    free(message);
    stream_unref(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Channel

static void *channel_loop(void *arg) {
    gs_channel *ch = arg;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(ch->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
        if (ev.type != GRPC_OP_COMPLETE) continue;
        gs_tag *tag = ev.tag;
        switch (tag->type) {
        case TAG_UNARY:
            unary_done(tag->owner);
            break;
        case TAG_STREAM_START:
            stream_unref(tag->owner);
            break;
        case TAG_STREAM_RECV:
            stream_on_recv(tag->owner, ev.success);
            break;
        case TAG_STREAM_STATUS:
            stream_on_status(tag->owner);
            break;
        }
    }
    return NULL;
}

gs_channel *gs_channel_create(const char *target, char *err, size_t errlen) {
    gs_ensure_log_hook();
    grpc_init();
    gs_channel *ch = calloc(1, sizeof *ch);
    if (ch == NULL) {
        snprintf(err, errlen, "out of memory");
        grpc_shutdown();
        return NULL;
    }
    // Like Velero's client: no limit on what the plugin may send back.
    grpc_arg args[1];
    memset(args, 0, sizeof args);
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = -1;
    grpc_channel_args channel_args = {1, args};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    ch->channel = grpc_channel_create(target, creds, &channel_args);
    grpc_channel_credentials_release(creds);
    ch->cq = grpc_completion_queue_create_for_next(NULL);
    if (pthread_create(&ch->thread, NULL, channel_loop, ch) != 0) {
        snprintf(err, errlen, "cannot start the client completion-queue thread");
        grpc_channel_destroy(ch->channel);
        grpc_completion_queue_shutdown(ch->cq);
        grpc_completion_queue_destroy(ch->cq);
        free(ch);
        grpc_shutdown();
        return NULL;
    }
    return ch;
}

void gs_channel_destroy(gs_channel *ch) {
    grpc_channel_destroy(ch->channel);
    grpc_completion_queue_shutdown(ch->cq);
    pthread_join(ch->thread, NULL);
    grpc_completion_queue_destroy(ch->cq);
    free(ch);
    grpc_shutdown();
}
