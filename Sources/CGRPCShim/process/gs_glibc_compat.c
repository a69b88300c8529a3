// glibc compatibility for the static shipping build (plugin-image/static-link.sh; why, in Sources/CGRPCShim/README.md).
// The link uses --wrap=<symbol> for each function below, so references that would need a glibc newer than 2.34 land
// here instead. In the development build nothing references the __wrap_ names and they are unused.
#define _GNU_SOURCE
#include "gs_shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

// hypot/hypotf got new symbol versions in glibc 2.35 (errno handling); the 2.2.5 versions compute the same values.
double gs_hypot_compat(double, double);
float gs_hypotf_compat(float, float);
__asm__(".symver gs_hypot_compat,hypot@GLIBC_2.2.5");
__asm__(".symver gs_hypotf_compat,hypotf@GLIBC_2.2.5");

double __wrap_hypot(double x, double y) { return gs_hypot_compat(x, y); }
float __wrap_hypotf(float x, float y) { return gs_hypotf_compat(x, y); }

// arc4random (glibc 2.36), used by libstdc++'s std::random_device: the kernel's CSPRNG. getrandom is retried on
// EINTR only; if it fails otherwise (ENOSYS under an old seccomp profile, EPERM) /dev/urandom is read, and if that
// fails too the process stops with a log line: a loop that retried forever would hang the plugin, and a constant
// would be a silent weakness.
int gs_random_fill(void *buffer, size_t length, gs_getrandom_fn source) {
    uint8_t *bytes = buffer;
    size_t filled = 0;
    while (filled < length) {
        ssize_t n = source(bytes + filled, length - filled, 0);
        if (n > 0) {
            filled += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
    if (filled == length) return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (filled < length) {
        ssize_t n = read(fd, bytes + filled, length - filled);
        if (n > 0) {
            filled += (size_t)n;
        } else if (!(n < 0 && errno == EINTR)) {
            break;
        }
    }
    close(fd);
    return filled == length ? 0 : -1;
}

static ssize_t gs_system_getrandom(void *buffer, size_t length, unsigned int flags) {
    return getrandom(buffer, length, flags);
}

uint32_t __wrap_arc4random(void) {
    uint32_t value = 0;
    if (gs_random_fill(&value, sizeof value, gs_system_getrandom) != 0) {
        static const char line[] =
            "{\"level\":\"error\",\"msg\":\"no random bytes: getrandom and /dev/urandom both failed; the plugin stops\"}\n";
        ssize_t ignored = write(2, line, sizeof line - 1);
        (void)ignored;
        abort();
    }
    return value;
}

// _dl_find_object (glibc 2.35), used by libgcc_eh's unwinder to find the .eh_frame_hdr of the object containing a
// code address. Rebuilt on dl_iterate_phdr (glibc 2.2.4); a stub reporting "not found" would break C++ unwinding.
#ifdef DLFO_EH_SEGMENT_TYPE
struct gs_find_request {
    uintptr_t pc;
    struct dl_find_object *result;
    int found;
};

static int gs_find_callback(struct dl_phdr_info *info, size_t size, void *data) {
    struct gs_find_request *request = data;
    uintptr_t start = UINTPTR_MAX, end = 0;
    int contains = 0;
    const void *eh_frame = NULL;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        uintptr_t hi = lo + ph->p_memsz;
        if (ph->p_type == PT_LOAD) {
            if (lo < start) start = lo;
            if (hi > end) end = hi;
            if (request->pc >= lo && request->pc < hi) contains = 1;
        } else if (ph->p_type == DLFO_EH_SEGMENT_TYPE) {
            eh_frame = (const void *)lo;
        }
    }
    if (!contains) return 0;
    memset(request->result, 0, sizeof *request->result);
    request->result->dlfo_map_start = (void *)start;
    request->result->dlfo_map_end = (void *)end;
    request->result->dlfo_eh_frame = (void *)eh_frame;
    request->found = 1;
    return 1;
}

int __wrap__dl_find_object(void *pc, struct dl_find_object *result) {
    struct gs_find_request request = {(uintptr_t)pc, result, 0};
    dl_iterate_phdr(gs_find_callback, &request);
    return request.found ? 0 : -1;
}
#endif
