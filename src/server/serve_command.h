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

void AddServeCommand(CLI::App& app, ModelResolver resolve_model);

}  // namespace ingot::server
