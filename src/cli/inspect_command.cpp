// `ingot inspect MODEL`: what a GGUF file holds and what running it costs (weights + KV cache at --ctx).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/store_commands.h"
#include "engine/kv/kv_pools.h"
#include "engine/summary.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace ingot::cli {

namespace {

struct InspectOptions {
  std::string model;
  int32_t ctx = 0;
  std::string kv_type = "f16";
  bool tensors = false;
  bool metadata = false;
};

void Inspect(const InspectOptions& o) {
  auto path = ResolveModelArgument(o.model, false);
  if (!path.ok()) Fail(path.status());
  auto opened = gguf::File::Open(*path);
  if (!opened.ok()) Fail(opened.status());
  std::shared_ptr<const gguf::File> file(std::move(opened).value());
  auto arch = file->GetString("general.architecture");
  std::printf("file:          %s (GGUF v%u, %s)\n", path->c_str(), file->version(),
              FormatBytes(double(file->file_size())).c_str());
  std::printf("architecture:  %s\n", arch.ok() && arch->has_value() ? (*arch)->c_str() : "(none)");

  ThreadPool pool(1);
  auto model = model::LoadModel(file, pool);
  uint64_t n_params = 0;
  for (const auto& t : file->tensors()) n_params += t.n_elements;
  if (model.ok()) {
    const model::ModelInfo& info = (*model)->info();
    std::printf("name:          %s\n", info.name.c_str());
    std::printf("parameters:    %s", FormatCount(double(info.n_params)).c_str());
    if (info.n_params_active != info.n_params) std::printf(" (%s active)", FormatCount(double(info.n_params_active)).c_str());
    std::printf("\nlayers:        %d, embedding %d, vocabulary %d\n", info.n_layer, info.n_embd, info.n_vocab);
    std::printf("context:       %d tokens (training)\n", info.n_ctx_train);
  } else {
    std::printf("parameters:    %s\n", FormatCount(double(n_params)).c_str());
    std::printf("runnable:      no: %s\n", model.status().message().c_str());
  }
  std::printf("quantization:  %s; mix:", engine::DominantType(*file).c_str());
  for (const auto& [type, bytes] : engine::WeightBytesByType(*file)) {
    std::printf(" %s %s", type.c_str(), FormatBytes(double(bytes)).c_str());
  }
  std::printf("\n");
  auto tk = tok::Tokenizer::FromGguf(*file);
  if (tk.ok()) {
    std::printf("tokenizer:     %s (pre: %s), %d tokens, bos %d, eos %d\n", std::string((*tk)->model()).c_str(),
                std::string((*tk)->pre()).c_str(), (*tk)->n_vocab(), (*tk)->bos(), (*tk)->eos());
  } else {
    std::printf("tokenizer:     unavailable: %s\n", tk.status().message().c_str());
  }
  auto tmpl = file->GetString("tokenizer.chat_template");
  const bool has_template = tmpl.ok() && tmpl->has_value();
  std::printf("chat template: %s\n", has_template ? ("yes (" + std::to_string((*tmpl)->size()) + " bytes)").c_str()
                                                  : "no (ChatML fallback)");
  if (model.ok()) {
    const model::ModelInfo& info = (*model)->info();
    const int32_t ctx = o.ctx > 0 ? o.ctx : std::min(info.n_ctx_train > 0 ? info.n_ctx_train : 4096, 8192);
    // One sequence, as `ingot run` and `ingot serve --parallel 1` reserve it.
    const DType kv_type = *DTypeFromName(o.kv_type);
    if (!info.kv.Supports(kv_type)) {
      std::printf("KV cache:      %s needs head sizes that are multiples of 32\n", o.kv_type.c_str());
    } else {
      const engine::KvPools pools = engine::PlanKvPools(info.kv, kv_type, ctx, 1, 512);
      const double kv = double(pools.bytes);
      std::printf("memory:        weights %s + KV cache %s (%s, %d tokens) = %s\n",
                  FormatBytes(double(info.weight_bytes)).c_str(), FormatBytes(kv).c_str(), o.kv_type.c_str(), ctx,
                  FormatBytes(double(info.weight_bytes) + kv).c_str());
      if (const int32_t window = info.kv.MaxWindow(); window > 0) {
        const double all = double(info.kv.BytesPerToken(kv_type)) * ctx;
        std::printf("KV cache:      full-attention layers %s/token; sliding-window layers (window %d) %s/token for "
                    "the last %d tokens only (all layers at full context: %s)\n",
                    FormatBytes(double(info.kv.BytesPerToken(kv_type, false))).c_str(), window,
                    FormatBytes(double(info.kv.BytesPerToken(kv_type, true))).c_str(),
                    pools.n_swa_blocks * pools.block_size, FormatBytes(all).c_str());
      }
    }
  }
  if (o.metadata) {
    std::printf("\nmetadata (%zu keys):\n", file->metadata().size());
    for (const auto& [key, value] : file->metadata()) {
      if (key == "tokenizer.chat_template") {
        std::printf("  %-44s (%zu bytes of text)\n", key.c_str(), value.s.size());
      } else {
        std::printf("  %-44s %s\n", key.c_str(), value.ToString().c_str());
      }
    }
  }
  if (o.tensors) {
    std::printf("\ntensors (%zu):\n", file->tensors().size());
    for (const auto& t : file->tensors()) {
      std::string dims;
      for (size_t i = 0; i < t.dims.size(); ++i) dims += (i ? " x " : "") + std::to_string(t.dims[i]);
      std::printf("  %-40s %-6s %-22s %s\n", t.name.c_str(), std::string(DTypeName(t.type)).c_str(), dims.c_str(),
                  FormatBytes(double(t.n_bytes)).c_str());
    }
  }
}

}  // namespace

void AddInspectCommand(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand("inspect", "Show what a GGUF model holds and the memory it needs");
  cmd->add_option("model", o->model, "GGUF model: a path or a stored model")->required();
  cmd->add_option("--ctx", o->ctx, "Context length for the KV cache estimate (0: model's, capped at 8192)");
  cmd->add_option("--kv-type", o->kv_type, "KV cache type for the memory estimate")
      ->check(CLI::IsMember({"f16", "f32", "q8_0"}));
  cmd->add_flag("--tensors", o->tensors, "List every tensor");
  cmd->add_flag("--metadata", o->metadata, "List every metadata key");
  cmd->callback([o] { Inspect(*o); });
}

}  // namespace ingot::cli
