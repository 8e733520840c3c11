// BatchEngine: the scheduling loop (admission, batch building, preemption, sampling, streaming, retirement).
#include "engine/batch_engine.h"

#include <algorithm>
#include <cmath>
#include <future>

#include "engine/kv/kv_pools.h"
#include "util/log.h"

namespace ingot::engine {

namespace {
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

int32_t BlocksFor(int32_t n_tokens, int32_t block_size) { return (n_tokens + block_size - 1) / block_size; }
}  // namespace

struct BatchEngine::EmbedJob {
  std::vector<int32_t> tokens;
  std::promise<Result<std::vector<float>>> result;
};

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kError: return "error";
  }
  return "error";
}

BatchEngine::BatchEngine(const EngineOptions& options, EngineParts parts, ModelSummary summary)
    : options_(options), parts_(std::move(parts)), summary_(std::move(summary)) {
  const model::ModelInfo& info = parts_.model->info();
  const DType kv_type = KvCacheType(options_.kv_type).value();  // validated by LoadEngine
  const KvPools pools = PlanKvPools(info.kv, kv_type, options_.n_ctx, options_.n_parallel, options_.n_batch);
  kv_ = std::make_unique<model::KvStore>(info.kv, kv_type, pools.n_blocks, pools.block_size, pools.n_swa_blocks);
  blocks_ = std::make_unique<BlockManager>(pools.n_blocks, pools.block_size);
  window_ = info.kv.MaxWindow();
  if (window_ > 0) swa_blocks_ = std::make_unique<BlockManager>(pools.n_swa_blocks, pools.block_size);
  n_seq_max_ctx_ = options_.n_seq_max_ctx;
  summary_.kv_bytes = kv_->bytes();
  summary_.n_ctx = n_seq_max_ctx_;
  stats_.kv_blocks_total = pools.n_blocks;
  stats_.kv_block_tokens = pools.block_size;
  thread_ = std::thread([this] { Loop(); });
}

BatchEngine::~BatchEngine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<uint64_t> BatchEngine::Submit(GenerateRequest request, OnToken on_token, OnFinish on_finish) {
  const int32_t n_vocab = parts_.model->info().n_vocab;
  if (request.prompt.empty()) return InvalidArgument("the prompt is empty");
  for (int32_t t : request.prompt) {
    if (t < 0 || t >= n_vocab) {
      return InvalidArgument("prompt token id " + std::to_string(t) + " is outside the vocabulary (0.." +
                             std::to_string(n_vocab - 1) + ")");
    }
  }
  const int32_t n_prompt = int32_t(request.prompt.size());
  if (n_prompt >= n_seq_max_ctx_ || BlocksFor(n_prompt + 1, blocks_->block_size()) > blocks_->n_blocks()) {
    return ResourceExhausted("the prompt has " + std::to_string(n_prompt) + " tokens but the context holds " +
                             std::to_string(n_seq_max_ctx_) + " tokens per request (prompt plus at least one generated" +
                             " token); shorten the prompt or start the server with a larger --ctx-size");
  }
  auto sampler = sample::Sampler::Create(request.sampling, n_vocab);
  if (!sampler.ok()) return sampler.status();

  auto seq = std::make_unique<Sequence>();
  seq->sampler.emplace(std::move(sampler).value());
  seq->decoder = std::make_unique<tok::StreamDecoder>(*parts_.tokenizer);
  seq->stop = std::make_unique<sample::StopMatcher>(request.stop);
  seq->tokens = request.prompt;
  seq->n_prompt = n_prompt;
  seq->request = std::move(request);
  seq->on_token = std::move(on_token);
  seq->on_finish = std::move(on_finish);
  seq->t_submit = Clock::now();

  std::lock_guard<std::mutex> lock(mu_);
  if (stats_.requests_waiting + int32_t(inbox_.size()) >= options_.max_queue) {
    return Unavailable("the request queue is full (" + std::to_string(options_.max_queue) +
                       " waiting); retry later");
  }
  seq->id = next_id_++;
  const uint64_t id = seq->id;
  inbox_.push_back(std::move(seq));
  cv_.notify_all();
  return id;
}

void BatchEngine::Cancel(uint64_t request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  cancel_ids_.insert(request_id);
  cv_.notify_all();
}

