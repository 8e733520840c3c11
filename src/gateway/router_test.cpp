// The router's decisions, driven synchronously with a recording fake: no sockets, no sleeps, time passed in.
#include "gateway/router.h"

#include <gtest/gtest.h>

namespace ingot::gateway {
namespace {

struct RecordingEffects : RouterEffects {
  std::vector<std::string> log;
  void StartModel(const std::string& m) override { log.push_back("start " + m); }
  void StopModel(const std::string& m) override { log.push_back("stop " + m); }
  void Wake(RequestId id) override { log.push_back("wake " + std::to_string(id)); }
  void Fail(RequestId id, const Status&) override { log.push_back("fail " + std::to_string(id)); }
  void Count(const std::string& e, const std::string& m) override { log.push_back(e + " " + m); }
  std::vector<std::string> Take() { return std::exchange(log, {}); }
};

GatewayConfig Config(const std::string& yaml) {
  auto config = ParseConfig(yaml);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? *config : GatewayConfig{};
}

const char* kRemote = R"(
circuit_breaker: {failures: 2, open_seconds: 10}
models:
  a: {upstream: {base_url: "http://127.0.0.1:1"}, max_concurrent: 1, max_queue: 1}
  b: {upstream: {base_url: "http://127.0.0.1:2"}}
routes:
  chat: {targets: [a, b]}
)";

TEST(Router, TargetsInFallbackOrderAndUnknownModels) {
  RecordingEffects fx;
  Router router(Config(kRemote), fx);
  Admission ok = router.Admit("", "chat", 0, 0);
  ASSERT_TRUE(ok.ok);
  EXPECT_EQ(ok.targets, (std::vector<std::string>{"a", "b"}));
  Admission missing = router.Admit("", "nope", 0, 0);
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.refusal.http_status, 404);
}

TEST(Router, ConcurrencyLimitQueuesThenRejects) {
  RecordingEffects fx;
  Router router(Config(kRemote), fx);
  EXPECT_EQ(router.Acquire(1, "a", 0), AcquireResult::kRun);
  EXPECT_EQ(router.Acquire(2, "a", 0), AcquireResult::kQueued);
  EXPECT_EQ(router.Acquire(3, "a", 0), AcquireResult::kRejected);
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"rejected a"}));
  router.Release(1, "a", false, 1);
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"wake 2"}));
  EXPECT_EQ(router.Inspect("a").in_flight, 1);
  router.Abandon(2, "a");  // no-op: 2 already runs
  router.Release(2, "a", false, 2);
  EXPECT_EQ(router.Inspect("a").in_flight, 0);
}

TEST(Router, CircuitOpensHalfOpensAndCloses) {
  RecordingEffects fx;
  Router router(Config(kRemote), fx);
  for (RequestId id : {1, 2}) {
    ASSERT_EQ(router.Acquire(id, "a", 0), AcquireResult::kRun);
    router.Release(id, "a", true, 0);
  }
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"circuit_open a"}));
  EXPECT_EQ(router.Admit("", "chat", 0, 5).targets, (std::vector<std::string>{"b"}));
  // After open_seconds the circuit half-opens: one probe request may try it.
  EXPECT_EQ(router.Admit("", "chat", 0, 10).targets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"circuit_half_open a"}));
  ASSERT_EQ(router.Acquire(3, "a", 10), AcquireResult::kRun);
  EXPECT_EQ(router.Admit("", "chat", 0, 10).targets, (std::vector<std::string>{"b"}));  // probe in flight
  router.Release(3, "a", true, 11);  // probe failed: open again
  EXPECT_EQ(router.Inspect("a").circuit, CircuitState::kOpen);
  EXPECT_EQ(router.Admit("", "chat", 0, 21).targets, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(router.Acquire(4, "a", 21), AcquireResult::kRun);
  router.Release(4, "a", false, 22);
  EXPECT_EQ(router.Inspect("a").circuit, CircuitState::kClosed);
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"circuit_open a", "circuit_half_open a", "circuit_closed a"}));
}

TEST(Router, ActiveProbesOpenAndCloseTheCircuit) {
  RecordingEffects fx;
  Router router(Config(kRemote), fx);
  router.OnProbe("a", false, 0);
  router.OnProbe("a", false, 1);  // already open: counted once
  EXPECT_EQ(router.Admit("", "chat", 0, 2).targets, (std::vector<std::string>{"b"}));
  router.OnProbe("a", true, 3);
  EXPECT_EQ(router.Admit("", "chat", 0, 3).targets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"circuit_open a", "circuit_closed a"}));
}

