// Registers `ingot gateway --config gateway.yaml`: one OpenAI-compatible endpoint in front of many models and
// hosts (see src/gateway). SIGHUP or a change of the file reloads it; an invalid file keeps the old config.
#pragma once

#include <CLI/CLI.hpp>

namespace ingot::cli {

void AddGatewayCommand(CLI::App& app);

}  // namespace ingot::cli
