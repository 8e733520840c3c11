// The `ingot` subcommands. Each Add*Command registers its options with CLI11 and a callback that runs it; a
// command that fails prints one clear line to stderr and exits non-zero (via CommandError).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "util/format.h"
#include "util/status.h"

namespace ingot::cli {

void AddRunCommand(CLI::App& app);
void AddInspectCommand(CLI::App& app);
// Returns the `bench` command so that subcommands (bench serve) can be added to it.
CLI::App* AddBenchCommand(CLI::App& app);
void AddDevCommand(CLI::App& app);
void AddTemplateCommand(CLI::App& app);

// Thrown by command callbacks to end the program with "ingot: <message>" and exit code 1.
struct CommandError {
  std::string message;
};
[[noreturn]] void Fail(const Status& status);

}  // namespace ingot::cli
