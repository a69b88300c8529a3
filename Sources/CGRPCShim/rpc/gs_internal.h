// Internal helpers shared by gs_server.c and gs_client.c. Not part of the public API.
#pragma once

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Every completion-queue tag points at one of these, embedded in the object the operation belongs to.
typedef struct {
    int type;
    void *owner;
} gs_tag;

// Copies a received message into one malloc'd buffer (decompressing if needed). *out is NULL for an empty
// message; returns the length.
static inline size_t gs_read_byte_buffer(grpc_byte_buffer *buffer, uint8_t **out) {
    *out = NULL;
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, buffer)) return 0;
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    size_t len = GRPC_SLICE_LENGTH(all);
    if (len > 0) {
        *out = malloc(len);
        if (*out != NULL) memcpy(*out, GRPC_SLICE_START_PTR(all), len);
        else len = 0;
    }
    grpc_slice_unref(all);
    return len;
}

// A byte buffer holding a copy of bytes (an empty slice for len 0).
static inline grpc_byte_buffer *gs_make_byte_buffer(const uint8_t *bytes, size_t len) {
    grpc_slice slice = len > 0 ? grpc_slice_from_copied_buffer((const char *)bytes, len) : grpc_empty_slice();
    grpc_byte_buffer *buffer = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    return buffer;
}

// A NUL-terminated malloc'd copy of a slice.
static inline char *gs_slice_to_cstring(grpc_slice slice, size_t *len_out) {
    size_t len = GRPC_SLICE_LENGTH(slice);
    char *s = malloc(len + 1);
    if (s == NULL) return NULL;
    if (len > 0) memcpy(s, GRPC_SLICE_START_PTR(slice), len);
    s[len] = '\0';
    if (len_out) *len_out = len;
    return s;
}

static inline gpr_timespec gs_deadline_ms(int ms) {
    return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

// grpc_init/grpc_shutdown bookkeeping is reference counted by C core itself.
#include "process/gs_log_hook.h"
