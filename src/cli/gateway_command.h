// Registers `ingot gateway --config gateway.yaml`: one OpenAI-compatible endpoint in front of many models and
// hosts (see src/gateway). SIGHUP or a change of the file reloads it; an invalid file keeps the old config.
// Also `ingot bench gateway`: the latency the gateway adds over direct calls, its throughput and memory.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ingot::cli {

void AddGatewayCommand(CLI::App& app);
// `ingot serve --config node.yaml`: several local models on one node, served by the gateway (in-process).
void ServeLocalModels(const std::string& config_path, const std::string& host, int port);
// Adds the `gateway` subcommand to `bench`, the existing `ingot bench` command.
void AddBenchGatewayCommand(CLI::App* bench);

}  // namespace ingot::cli
