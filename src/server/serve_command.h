// Registers `ingot serve MODEL.gguf [...]`: the OpenAI-compatible server. Settings come from flags, INGOT_*
// environment variables or a --config file; each is declared once with its help text.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "util/status.h"

namespace ingot::server {

// Turns the MODEL argument (a path, a store name, a catalog name) into a GGUF path; supplied by the binary so
// that the server does not depend on the command-line layer.
using ModelResolver = std::function<Result<std::string>(const std::string&)>;

// Serves a YAML --config naming several local models on one node (the gateway's format); supplied by the binary,
// which runs the gateway for it. `host` empty and `port` < 0 when not given as flags.
using MultiModelServer = std::function<void(const std::string& config_path, const std::string& host, int port)>;

void AddServeCommand(CLI::App& app, ModelResolver resolve_model, MultiModelServer serve_many = {});

}  // namespace ingot::server
