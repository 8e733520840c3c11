// `ingot dev make-model`: write a random-weight model of a real shape (offline demo, tests, benchmarks), of any
// architecture our writers know, with weights of one tensor type or quantized with a llama.cpp mix (Q4_K_M, ...).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "convert/quantize.h"
#include "model/random_model.h"
#include "util/mapped_file.h"
#include "util/thread_pool.h"

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

std::string Join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

[[noreturn]] void UnknownShape(const MakeModelOptions& o, const std::vector<std::string>& names) {
  Fail(InvalidArgument("unknown shape '" + o.shape + "' for --arch " + o.arch + " (known: " + Join(names) + ")"));
}

// Writes the model with weights of `type` to `path`.
Status Write(const MakeModelOptions& o, DType type, const std::string& path) {
  const std::string name = "ingot-random-" + o.arch + "-" + o.shape;
  if (o.arch == "llama") {
    auto shape = model::NamedShape(o.shape);
    if (!shape) UnknownShape(o, model::ShapeNames());
    model::RandomModelOptions ro{.shape = *shape, .type = type, .vocab_path = o.vocab, .seed = o.seed, .name = name};
    return model::WriteRandomLlama(ro, path);
  }
  if (o.arch == "gemma4") {
    auto shape = model::NamedGemma4Shape(o.shape);
    if (!shape) UnknownShape(o, model::Gemma4ShapeNames());
    model::RandomGemma4Options ro{.shape = *shape, .type = type, .vocab_path = o.vocab, .seed = o.seed, .name = name};
    return model::WriteRandomGemma4(ro, path);
  }
  auto shape = model::NamedFamilyShape(o.arch, o.shape);
  if (!shape) {
    const auto names = model::FamilyShapeNames(o.arch);
    if (model::NamedFamilyShape(o.arch, "tiny")) UnknownShape(o, names);
    Fail(Unsupported("make-model writes --arch llama, mistral, mixtral, mistral3, qwen2, qwen3, qwen3moe, gemma2, "
                     "gemma3, gemma4 or phi3, not '" + o.arch + "'"));
  }
  model::RandomFamilyOptions ro{.shape = *shape, .type = type, .vocab_path = o.vocab, .seed = o.seed, .name = name};
  return model::WriteRandomFamily(ro, path);
}

void MakeModel(const MakeModelOptions& o) {
  if (auto type = DTypeFromName(o.type)) {
    if (auto st = Write(o, *type, o.out); !st.ok()) Fail(st);
  } else {
    // A mix: F16 weights first, then quantized tensor by tensor as `ingot quantize` does.
    auto mix = convert::ParseMix(o.type);
    if (!mix.ok()) Fail(InvalidArgument("unknown weight type '" + o.type + "' (a tensor type or one of " +
                                        convert::MixNames() + ")"));
    const std::string tmp = o.out + ".f16.tmp";
    if (auto st = Write(o, DType::kF16, tmp); !st.ok()) Fail(st);
    ThreadPool pool;
    convert::QuantizeOptions qo;
    qo.input = tmp;
    qo.output = o.out;
    qo.mix = *mix;
    auto summary = convert::QuantizeModel(qo, pool);
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    if (!summary.ok()) Fail(summary.status());
  }
  std::printf("wrote %s (random weights: it will print gibberish)\n", o.out.c_str());
}

}  // namespace

void AddDevCommand(CLI::App& app) {
  auto* dev = app.add_subcommand("dev", "Developer tools");
  dev->require_subcommand(1);
  auto o = std::make_shared<MakeModelOptions>();
  auto* cmd = dev->add_subcommand("make-model", "Write a random-weight GGUF model of a real shape");
  cmd->add_option("--arch", o->arch,
                  "Architecture: llama, mistral, mixtral, mistral3, qwen2, qwen3, qwen3moe, gemma2, gemma3, gemma4, "
                  "phi3")
      ->capture_default_str();
  cmd->add_option("--shape", o->shape,
                  "Shape: llama tiny|134m|1b; gemma4 tiny|dense|moe|e2b; qwen3 tiny|0.6b; gemma3 tiny|1b; "
                  "qwen3moe tiny|moe; others tiny")
      ->capture_default_str();
  cmd->add_option("--vocab", o->vocab, "GGUF file whose tokenizer to copy (default: a built-in byte vocabulary)");
  cmd->add_option("--type", o->type,
                  "Weights: a tensor type (f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, ...) or a quantization mix "
                  "(Q4_K_M, Q5_K_M, Q6_K, ...)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", o->out, "Output path")->required();
  cmd->callback([o] { MakeModel(*o); });
  auto files = std::make_shared<std::vector<std::string>>();
  auto* drop = dev->add_subcommand("drop-cache",
                                   "Drop model files from the page cache, so that the next load reads them back "
                                   "in 2 MiB pages (for files written by other tools; see `ingot bench`)");
  drop->add_option("files", *files, "GGUF files")->required()->check(CLI::ExistingFile);
  drop->callback([files] {
    for (const std::string& f : *files) {
      if (Status st = DropFromPageCache(f); !st.ok()) Fail(st);
      std::printf("dropped %s from the page cache\n", f.c_str());
    }
  });
}

}  // namespace ingot::cli