Result<std::vector<float>> BatchEngine::Embed(const std::vector<int32_t>& tokens) {
  if (tokens.empty()) return InvalidArgument("the input is empty");
  const int32_t n_vocab = parts_.model->info().n_vocab;
  for (int32_t t : tokens) {
    if (t < 0 || t >= n_vocab) return InvalidArgument("token id " + std::to_string(t) + " is outside the vocabulary");
  }
  if (int32_t(tokens.size()) > n_seq_max_ctx_) {
    return ResourceExhausted("the input has " + std::to_string(tokens.size()) + " tokens but the context holds " +
                             std::to_string(n_seq_max_ctx_));
  }
  EmbedJob job;
  job.tokens = tokens;
  auto future = job.result.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    embed_jobs_.push_back(&job);
  }
  cv_.notify_all();
  return future.get();
}

EngineStats BatchEngine::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void BatchEngine::Loop() {
  for (;;) {
    std::vector<EmbedJob*> embeds;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return stop_ || !inbox_.empty() || !cancel_ids_.empty() || !embed_jobs_.empty() || !running_.empty() ||
               !waiting_.empty();
      });
      if (stop_) break;
      while (!inbox_.empty()) {
        waiting_.push_back(std::move(inbox_.front()));
        inbox_.pop_front();
      }
      for (uint64_t id : cancel_ids_) {
        for (auto& s : waiting_) if (s->id == id) s->cancel = true;
        for (auto& s : running_) if (s->id == id) s->cancel = true;
      }
      cancel_ids_.clear();
      embeds.assign(embed_jobs_.begin(), embed_jobs_.end());
      embed_jobs_.clear();
    }
    for (EmbedJob* job : embeds) job->result.set_value(RunEmbedding(job->tokens));

    const auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      Sequence& s = **it;
      if (s.cancel || (s.request.deadline && now > *s.request.deadline)) {
        Finish(s, FinishReason::kCancelled);
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& s : running_) {
      if (s->cancel || (s->request.deadline && now > *s->request.deadline)) Finish(*s, FinishReason::kCancelled);
    }
    RetireFinished();
    Admit();
    if (running_.empty() && !waiting_.empty()) {
      // Nothing could be admitted although nothing runs: every block is free, so only a request larger than
      // the whole cache could be stuck, and Submit rejects those. Fail it rather than spin.
      Finish(*waiting_.front(), FinishReason::kError, Internal("request does not fit in an empty KV cache"));
      waiting_.pop_front();
    }
    if (!running_.empty()) Step();
    RetireFinished();
    PublishStats();
  }
  for (auto& s : running_) Finish(*s, FinishReason::kCancelled, Cancelled("the server is shutting down"));
  for (auto& s : waiting_) Finish(*s, FinishReason::kCancelled, Cancelled("the server is shutting down"));
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& s : inbox_) Finish(*s, FinishReason::kCancelled, Cancelled("the server is shutting down"));
  for (EmbedJob* job : embed_jobs_) job->result.set_value(Unavailable("the server is shutting down"));
}

void BatchEngine::PublishStats() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.requests_running = int32_t(running_.size());
  stats_.requests_waiting = int32_t(waiting_.size());
  stats_.kv_blocks_used = blocks_->used();
}

void BatchEngine::Admit() {
  const int32_t bs = blocks_->block_size();
  while (int32_t(running_.size()) < options_.n_parallel && !waiting_.empty()) {
    Sequence& s = *waiting_.front();
    const int32_t n = int32_t(s.tokens.size());
    std::vector<int32_t> table;
    uint64_t hash = 0;
    std::vector<int32_t> swa_table;
    int32_t reused = blocks_->AcquirePrefix(s.tokens, (n - 1) / bs, &table, &hash);
    if (swa_blocks_) reused = AcquireWindow(s.tokens, reused, &table, &hash, &swa_table);
    const int32_t need = BlocksFor(n, bs) - reused;
    // Keep one spare block per running sequence so that admitting a prompt does not force a preemption on the
    // very next decode step.
    if (blocks_->available() < need + int32_t(running_.size())) {
      for (int32_t b : table) blocks_->Release(b);
      for (int32_t b : swa_table) if (b >= 0) swa_blocks_->Release(b);
      break;
    }
    for (int32_t i = 0; i < need; ++i) table.push_back(*blocks_->Allocate());
    s.blocks = std::move(table);
    s.swa_blocks = std::move(swa_table);
    s.swa_released = 0;
    s.n_past = reused * bs;
    s.n_registered = reused;
    s.chain_hash = hash;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.prefix_cache_queries_tokens += uint64_t(n);
      stats_.prefix_cache_hits_tokens += uint64_t(s.n_past);
    }
    if (!s.admitted_once) {
      s.admitted_once = true;
      s.n_cached = s.n_past;
      s.t_admit = Clock::now();
    }
    running_.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
}

