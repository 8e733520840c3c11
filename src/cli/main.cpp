// ingot: one binary for serving, running, inspecting and benchmarking local LLMs.
#include <cstdio>

#include "cli/bench_serve.h"
#include "cli/commands.h"
#include "cli/gateway_command.h"
#include "cli/quantize_command.h"
#include "cli/store_commands.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "server/serve_command.h"

namespace {

void AddVersionCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the version, the CPU kernels in use and supported architectures");
  cmd->callback([] {
    std::printf("ingot %s\n", INGOT_VERSION);
    std::printf("kernels: %s\n", std::string(ingot::kernels::IsaName(ingot::kernels::ActiveIsa())).c_str());
    std::string archs;
    for (const auto& a : ingot::model::SupportedArchitectures()) archs += (archs.empty() ? "" : ", ") + a;
    std::printf("architectures: %s\n", archs.c_str());
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ingot: self-hosted LLM inference (engine, OpenAI-compatible server, tools)", "ingot"};
  app.require_subcommand(1);
  app.set_version_flag("--version", INGOT_VERSION);
  AddVersionCommand(app);
  ingot::server::AddServeCommand(
      app, [](const std::string& model) { return ingot::cli::ResolveModelArgument(model, /*pull_if_missing=*/true); },
      ingot::cli::ServeLocalModels);
  ingot::cli::AddRunCommand(app);
  ingot::cli::AddInspectCommand(app);
  CLI::App* bench = ingot::cli::AddBenchCommand(app);
  ingot::cli::AddBenchServeCommand(bench);
  ingot::cli::AddBenchGatewayCommand(bench);
  ingot::cli::AddStoreCommands(app);
  ingot::cli::AddTemplateCommand(app);
  ingot::cli::AddQuantizeCommand(app);
  ingot::cli::AddGatewayCommand(app);
  ingot::cli::AddDevCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ingot::cli::CommandError& e) {
    std::fprintf(stderr, "ingot: %s\n", e.message.c_str());
    return 1;
  }
  return 0;
}