TEST(Router, AllCircuitsOpenIs503WithRetryAfter) {
  RecordingEffects fx;
  Router router(Config("circuit_breaker: {failures: 1, open_seconds: 30}\n"
                       "models: {a: {upstream: {base_url: 'http://x'}}}"), fx);
  ASSERT_EQ(router.Acquire(1, "a", 0), AcquireResult::kRun);
  router.Release(1, "a", true, 0);
  Admission refused = router.Admit("", "a", 0, 10);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.refusal.http_status, 503);
  EXPECT_DOUBLE_EQ(refused.refusal.retry_after_seconds, 20);
}

const char* kClients = R"(
models: {a: {upstream: {base_url: "http://x"}}, b: {upstream: {base_url: "http://y"}}}
clients:
  - {name: app, api_key: k1, routes: [a], rpm: 2, max_concurrent: 5}
  - {name: batch, api_key: k2, tpm: 100, max_concurrent: 1}
)";

TEST(Router, ClientKeysRoutesAndRateLimits) {
  RecordingEffects fx;
  Router router(Config(kClients), fx);
  EXPECT_EQ(router.Admit("", "a", 0, 0).refusal.http_status, 401);
  EXPECT_EQ(router.Admit("bad", "a", 0, 0).refusal.http_status, 401);
  EXPECT_EQ(router.Admit("k1", "b", 0, 0).refusal.http_status, 403);
  EXPECT_TRUE(router.Admit("k1", "a", 0, 0).ok);
  EXPECT_TRUE(router.Admit("k1", "a", 0, 1).ok);
  Admission over = router.Admit("k1", "a", 0, 2);
  EXPECT_EQ(over.refusal.http_status, 429);
  EXPECT_DOUBLE_EQ(over.refusal.retry_after_seconds, 58);
  EXPECT_TRUE(router.Admit("k1", "a", 0, 60.5).ok);  // the first request left the window

  EXPECT_TRUE(router.Admit("k2", "b", 60, 0).ok);
  EXPECT_EQ(router.Admit("k2", "b", 10, 0).refusal.http_status, 429);  // max_concurrent 1
  router.ClientDone("k2");
  EXPECT_EQ(router.Admit("k2", "b", 50, 0).refusal.http_status, 429);  // 60 + 50 > tpm 100
  router.AddTokens("k2", 0, 0);
  EXPECT_TRUE(router.Admit("k2", "b", 40, 0).ok);
}

const char* kLocal = R"(
memory_budget: 1000
idle_ttl: 100
models:
  pinned: {local: {path: p.gguf}, memory: 300, pinned: true}
  x: {local: {path: x.gguf}, memory: 400, ttl: 50}
  y: {local: {path: y.gguf}, memory: 400}
  z: {local: {path: z.gguf}, memory: 500}
  huge: {local: {path: h.gguf}, memory: 2000}
)";

TEST(Router, LoadOnDemandQueuesUntilLoaded) {
  RecordingEffects fx;
  Router router(Config(kLocal), fx);
  EXPECT_EQ(router.Inspect("x").load, LoadState::kUnloaded);
  EXPECT_EQ(router.Acquire(1, "x", 0), AcquireResult::kQueued);
  EXPECT_EQ(router.Acquire(2, "x", 0), AcquireResult::kQueued);
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"load x", "start x"}));  // started once
  EXPECT_EQ(router.Inspect("x").load, LoadState::kLoading);
  router.OnModelLoaded("x", Status::Ok(), 3);
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"wake 1", "wake 2"}));
  EXPECT_EQ(router.Inspect("x").in_flight, 2);

  EXPECT_EQ(router.Acquire(3, "y", 4), AcquireResult::kQueued);
  router.OnModelLoaded("y", Unavailable("bad file"), 5);
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"load y", "start y", "fail 3"}));
  EXPECT_EQ(router.Inspect("y").load, LoadState::kUnloaded);
}

TEST(Router, EvictsLeastRecentlyUsedIdleButNeverPinned) {
  RecordingEffects fx;
  Router router(Config(kLocal), fx);
  auto load = [&](RequestId id, const std::string& m, double t) {
    ASSERT_EQ(router.Acquire(id, m, t), AcquireResult::kQueued);
    router.OnModelLoaded(m, Status::Ok(), t);
    router.Release(id, m, false, t);
  };
  load(1, "pinned", 0);
  load(2, "x", 1);
  fx.Take();
  EXPECT_EQ(router.ResidentBytes(), 700u);
  load(3, "y", 2);  // 700 + 400 > 1000: x (idle, least recently used, not pinned) goes
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"stop x", "unload x", "load y", "start y", "wake 3"}));
  // z needs 500: only y can go, but it is busy.
  ASSERT_EQ(router.Acquire(4, "y", 3), AcquireResult::kRun);
  EXPECT_EQ(router.Acquire(5, "z", 3), AcquireResult::kNoMemory);
  router.Release(4, "y", false, 4);
  EXPECT_EQ(router.Acquire(5, "z", 5), AcquireResult::kQueued);
  EXPECT_EQ(router.Inspect("pinned").load, LoadState::kLoaded);
  EXPECT_EQ(router.Acquire(6, "huge", 5), AcquireResult::kNoMemory);
}

