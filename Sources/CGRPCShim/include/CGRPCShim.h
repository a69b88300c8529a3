// Umbrella header of the C shim: the shim's own API and the protobuf-c messages of the Velero/go-plugin protos.
#pragma once
#include "gs_shim.h"
#include "gs_messages.h"
