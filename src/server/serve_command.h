// Registers `ingot serve MODEL.gguf [...]`: the OpenAI-compatible server. Settings come from flags, INGOT_*
// environment variables or a --config file; each is declared once with its help text.
#pragma once

#include <CLI/CLI.hpp>

namespace ingot::server {

void AddServeCommand(CLI::App& app);

}  // namespace ingot::server