TEST(Router, IdleTtlCountsFromLastUseWithNothingInFlight) {
  RecordingEffects fx;
  Router router(Config(kLocal), fx);
  ASSERT_EQ(router.Acquire(1, "x", 0), AcquireResult::kQueued);
  router.OnModelLoaded("x", Status::Ok(), 0);
  router.Tick(500);  // in flight: stays
  EXPECT_EQ(router.Inspect("x").load, LoadState::kLoaded);
  router.Release(1, "x", false, 500);
  router.Tick(549);
  EXPECT_EQ(router.Inspect("x").load, LoadState::kLoaded);
  fx.Take();
  router.Tick(550);  // x's own ttl: 50 s after last use
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"stop x", "unload x"}));
  ASSERT_EQ(router.Acquire(2, "pinned", 0), AcquireResult::kQueued);
  router.OnModelLoaded("pinned", Status::Ok(), 0);
  router.Release(2, "pinned", false, 0);
  router.Tick(1e6);
  EXPECT_EQ(router.Inspect("pinned").load, LoadState::kLoaded);
}

TEST(Router, AdminLoadAndUnload) {
  RecordingEffects fx;
  Router router(Config(kLocal), fx);
  EXPECT_EQ(router.RequestLoad("nope", 0).code(), Code::kNotFound);
  EXPECT_EQ(router.RequestLoad("huge", 0).code(), Code::kResourceExhausted);
  ASSERT_TRUE(router.RequestLoad("x", 0).ok());
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"load x", "start x"}));
  EXPECT_EQ(router.RequestUnload("x").code(), Code::kUnavailable);  // still loading
  router.OnModelLoaded("x", Status::Ok(), 1);
  ASSERT_EQ(router.Acquire(1, "x", 1), AcquireResult::kRun);
  EXPECT_EQ(router.RequestUnload("x").code(), Code::kUnavailable);  // in flight
  router.Release(1, "x", false, 2);
  ASSERT_TRUE(router.RequestUnload("x").ok());
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"stop x", "unload x"}));
}

TEST(Router, DrainSkipsTheTargetLetsRunningRequestsFinishThenUnloads) {
  RecordingEffects fx;
  Router router(Config(kRemote), fx);
  ASSERT_EQ(router.Acquire(1, "a", 0), AcquireResult::kRun);
  ASSERT_TRUE(router.RequestDrain("a").ok());
  EXPECT_EQ(router.RequestDrain("nope").code(), Code::kNotFound);
  EXPECT_EQ(router.Admit("", "chat", 0, 0).targets, (std::vector<std::string>{"b"}));
  EXPECT_EQ(router.Acquire(2, "a", 0), AcquireResult::kDraining);
  EXPECT_TRUE(router.Inspect("a").draining);
  router.Release(1, "a", false, 1);
  ASSERT_TRUE(router.RequestResume("a").ok());
  EXPECT_EQ(router.Admit("", "chat", 0, 1).targets, (std::vector<std::string>{"a", "b"}));

  RecordingEffects lfx;
  Router local(Config(kLocal), lfx);
  ASSERT_EQ(local.Acquire(1, "x", 0), AcquireResult::kQueued);
  local.OnModelLoaded("x", Status::Ok(), 0);
  lfx.Take();
  ASSERT_TRUE(local.RequestDrain("x").ok());
  EXPECT_EQ(lfx.Take(), (std::vector<std::string>{"drain x"}));  // still running request 1
  local.Release(1, "x", false, 1);
  EXPECT_EQ(lfx.Take(), (std::vector<std::string>{"stop x", "unload x"}));
  EXPECT_EQ(local.Inspect("x").load, LoadState::kUnloaded);
  ASSERT_TRUE(local.RequestLoad("x", 2).ok());  // an explicit load ends the drain
  EXPECT_FALSE(local.Inspect("x").draining);
}

TEST(Router, ReconfigureStopsRemovedLocalModels) {
  RecordingEffects fx;
  Router router(Config(kLocal), fx);
  ASSERT_EQ(router.Acquire(1, "x", 0), AcquireResult::kQueued);
  router.OnModelLoaded("x", Status::Ok(), 0);
  fx.Take();
  router.Reconfigure(Config("models: {y: {local: {path: y.gguf}}}"));
  EXPECT_EQ(fx.Take(), (std::vector<std::string>{"stop x", "unload x"}));
}

}  // namespace
}  // namespace ingot::gateway
