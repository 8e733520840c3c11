// The MoE lines of `ingot bench`: expert weight bytes actually read per token (Model::expert_traffic, measured
// over the run) against all experts and against a dense model of the same size.
#pragma once

#include <string>

#include "model/model.h"

namespace ingot::model {

// Empty for a dense model (or one that has not run); otherwise one or two lines, each ending in a newline.
std::string ExpertTrafficSummary(const Model& model);

}  // namespace ingot::model
