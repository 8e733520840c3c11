// `ingot pull | list | rm | show | catalog | plan`: the model store from the command line (src/store does the
// work; this file parses flags and prints).
#include "cli/store_commands.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "gguf/gguf.h"
#include "store/bytes.h"
#include "store/catalog.h"
#include "store/names.h"
#include "store/planner.h"
#include "store/progress.h"
#include "store/pull.h"
#include "store/store.h"
#include "store/system.h"

namespace ingot::cli {

namespace {


store::Store OpenStore() {
  auto home = store::Store::DefaultHome();
  if (!home.ok()) Fail(home.status());
  auto opened = store::Store::Open(*home);
  if (!opened.ok()) Fail(opened.status());
  return std::move(opened).value();
}

Result<store::Catalog> LoadCatalog(const store::Store& s) { return store::Catalog::Load(s.UserCatalogPath()); }

store::Catalog LoadCatalogOrFail(const store::Store& s) {
  auto catalog = LoadCatalog(s);
  if (!catalog.ok()) Fail(catalog.status());
  return std::move(catalog).value();
}

std::string Params(uint64_t n) { return n == 0 ? "-" : FormatCount(double(n)); }

struct PullArgs {
  std::string source;
  std::string sha256;
  std::string to;
  std::string name;
  bool offline = false;
};

// Bytes that crossed the network in one pull (resumed prefixes excluded).
struct Transferred {
  uint64_t finished_files = 0;
  uint64_t current_file = 0;
  uint64_t total() const { return finished_files + current_file; }
};

// Pulls with a progress bar (or plain lines) on stderr.
Result<store::PullResult> PullWithProgress(store::Store& s, const store::Catalog& catalog, const PullArgs& a,
                                           Transferred* transferred) {
  store::PullOptions options = store::PullOptionsFromEnvironment();
  options.offline = a.offline;
  auto printer = std::make_shared<store::ProgressPrinter>(stderr, store::IsTerminal(2));
  options.on_file = [printer, transferred](const std::string& file, int part, int count) {
    transferred->finished_files += transferred->current_file;
    transferred->current_file = 0;
    printer->StartFile(file, part, count);
  };
  options.on_message = [printer](const std::string& line) { printer->Note(line); };
  options.fetch.on_note = [printer](const std::string& line) { printer->Note(line); };
  options.fetch.on_progress = [printer, transferred](const store::FetchProgress& p) {
    transferred->current_file = p.done - p.resumed_from;
    printer->Update(p);
    return true;
  };
  store::PullRequest request{a.source, a.name, a.sha256, ""};
  if (!a.to.empty()) request.to_dir = std::filesystem::absolute(a.to).lexically_normal().string();
  return store::Pull(s, catalog, request, options);
}

void RunPull(const PullArgs& a) {
  store::Store s = OpenStore();
  const store::Catalog catalog = LoadCatalogOrFail(s);
  const auto start = std::chrono::steady_clock::now();
  Transferred transferred;
  auto result = PullWithProgress(s, catalog, a, &transferred);
  if (!result.ok()) Fail(result.status());
  const store::StoredModel& m = result->model;
  if (result->already_present) {
    std::printf("%s is already in the store: %s\n", m.name.c_str(), m.PrimaryPath().c_str());
    return;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("pulled %s: %zu file%s, %s; downloaded %s in %.1f s (%s/s, hash check included)\n", m.name.c_str(),
              m.files.size(), m.files.size() == 1 ? "" : "s", FormatBytes(double(m.TotalSize())).c_str(),
              FormatBytes(double(transferred.total())).c_str(), seconds,
              FormatBytes(seconds > 0 ? double(transferred.total()) / seconds : 0).c_str());
  for (const auto& f : m.files) std::printf("  %s  sha256 %s\n", f.name.c_str(), f.sha256.c_str());
  if (result->hash_recorded) {
    std::printf("no SHA-256 was published for it: the hash above is recorded and later pulls must match it\n");
  }
  std::printf("path: %s\n", m.PrimaryPath().c_str());
}

void RunList() {
  store::Store s = OpenStore();
  auto models = s.List();
  if (!models.ok()) Fail(models.status());
  if (models->empty()) {
    std::printf("no models in %s; see `ingot catalog list`, then `ingot pull NAME`\n", s.home().c_str());
    return;
  }
  std::printf("%-32s %10s %-8s %-10s %8s %8s  %s\n", "NAME", "SIZE", "QUANT", "ARCH", "PARAMS", "CONTEXT", "PATH");
  for (const auto& m : *models) {
    const bool missing = !store::FileExists(m.PrimaryPath());
    std::printf("%-32s %10s %-8s %-10s %8s %8lld  %s%s\n", m.name.c_str(), FormatBytes(double(m.TotalSize())).c_str(),
                m.summary.quantization.c_str(), m.summary.architecture.c_str(), Params(m.summary.parameters).c_str(),
                static_cast<long long>(m.summary.context), m.PrimaryPath().c_str(), missing ? "  (missing)" : "");
  }
}

void RunRemove(const std::string& name) {
  store::Store s = OpenStore();
  auto removed = s.Remove(name);
  if (!removed.ok()) Fail(removed.status());
  if (removed->external) {
    std::printf("forgot %s (its files stay in %s)\n", name.c_str(), removed->dir.c_str());
  } else {
    std::printf("removed %s (%s freed)\n", name.c_str(), FormatBytes(double(removed->TotalSize())).c_str());
  }
}

// Opens every part of a model; the first part first.
std::vector<std::unique_ptr<gguf::File>> OpenParts(const std::string& primary) {
  std::vector<std::string> paths{primary};
  const std::filesystem::path p(primary);
  if (auto split = store::ParseSplitName(p.filename().string()); split && split->index == 1) {
    paths.clear();
    for (const auto& part : store::SplitPartNames(*split)) paths.push_back((p.parent_path() / part).string());
  }
  std::vector<std::unique_ptr<gguf::File>> files;
  for (const auto& path : paths) {
    auto f = gguf::File::Open(path);
    if (!f.ok()) Fail(f.status());
    files.push_back(std::move(f).value());
  }
  return files;
}

struct PlanArgs {
  std::string model;
  int64_t ctx = 0;
  int32_t parallel = 1;
  std::string kv_type = "f16";
  std::string memory;
  int32_t ubatch = 512;
  bool swa_full = false;
};

void PrintPlan(const store::MemoryPlan& plan, const store::ModelShape& shape, bool memory_detected) {
  std::printf("context:   %lld tokens x %d sequence%s, KV cache %s\n", static_cast<long long>(plan.ctx),
              plan.parallel, plan.parallel == 1 ? "" : "s", std::string(DTypeName(plan.kv_type)).c_str());
  if (shape.ctx_train > 0 && plan.ctx > shape.ctx_train) {
    std::printf("           (beyond the training context of %lld tokens)\n", static_cast<long long>(shape.ctx_train));
  }
  std::printf("weights:   %s\n", FormatBytes(double(plan.weights)).c_str());
  std::printf("KV cache:  %s\n", FormatBytes(double(plan.kv_bytes)).c_str());
  for (const auto& g : plan.kv) {
    std::printf("  %-12s %3d layer%s x %7lld tokens  %10s/token  %s\n", g.kind.c_str(), g.n_layers,
                g.n_layers == 1 ? " " : "s", static_cast<long long>(g.tokens),
                FormatBytes(double(g.bytes_per_token)).c_str(), FormatBytes(double(g.bytes)).c_str());
  }
  std::printf("compute:   %s (estimate: activations, logits, scratch, runtime)\n",
              FormatBytes(double(plan.compute)).c_str());
  std::printf("total:     %s\n", FormatBytes(double(plan.total)).c_str());
  if (plan.memory == 0) return;
  std::printf("memory:    %s%s: %s (%.0f%% used)\n", FormatBytes(double(plan.memory)).c_str(),
              memory_detected ? " (detected)" : "", plan.fits ? "fits" : "DOES NOT FIT",
              100.0 * double(plan.total) / double(plan.memory));
  if (plan.max_ctx_fit > 0) {
    std::printf("largest context that fits: %lld tokens per sequence%s\n", static_cast<long long>(plan.max_ctx_fit),
                plan.max_ctx_fit == shape.ctx_train ? " (the training context)" : "");
  } else {
    std::printf("no context fits: the weights and buffers alone exceed the memory\n");
  }
}

void RunPlan(const PlanArgs& a) {
  auto path = ResolveModelArgument(a.model, false);
  if (!path.ok()) Fail(path.status());
  const auto files = OpenParts(*path);
  auto shape = store::ReadModelShape(*files.front());
  if (!shape.ok()) Fail(shape.status());
  store::PlanOptions o;
  o.ctx = a.ctx;
  o.parallel = a.parallel;
  o.ubatch = a.ubatch;
  o.swa_full = a.swa_full;
  o.kv_type = *DTypeFromName(a.kv_type);
  for (size_t i = 1; i < files.size(); ++i) {
    for (const auto& t : files[i]->tensors()) o.extra_weight_bytes += t.n_bytes;
  }
  bool detected = false;
  if (!a.memory.empty()) {
    auto bytes = store::ParseByteSize(a.memory);
    if (!bytes.ok()) Fail(bytes.status());
    o.memory = *bytes;
  } else if (auto mem = store::DetectMemoryBytes(); mem.ok()) {
    o.memory = *mem;
    detected = true;
  }
  auto plan = store::PlanMemory(*shape, o);
  if (!plan.ok()) Fail(plan.status());
  std::printf("model:     %s (%s, %d layers)\n", path->c_str(), shape->architecture.c_str(), shape->n_layer);
  PrintPlan(*plan, *shape, detected);
  if (Status fits = store::CheckFits(*plan); !fits.ok()) Fail(fits);
}

void RunShow(const std::string& name) {
  store::Store s = OpenStore();
  auto found = s.Find(name);
  if (!found.ok()) Fail(found.status());
  if (!found->has_value()) Fail(NotFound("'" + name + "' is not in the store (see `ingot list`)"));
  const store::StoredModel& m = **found;
  std::printf("name:          %s\n", m.name.c_str());
  std::printf("source:        %s\n", m.source.c_str());
  std::printf("directory:     %s%s\n", m.dir.c_str(), m.external ? " (registered in place)" : "");
  std::printf("architecture:  %s\n", m.summary.architecture.c_str());
  std::printf("quantization:  %s\n", m.summary.quantization.c_str());
  std::printf("parameters:    %s\n", Params(m.summary.parameters).c_str());
  std::printf("context:       %lld tokens (training)\n", static_cast<long long>(m.summary.context));
  std::printf("size:          %s\n", FormatBytes(double(m.TotalSize())).c_str());
  for (const auto& f : m.files) std::printf("file:          %s  sha256 %s\n", f.name.c_str(), f.sha256.c_str());
  const auto files = OpenParts(m.PrimaryPath());
  auto shape = store::ReadModelShape(*files.front());
  if (!shape.ok()) {
    std::printf("memory plan:   unavailable: %s\n", shape.status().message().c_str());
    return;
  }
  store::PlanOptions o;
  for (size_t i = 1; i < files.size(); ++i) {
    for (const auto& t : files[i]->tensors()) o.extra_weight_bytes += t.n_bytes;
  }
  auto plan = store::PlanMemory(*shape, o);
  if (plan.ok()) {
    std::printf("memory plan:   %s at %lld tokens (f16 KV); see `ingot plan %s` for other settings\n",
                FormatBytes(double(plan->total)).c_str(), static_cast<long long>(plan->ctx), m.name.c_str());
  }
}

void RunCatalogList(const std::string& tag) {
  store::Store s = OpenStore();
  const store::Catalog catalog = LoadCatalogOrFail(s);
  auto stored = s.List();
  std::printf("%-22s %-16s %-7s %10s %8s  %s\n", "NAME", "PARAMETERS", "QUANT", "SIZE", "CONTEXT", "TAGS");
  for (const store::CatalogEntry* e : catalog.WithTag(tag)) {
    std::string tags;
    for (const auto& t : e->tags) tags += (tags.empty() ? "" : ",") + t;
    bool pulled = false;
    if (stored.ok()) {
      for (const auto& m : *stored) pulled |= m.name == e->name;
    }
    std::printf("%-22s %-16s %-7s %10s %8lld  %s%s\n", e->name.c_str(), e->parameters.c_str(),
                e->quantization.c_str(), e->size ? FormatBytes(double(*e->size)).c_str() : "?",
                static_cast<long long>(e->context), tags.c_str(), pulled ? "  [pulled]" : "");
  }
}

void RunCatalogInfo(const std::string& name) {
  store::Store s = OpenStore();
  const store::Catalog catalog = LoadCatalogOrFail(s);
  const store::CatalogEntry* e = catalog.Find(name);
  if (e == nullptr) Fail(NotFound("'" + name + "' is not in the catalog (see `ingot catalog list`)"));
  auto source = store::ParseSource(e->url, store::PullOptionsFromEnvironment().mirror);
  std::printf("name:          %s\n", e->name.c_str());
  std::printf("title:         %s\n", e->title.c_str());
  if (!e->description.empty()) std::printf("description:   %s\n", e->description.c_str());
  std::printf("family:        %s\n", e->family.c_str());
  std::printf("parameters:    %s\n", e->parameters.c_str());
  std::printf("quantization:  %s\n", e->quantization.c_str());
  std::printf("context:       %lld tokens\n", static_cast<long long>(e->context));
  std::string tags;
  for (const auto& t : e->tags) tags += (tags.empty() ? "" : ", ") + t;
  std::printf("tags:          %s\n", tags.c_str());
  std::printf("source:        %s\n", e->url.c_str());
  if (source.ok()) std::printf("url:           %s\n", source->url.c_str());
  std::printf("size:          %s\n", e->size ? FormatBytes(double(*e->size)).c_str() : "unknown");
  if (auto mem = e->RecommendedMemory()) {
    std::printf("memory:        %s recommended\n", FormatBytes(double(*mem)).c_str());
  }
  std::string sha = e->sha256;
  if (sha.empty() && source.ok()) {
    auto plain = store::ParseSource(e->url, "");
    auto rec = plain.ok() ? s.RecordedHashFor(plain->url) : Result<std::optional<store::RecordedHash>>(std::nullopt);
    if (rec.ok() && rec->has_value()) sha = (*rec)->sha256 + " (recorded at first pull)";
  }
  std::printf("sha256:        %s\n", sha.empty() ? "not published (recorded at first pull)" : sha.c_str());
  if (!e->homepage.empty()) std::printf("homepage:      %s\n", e->homepage.c_str());
}

}  // namespace

Result<std::string> ResolveModelArgument(const std::string& model, bool pull_if_missing) {
  auto home = store::Store::DefaultHome();
  if (!home.ok()) return home.status();
  INGOT_ASSIGN_OR_RETURN(store::Store s, store::Store::Open(*home));
  auto path = s.ResolvePath(model);
  if (path.ok() || path.status().code() != Code::kNotFound) return path;
  INGOT_ASSIGN_OR_RETURN(store::Catalog catalog, LoadCatalog(s));
  auto source = store::ParseSource(model, "");
  const bool pullable = source.ok() && (source->kind == store::SourceKind::kHttp ||
                                        source->kind == store::SourceKind::kHuggingFace ||
                                        catalog.Find(model) != nullptr);
  if (!pullable) return path.status();
  if (!pull_if_missing) {
    return NotFound("'" + model + "' is not pulled yet: run `ingot pull " + model + "`");
  }
  PullArgs args;
  args.source = model;
  Transferred transferred;
  INGOT_ASSIGN_OR_RETURN(store::PullResult pulled, PullWithProgress(s, catalog, args, &transferred));
  return pulled.model.PrimaryPath();
}

void AddStoreCommands(CLI::App& app) {
  auto pull = std::make_shared<PullArgs>();
  CLI::App* p = app.add_subcommand("pull", "Download a model into the store (catalog name, URL, hf://, file path)");
  p->add_option("source", pull->source, "Catalog name, https:// URL, hf://ORG/REPO/FILE.gguf, file:// or path")
      ->required();
  p->add_option("--sha256", pull->sha256, "Expected SHA-256 of the file (overrides the catalog)");
  p->add_option("--to", pull->to, "Download into this directory instead of the store (still registered)");
  p->add_option("--name", pull->name, "Store name (default: the catalog name or one derived from the file name)");
  p->add_flag("--offline", pull->offline, "Never use the network")->envname("INGOT_OFFLINE");
  p->callback([pull] { RunPull(*pull); });

  app.add_subcommand("list", "List the models in the store")->callback([] { RunList(); });

  auto rm_name = std::make_shared<std::string>();
  CLI::App* rm = app.add_subcommand("rm", "Remove a model from the store (files registered in place are kept)");
  rm->add_option("name", *rm_name, "Store name")->required();
  rm->callback([rm_name] { RunRemove(*rm_name); });

  auto show_name = std::make_shared<std::string>();
  CLI::App* show = app.add_subcommand("show", "Show a stored model: source, files, hashes, shape, memory");
  show->add_option("name", *show_name, "Store name")->required();
  show->callback([show_name] { RunShow(*show_name); });

  CLI::App* catalog = app.add_subcommand("catalog", "The catalog of models `ingot pull NAME` knows");
  catalog->require_subcommand(1);
  auto tag = std::make_shared<std::string>();
  CLI::App* list = catalog->add_subcommand("list", "List catalog models");
  list->add_option("--tag", *tag, "Only models with this tag (small, code, reasoning, moe, ...)");
  list->callback([tag] { RunCatalogList(*tag); });
  auto info_name = std::make_shared<std::string>();
  CLI::App* info = catalog->add_subcommand("info", "Show one catalog model");
  info->add_option("name", *info_name, "Catalog name")->required();
  info->callback([info_name] { RunCatalogInfo(*info_name); });

  auto plan = std::make_shared<PlanArgs>();
  CLI::App* pl = app.add_subcommand("plan", "Will a model fit in memory at a context? Weights, KV cache, buffers");
  pl->add_option("model", plan->model, "Store name, GGUF path or catalog name (pulled)")->required();
  pl->add_option("--ctx", plan->ctx, "Context per sequence in tokens (0: training context, at most 8192)")
      ->check(CLI::NonNegativeNumber);
  pl->add_option("--parallel", plan->parallel, "Sequences served at once")->check(CLI::Range(1, 4096));
  pl->add_option("--kv-type", plan->kv_type, "KV cache type")->check(CLI::IsMember({"f32", "f16", "q8_0", "q4_0"}))
      ->capture_default_str();
  pl->add_option("--memory", plan->memory, "Memory budget, e.g. 16G (default: detected physical memory)");
  pl->add_option("--ubatch", plan->ubatch, "Tokens per prefill step")->check(CLI::Range(1, 65536))
      ->capture_default_str();
  pl->add_flag("--swa-full", plan->swa_full, "Sliding-window layers keep the whole context");
  pl->callback([plan] { RunPlan(*plan); });
}

}  // namespace ingot::cli
