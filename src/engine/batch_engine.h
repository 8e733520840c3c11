// BatchEngine: the Engine implementation. One engine thread runs the scheduling loop: admit waiting requests
// when KV blocks allow, build a batch of every running sequence's next token plus prefill chunks (up to n_batch
// tokens), run one forward pass, sample, stream, retire. Blocks run short → the youngest sequence is preempted
// (its KV freed, its tokens kept) and resumed later, recomputing what the prefix cache no longer holds.
// Sliding-window layers have their own block pool: after each step a sequence releases the sliding blocks that
// have left its window, so it holds at most window + one step's tokens (+ one block) there.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "engine/engine.h"
#include "engine/kv/block_manager.h"
#include "engine/load.h"
#include "engine/sequence.h"
#include "model/model.h"

namespace ingot::engine {

struct EngineParts {
  std::shared_ptr<const gguf::File> file;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tok::Tokenizer> tokenizer;
};

class BatchEngine final : public Engine {
 public:
  BatchEngine(const EngineOptions& options, EngineParts parts, ModelSummary summary);
  ~BatchEngine() override;

  Result<uint64_t> Submit(GenerateRequest request, OnToken on_token, OnFinish on_finish) override;
  void Cancel(uint64_t request_id) override;
  Result<std::vector<float>> Embed(const std::vector<int32_t>& tokens) override;
  EngineStats GetStats() const override;
  const ModelSummary& summary() const override { return summary_; }
  const tok::Tokenizer& tokenizer() const override { return *parts_.tokenizer; }

 private:
  void Loop();
  void PublishStats();
  void Admit();
  bool Step();
  bool EnsureBlock(Sequence& seq, int32_t pos);
  int32_t AcquireWindow(const std::vector<int32_t>& tokens, int32_t reused, std::vector<int32_t>* table,
                        uint64_t* chain_hash, std::vector<int32_t>* swa_table);
  void TrimWindow(Sequence& seq);
  void Preempt(size_t index);
  void ReleaseBlocks(Sequence& seq);
  void RegisterFullBlocks(Sequence& seq);
  void HandleSample(Sequence& seq, float* logits);
  void Finish(Sequence& seq, FinishReason reason, Status status = Status::Ok());
  void RetireFinished();
  Result<std::vector<float>> RunEmbedding(const std::vector<int32_t>& tokens);

  EngineOptions options_;
  EngineParts parts_;
  ModelSummary summary_;
  std::unique_ptr<model::KvStore> kv_;
  std::unique_ptr<BlockManager> blocks_;      // full-attention pool: the context budget
  std::unique_ptr<BlockManager> swa_blocks_;  // sliding-window pool; null when no layer slides
  int32_t window_ = 0;                        // largest sliding window
  int32_t n_seq_max_ctx_ = 0;

  // Shared with submitters, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Sequence>> inbox_;
  std::unordered_set<uint64_t> cancel_ids_;
  struct EmbedJob;
  std::deque<EmbedJob*> embed_jobs_;
  uint64_t next_id_ = 1;
  bool stop_ = false;
  EngineStats stats_;

  // Engine thread only.
  std::deque<std::unique_ptr<Sequence>> waiting_;
  std::vector<std::unique_ptr<Sequence>> running_;
  std::vector<bool> finished_;
  model::Batch batch_;
  std::vector<float> logits_;
  std::thread thread_;
};

}  // namespace ingot::engine
