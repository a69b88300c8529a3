// gRPC core's log lines go through the plugin's log function (gs_set_log_fn in gs_shim.h), never to stderr as
// plain text. The gRPC loops call this before they start gRPC core; it installs the hook once per process.
#pragma once

void gs_ensure_log_hook(void);