bool BatchEngine::EnsureBlock(Sequence& seq, int32_t pos) {
  const int32_t needed = pos / blocks_->block_size() + 1;
  while (int32_t(seq.blocks.size()) < needed) {
    auto b = blocks_->Allocate();
    if (!b) return false;
    seq.blocks.push_back(*b);
  }
  while (swa_blocks_ && int32_t(seq.swa_blocks.size()) < needed) {
    auto b = swa_blocks_->Allocate();
    if (!b) return false;
    seq.swa_blocks.push_back(*b);
  }
  return true;
}

// Prefix reuse with sliding layers: a reused prefix of k blocks is only usable if the sliding pool still caches
// the blocks the next query's window covers (FirstWindowBlock(k·bs) .. k-1); otherwise k shrinks until it is
// (k = 0 at worst: everything is recomputed). Returns the blocks kept; `table` and `chain_hash` are cut to them.
int32_t BatchEngine::AcquireWindow(const std::vector<int32_t>& tokens, int32_t reused, std::vector<int32_t>* table,
                                   uint64_t* chain_hash, std::vector<int32_t>* swa_table) {
  const int32_t bs = blocks_->block_size();
  std::vector<uint64_t> hashes;
  uint64_t h = 0;
  for (int32_t i = 0; i < reused; ++i) hashes.push_back(h = blocks_->Hash(h, tokens.data() + size_t(i) * size_t(bs)));
  auto cached = [&](int32_t i) {
    return swa_blocks_->Find(hashes[size_t(i)], tokens.data() + size_t(i) * size_t(bs));
  };
  int32_t k = reused;
  for (; k > 0; --k) {
    int32_t i = FirstWindowBlock(k * bs, window_, bs);
    while (i < k && cached(i)) ++i;
    if (i == k) break;
  }
  for (int32_t i = k; i < reused; ++i) blocks_->Release((*table)[size_t(i)]);
  table->resize(size_t(k));
  *chain_hash = k > 0 ? hashes[size_t(k - 1)] : 0;
  swa_table->assign(size_t(k), -1);
  for (int32_t i = FirstWindowBlock(k * bs, window_, bs); i < k; ++i) {
    const int32_t b = *cached(i);
    swa_blocks_->Acquire(b);
    (*swa_table)[size_t(i)] = b;
  }
  return k;
}

void BatchEngine::TrimWindow(Sequence& seq) {
  if (!swa_blocks_) return;
  const int32_t first = std::min(FirstWindowBlock(seq.n_past, window_, blocks_->block_size()),
                                 int32_t(seq.swa_blocks.size()));
  for (; seq.swa_released < first; ++seq.swa_released) {
    int32_t& b = seq.swa_blocks[size_t(seq.swa_released)];
    if (b >= 0) swa_blocks_->Release(b);
    b = -1;
  }
}

void BatchEngine::ReleaseBlocks(Sequence& seq) {
  for (int32_t b : seq.blocks) blocks_->Release(b);
  seq.blocks.clear();
  for (int32_t b : seq.swa_blocks) if (b >= 0) swa_blocks_->Release(b);
  seq.swa_blocks.clear();
  seq.swa_released = 0;
  seq.n_past = 0;
  seq.n_registered = 0;
  seq.chain_hash = 0;
}

void BatchEngine::Preempt(size_t index) {
  std::unique_ptr<Sequence> s = std::move(running_[index]);
  running_.erase(running_.begin() + long(index));
  RegisterFullBlocks(*s);
  ReleaseBlocks(*s);
  waiting_.push_front(std::move(s));
  std::lock_guard<std::mutex> lock(mu_);
  stats_.preemptions_total++;
}

