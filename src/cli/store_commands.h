// The model store commands: pull, list, rm, show, catalog (list, info) and plan. The executable links
// ingot_store for them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "util/status.h"

namespace ingot::cli {

void AddStoreCommands(CLI::App& app);

// What a command's MODEL argument names, as a GGUF path: a stored model, a file path, or a catalog name (pulled
// on first use when `pull_if_missing`, else an error telling how to pull it). Progress goes to stderr.
Result<std::string> ResolveModelArgument(const std::string& model, bool pull_if_missing);

}  // namespace ingot::cli
