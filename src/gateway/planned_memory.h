// Resident size of local models from the store's memory planner (weights + KV cache + compute buffers at the
// model's ctx and parallel), used by the router's eviction when a model's `memory` is not set in the config.
#pragma once

#include "gateway/config.h"

namespace ingot::gateway {

// Fills memory_bytes of every local model that has none. A file that cannot be planned keeps 0 and is logged
// (its load fails later with the real error).
void FillPlannedMemory(GatewayConfig& config);

}  // namespace ingot::gateway
