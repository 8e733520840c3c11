// `ingot bench serve`: the HTTP load generator (bench/runner.h) as a subcommand of `ingot bench`.
#pragma once

#include <CLI/CLI.hpp>

namespace ingot::cli {

// Adds the `serve` subcommand to `bench`, the existing `ingot bench` command.
void AddBenchServeCommand(CLI::App* bench);

}  // namespace ingot::cli
