// `ingot dev make-model`: write a random-weight model of a real shape (offline demo, tests, benchmarks).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "model/random_model.h"

namespace ingot::cli {

namespace {

struct MakeModelOptions {
  std::string arch = "llama";
  std::string shape = "tiny";
  std::string vocab;
  std::string out;
  std::string type = "f32";
  uint64_t seed = 1;
};

void MakeModel(const MakeModelOptions& o) {
  if (o.arch != "llama") Fail(Unsupported("make-model writes --arch llama only"));
  auto shape = model::NamedShape(o.shape);
  if (!shape) {
    std::string names;
    for (const auto& n : model::ShapeNames()) names += (names.empty() ? "" : ", ") + n;
    Fail(InvalidArgument("unknown shape '" + o.shape + "' (known: " + names + ")"));
  }
  auto type = DTypeFromName(o.type);
  if (!type) Fail(InvalidArgument("unknown tensor type '" + o.type + "'"));
  model::RandomModelOptions ro;
  ro.shape = *shape;
  ro.type = *type;
  ro.vocab_path = o.vocab;
  ro.seed = o.seed;
  ro.name = "ingot-random-" + o.shape;
  if (auto st = model::WriteRandomLlama(ro, o.out); !st.ok()) Fail(st);
  std::printf("wrote %s (random weights: it will print gibberish)\n", o.out.c_str());
}

}  // namespace

void AddDevCommand(CLI::App& app) {
  auto* dev = app.add_subcommand("dev", "Developer tools");
  dev->require_subcommand(1);
  auto o = std::make_shared<MakeModelOptions>();
  auto* cmd = dev->add_subcommand("make-model", "Write a random-weight GGUF model of a real shape");
  cmd->add_option("--arch", o->arch, "Architecture")->capture_default_str();
  cmd->add_option("--shape", o->shape, "Shape: tiny, 134m, 1b")->capture_default_str();
  cmd->add_option("--vocab", o->vocab, "GGUF file whose tokenizer to copy (default: a built-in byte vocabulary)");
  cmd->add_option("--type", o->type, "Weight type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, ...")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", o->out, "Output path")->required();
  cmd->callback([o] { MakeModel(*o); });
}

}  // namespace ingot::cli
