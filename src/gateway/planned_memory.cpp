// FillPlannedMemory: gguf::File::Open + store::PlanMemory per local model.
#include "gateway/planned_memory.h"

#include "gguf/gguf.h"
#include "quant/dtype.h"
#include "store/planner.h"
#include "util/log.h"

namespace ingot::gateway {

void FillPlannedMemory(GatewayConfig& config) {
  for (auto& [name, model] : config.models) {
    if (!model.local || model.memory_bytes != 0) continue;
    auto file = gguf::File::Open(model.local->path);
    store::PlanOptions options;
    options.ctx = model.local->ctx;
    options.parallel = model.local->parallel;
    options.shared_ctx = true;  // as the engine reserves it: one budget for all sequences, windows per sequence
    if (!model.local->kv_type.empty()) {
      if (std::optional<DType> kv = DTypeFromName(model.local->kv_type)) options.kv_type = *kv;
    }
    Result<store::MemoryPlan> plan =
        file.ok() ? store::PlanMemory(**file, options) : Result<store::MemoryPlan>(file.status());
    if (!plan.ok()) {
      LogWarn("gateway: cannot plan the memory of '" + name + "': " + plan.status().ToString());
      continue;
    }
    model.memory_bytes = plan->total;
  }
}

}  // namespace ingot::gateway