void BatchEngine::RegisterFullBlocks(Sequence& seq) {
  const int32_t bs = blocks_->block_size();
  while (seq.n_registered < seq.n_past / bs) {
    const int32_t i = seq.n_registered;
    const int32_t* tokens = seq.tokens.data() + size_t(i) * size_t(bs);
    const uint64_t parent = seq.chain_hash;
    seq.chain_hash = blocks_->Register(parent, tokens, seq.blocks[size_t(i)]);
    // The sliding block of the same positions, while still held, under the same chain hash (see AcquireWindow).
    if (i < int32_t(seq.swa_blocks.size()) && seq.swa_blocks[size_t(i)] >= 0) {
      swa_blocks_->Register(parent, tokens, seq.swa_blocks[size_t(i)]);
    }
    seq.n_registered++;
  }
}

bool BatchEngine::Step() {
  // Plan: every decoding sequence contributes its one pending token; prefilling sequences share what is left of
  // the token budget, oldest first (chunked prefill interleaved with decode).
  std::vector<int32_t> counts(running_.size(), 0);
  int32_t budget = std::max(options_.n_batch, int32_t(running_.size()));
  for (size_t i = 0; i < running_.size(); ++i) {
    if (int32_t(running_[i]->tokens.size()) - running_[i]->n_past == 1) {
      counts[i] = 1;
      --budget;
    }
  }
  for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
    const int32_t pending = int32_t(running_[i]->tokens.size()) - running_[i]->n_past;
    if (pending > 1) {
      counts[i] = std::min(pending, budget);
      budget -= counts[i];
    }
  }
  // Reserve blocks oldest first; when the pool runs dry, preempt the youngest sequence.
  for (size_t i = 0; i < running_.size(); ++i) {
    Sequence& s = *running_[i];
    while (counts[i] > 0 && !EnsureBlock(s, s.n_past + counts[i] - 1)) {
      const size_t victim = running_.size() - 1;
      Preempt(victim);
      counts.pop_back();
      if (victim == i) break;
    }
  }
  if (running_.empty()) return false;

  batch_.tokens.clear();
  batch_.block_tables.clear();
  batch_.swa_block_tables.clear();
  int32_t n_prefill = 0;
  int32_t n_decode = 0;
  for (size_t i = 0; i < running_.size(); ++i) {
    Sequence& s = *running_[i];
    batch_.block_tables.push_back(s.blocks.data());
    if (swa_blocks_) batch_.swa_block_tables.push_back(s.swa_blocks.data());
    const bool ends = s.n_past + counts[i] == int32_t(s.tokens.size());
    for (int32_t j = 0; j < counts[i]; ++j) {
      const int32_t pos = s.n_past + j;
      batch_.tokens.push_back({s.tokens[size_t(pos)], pos, int32_t(i), ends && j == counts[i] - 1});
    }
    (counts[i] == 1 && ends ? n_decode : n_prefill) += counts[i];
  }
  if (batch_.tokens.empty()) return false;

  const auto t0 = Clock::now();
  Status st = parts_.model->Forward(batch_, *kv_, logits_);
  const auto t1 = Clock::now();
  if (!st.ok()) {
    LogError("forward pass failed: " + st.ToString());
    for (auto& s : running_) Finish(*s, FinishReason::kError, st);
    return false;
  }
  const double dt = Seconds(t0, t1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const double total = double(n_prefill + n_decode);
    stats_.prompt_tokens_total += uint64_t(n_prefill);
    stats_.prompt_seconds_total_us += uint64_t(1e6 * dt * double(n_prefill) / total);
    stats_.decode_seconds_total_us += uint64_t(1e6 * dt * double(n_decode) / total);
    stats_.steps_total++;
    stats_.busy_slots_sum += running_.size();
  }

  const int32_t n_vocab = parts_.model->info().n_vocab;
  size_t row = 0;
  for (size_t i = 0; i < running_.size(); ++i) {
    Sequence& s = *running_[i];
    s.n_past += counts[i];
    RegisterFullBlocks(s);
    TrimWindow(s);
    if (counts[i] > 0 && s.n_past == int32_t(s.tokens.size())) {
      HandleSample(s, logits_.data() + row * size_t(n_vocab));
      ++row;
    }
  }
  return true;
}

void BatchEngine::HandleSample(Sequence& s, float* logits) {
  if (s.finished) return;
  const int32_t token = s.sampler->Sample(logits, s.tokens, &s.sample_result);
  s.tokens.push_back(token);
  s.n_generated++;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.generated_tokens_total++;
  }
  if (!s.t_first_token) s.t_first_token = Clock::now();
  if (!s.request.ignore_eos && parts_.tokenizer->IsEog(token)) {
    Finish(s, FinishReason::kStop);
    return;
  }
  TokenEvent ev;
  ev.token = token;
  const auto out = s.stop->Feed(s.decoder->Push(token));
  ev.text = out.text;
  ev.logprob = s.sample_result.logprob;
  for (const auto& tp : s.sample_result.top) ev.top.push_back({tp.token, tp.logprob});
  if (!s.on_token(ev)) {
    Finish(s, FinishReason::kCancelled);
    return;
  }
  if (out.stopped) {
    Finish(s, FinishReason::kStop);
  } else if ((s.request.max_tokens >= 0 && s.n_generated >= s.request.max_tokens) ||
             int32_t(s.tokens.size()) >= n_seq_max_ctx_) {
    Finish(s, FinishReason::kLength);
  }
}

void BatchEngine::Finish(Sequence& s, FinishReason reason, Status status) {
  if (s.finished) return;
  s.finished = true;
  FinishEvent ev;
  ev.reason = status.ok() ? reason : (status.code() == Code::kCancelled ? FinishReason::kCancelled : FinishReason::kError);
  ev.status = std::move(status);
  if (reason == FinishReason::kStop || reason == FinishReason::kLength) {
    if (!s.stop->stopped()) ev.text = s.stop->Feed(s.decoder->Flush()).text + s.stop->Flush();
  }
  ev.prompt_tokens = s.n_prompt;
  ev.cached_tokens = s.n_cached;
  ev.completion_tokens = s.n_generated;
  const auto now = Clock::now();
  if (s.admitted_once) {
    ev.queue_seconds = Seconds(s.t_submit, s.t_admit);
    ev.prefill_seconds = Seconds(s.t_admit, s.t_first_token.value_or(now));
    ev.decode_seconds = s.t_first_token ? Seconds(*s.t_first_token, now) : 0.0;
  } else {
    ev.queue_seconds = Seconds(s.t_submit, now);
  }
  s.on_finish(ev);
}

void BatchEngine::RetireFinished() {
  for (size_t i = 0; i < running_.size();) {
    if (running_[i]->finished) {
      RegisterFullBlocks(*running_[i]);
      ReleaseBlocks(*running_[i]);
      running_.erase(running_.begin() + long(i));
    } else {
      ++i;
    }
  }
}

Result<std::vector<float>> BatchEngine::RunEmbedding(const std::vector<int32_t>& tokens) {
  // One sequence, in chunks of n_batch tokens (so that its sliding blocks can be released as it goes); the
  // hidden states of the pooled tokens are summed into out.
  const int32_t n = int32_t(tokens.size());
  const bool last = options_.pooling == "last";
  if (blocks_->available() < BlocksFor(n, blocks_->block_size())) {
    return Unavailable("the KV cache is busy; retry the embedding request later");
  }
  Sequence seq;
  const size_t E = size_t(parts_.model->info().n_embd);
  std::vector<float> out(E, 0.0f);
  std::vector<float> hidden;
  Status st;
  for (int32_t start = 0; start < n && st.ok(); start += options_.n_batch) {
    const int32_t end = std::min(n, start + options_.n_batch);
    if (!EnsureBlock(seq, end - 1)) {
      st = Unavailable("the KV cache is busy; retry the embedding request later");
      break;
    }
    model::Batch batch;
    batch.block_tables = {seq.blocks.data()};
    if (swa_blocks_) batch.swa_block_tables = {seq.swa_blocks.data()};
    for (int32_t i = start; i < end; ++i) batch.tokens.push_back({tokens[size_t(i)], i, 0, !last || i == n - 1});
    st = parts_.model->ForwardHidden(batch, *kv_, hidden);
    for (size_t r = 0; st.ok() && r * E < hidden.size(); ++r) {
      for (size_t e = 0; e < E; ++e) out[e] += hidden[r * E + e];
    }
    seq.n_past = end;
    TrimWindow(seq);
  }
  ReleaseBlocks(seq);
  INGOT_RETURN_IF_ERROR(st);
  double norm = 0.0;
  for (float& v : out) norm += double(v) * double(v);
  const float inv = norm > 0.0 ? float(1.0 / std::sqrt(norm)) : 0.0f;
  for (float& v : out) v *= inv;
  return out;
}

}  // namespace ingot::engine
