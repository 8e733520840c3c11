// Pull over loopback HTTP: a cpp-httplib server started by the test serves GGUF fixtures with Range support,
// without it, behind redirects, gated, flaky and slow. Nothing leaves 127.0.0.1.
#include "store/pull.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "store/sha256.h"
#include "util/mapped_file.h"

namespace ingot::store {
namespace {

namespace fs = std::filesystem;

std::string ReadShared(const std::string& file) {
  auto text = ReadFileToString(std::string(INGOT_SHARED_DIR) + "/models/" + file);
  EXPECT_TRUE(text.ok()) << "test asset " << file << ": " << text.status().ToString();
  return text.ok() ? *text : std::string();
}

std::string HashOf(const std::string& bytes) {
  Sha256 h;
  h.Update(bytes.data(), bytes.size());
  return h.HexDigest();
}

class FixtureServer {
 public:
  FixtureServer() {
    server_.Get(R"(/files/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Serve(req, res, true);
    });
    server_.Get(R"(/norange/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Serve(req, res, false);
    });
    // A Hugging Face mirror (INGOT_MIRROR) laid out as <base>/<org>/<repo>/resolve/<rev>/<file>.
    server_.Get(R"(/mirror/[^/]+/[^/]+/resolve/main/([^/]+))", [this](const httplib::Request& req,
                                                                         httplib::Response& res) {
      Serve(req, res, true);
    });
    server_.Get(R"(/redirect/(\d+)/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Log(req);
      const int hops = std::stoi(req.matches[1]);
      res.set_redirect(hops > 1 ? "/redirect/" + std::to_string(hops - 1) + "/" + std::string(req.matches[2])
                                : "/files/" + std::string(req.matches[2]));
    });
    // Redirects to another host name for the same server: credentials must not follow.
    server_.Get(R"(/cross/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Log(req);
      res.set_redirect("http://localhost:" + std::to_string(port_) + "/files/" + std::string(req.matches[1]));
    });
    server_.Get(R"(/gated/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer secret") {
        Log(req);
        res.status = 401;
        return;
      }
      Serve(req, res, true);
    });
    // Drops the connection half-way through the first full download.
    server_.Get(R"(/flaky/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const bool first = req.method == "GET" && !flaky_dropped_.exchange(true);
      if (!first) return Serve(req, res, true);
      Log(req);
      const std::string body = Body(req.matches[1]);
      res.set_content_provider(body.size(), "application/octet-stream",
                               [body](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset >= body.size() / 2) return false;
                                 sink.write(body.data() + offset, body.size() / 2 - offset);
                                 return true;
                               });
    });
    server_.Get(R"(/nohead/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.method == "HEAD") {
        Log(req);
        res.status = 405;
        return;
      }
      Serve(req, res, true);
    });
    server_.Get(R"(/slow/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      Log(req);
      const std::string body = Body(req.matches[1]);
      res.set_content_provider(body.size(), "application/octet-stream",
                               [this](size_t, size_t, httplib::DataSink&) {
                                 for (int i = 0; i < 40 && !stopping_; ++i) {
                                   std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                 }
                                 return false;
                               });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // The socket listens from bind on, so clients may connect before the thread accepts.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  ~FixtureServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }

  void Put(const std::string& name, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[name] = std::move(body);
  }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  struct Seen {
    std::string method, path, range, authorization;
  };
  std::vector<Seen> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  int Gets(const std::string& path) {
    int n = 0;
    for (const auto& r : requests()) n += r.method == "GET" && r.path == path;
    return n;
  }

 private:
  std::string Body(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return files_[name];
  }
  void Log(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back({req.method, req.path, req.get_header_value("Range"), req.get_header_value("Authorization")});
  }

  void Serve(const httplib::Request& req, httplib::Response& res, bool ranges) {
    Log(req);
    std::string body;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto it = files_.find(req.matches[1]);
      if (it == files_.end()) {
        res.status = 404;
        return;
      }
      body = it->second;
    }
    auto shared = std::make_shared<std::string>(std::move(body));
    if (ranges) {
      // cpp-httplib answers a Range request itself (206 with Content-Range, or 416).
      res.set_content_provider(shared->size(), "application/octet-stream",
                               [shared](size_t offset, size_t length, httplib::DataSink& sink) {
                                 sink.write(shared->data() + offset, std::min(length, shared->size() - offset));
                                 return true;
                               });
      return;
    }
    // Chunked responses are never ranged: the whole file whatever the request asked (cpp-httplib still says
    // 206 to a Range request, without a Content-Range: the client must notice and start over).
    res.set_chunked_content_provider("application/octet-stream", [shared](size_t offset, httplib::DataSink& sink) {
      if (offset < shared->size()) {
        sink.write(shared->data() + offset, std::min<size_t>(65536, shared->size() - offset));
      } else {
        sink.done();
      }
      return true;
    });
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> files_;
  std::vector<Seen> seen_;
  std::atomic<bool> flaky_dropped_{false};
  std::atomic<bool> stopping_{false};
};

class PullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The fixture server is on loopback: never send these requests to a proxy from the environment.
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    model_ = ReadShared("llama-gqa-q8_0.gguf");
    ASSERT_FALSE(model_.empty());
    sha_ = HashOf(model_);
    server_.Put("model.gguf", model_);
    const std::string home = std::string(INGOT_TEST_TMP) + "/pull_test/" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(home);
    auto store = Store::Open(home);
    ASSERT_TRUE(store.ok());
    store_ = std::make_unique<Store>(std::move(store).value());
    auto catalog = Catalog::Builtin();
    ASSERT_TRUE(catalog.ok());
    catalog_ = std::move(catalog).value();
    options_.fetch.retry_delay = std::chrono::milliseconds(10);
    options_.fetch.max_attempts = 3;
    options_.free_space_margin = 0;
  }

  Result<PullResult> PullUrl(const std::string& path, const std::string& sha = "", const std::string& name = "m") {
    return Pull(*store_, catalog_, PullRequest{server_.Url(path), name, sha, ""}, options_);
  }
  std::string StoredBytes(const std::string& name, const std::string& file) {
    auto text = ReadFileToString(store_->ModelDir(name) + "/" + file);
    return text.ok() ? *text : std::string();
  }
  void ExpectStoreUnchanged() {
    EXPECT_TRUE(store_->List()->empty());
    EXPECT_FALSE(fs::exists(store_->ModelDir("m")));
    EXPECT_FALSE(fs::exists(store_->PartialDir("m") + "/model.gguf"));
  }

  FixtureServer server_;
  std::string model_;
  std::string sha_;
  std::unique_ptr<Store> store_;
  Catalog catalog_;
  PullOptions options_;
};

TEST_F(PullTest, FullDownloadVerifiedAndIndexed) {
  std::vector<FetchProgress> progress;
  options_.fetch.on_progress = [&](const FetchProgress& p) {
    progress.push_back(p);
    return true;
  };
  auto r = PullUrl("/files/model.gguf", sha_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->already_present);
  EXPECT_FALSE(r->hash_recorded);
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
  EXPECT_FALSE(fs::exists(store_->PartialDir("m")));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().done, model_.size());
  EXPECT_EQ(progress.back().total, model_.size());
  auto listed = store_->Find("m");
  ASSERT_TRUE(listed.ok() && listed->has_value());
  EXPECT_EQ((*listed)->files[0].sha256, sha_);
  EXPECT_EQ((*listed)->summary.architecture, "llama");
  EXPECT_EQ((*listed)->summary.quantization, "Q8_0");

  // A second pull finds it in the store and downloads nothing.
  const int gets = server_.Gets("/files/model.gguf");
  auto again = PullUrl("/files/model.gguf");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_present);
  EXPECT_EQ(server_.Gets("/files/model.gguf"), gets);
}

TEST_F(PullTest, ResumesATruncatedPartial) {
  fs::create_directories(store_->PartialDir("m"));
  const size_t have = model_.size() / 3;
  std::ofstream(store_->PartialDir("m") + "/model.gguf", std::ios::binary) << model_.substr(0, have);
  auto r = PullUrl("/files/model.gguf", sha_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
  bool resumed = false;
  const std::string range = "bytes=" + std::to_string(have) + "-";
  for (const auto& req : server_.requests()) resumed |= req.method == "GET" && req.range == range;
  EXPECT_TRUE(resumed);
}

TEST_F(PullTest, ServerWithoutRangeRestartsFromZero) {
  fs::create_directories(store_->PartialDir("m"));
  std::ofstream(store_->PartialDir("m") + "/model.gguf", std::ios::binary) << std::string(1000, 'x');
  auto r = PullUrl("/norange/model.gguf", sha_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
  const auto requests = server_.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests.back().range, "");  // the last, successful download asked for the whole file
}

TEST_F(PullTest, ShaMismatchLeavesNothingBehind) {
  auto r = PullUrl("/files/model.gguf", std::string(64, 'f'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
  EXPECT_NE(r.status().message().find("sha256 mismatch"), std::string::npos) << r.status().message();
  ExpectStoreUnchanged();
}

TEST_F(PullTest, FollowsARedirectChain) {
  auto r = PullUrl("/redirect/3/model.gguf", sha_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
  EXPECT_EQ(server_.Gets("/redirect/1/model.gguf"), 1);
}

TEST_F(PullTest, ServerWithoutHeadStillDownloads) {
  std::vector<std::string> messages;
  options_.on_message = [&](const std::string& m) { messages.push_back(m); };
  auto r = PullUrl("/nohead/model.gguf", sha_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages[0].find("free space not checked"), std::string::npos) << messages[0];
}

TEST_F(PullTest, NotFoundAndUnauthorised) {
  auto missing = PullUrl("/files/absent.gguf");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  auto gated = PullUrl("/gated/model.gguf");
  EXPECT_EQ(gated.status().code(), Code::kInvalidArgument);
  EXPECT_NE(gated.status().message().find("401"), std::string::npos);
  ExpectStoreUnchanged();
}

TEST_F(PullTest, TokenGoesOnlyToHuggingFaceHosts) {
  options_.hf_token = "secret";  // 127.0.0.1 is not a Hugging Face host: the token must not be sent
  EXPECT_FALSE(PullUrl("/gated/model.gguf").ok());
  for (const auto& req : server_.requests()) EXPECT_EQ(req.authorization, "") << req.path;
}

TEST_F(PullTest, BearerTokenDoesNotFollowARedirectToAnotherHost) {
  FetchOptions fetch;
  fetch.bearer_token = "secret";
  const std::string dir = std::string(INGOT_TEST_TMP) + "/pull_test/bearer";
  fs::create_directories(dir);
  fs::remove(dir + "/f");
  ASSERT_TRUE(FetchToFile(server_.Url("/gated/model.gguf"), dir + "/f", fetch).ok());
  fs::remove(dir + "/f");
  ASSERT_TRUE(FetchToFile(server_.Url("/cross/model.gguf"), dir + "/f", fetch).ok());
  for (const auto& req : server_.requests()) {
    if (req.path == "/cross/model.gguf") {
      EXPECT_EQ(req.authorization, "Bearer secret");
    }
    if (req.path == "/files/model.gguf") {
      EXPECT_EQ(req.authorization, "");  // asked of localhost, not of 127.0.0.1
    }
  }
}

TEST_F(PullTest, RetriesAndResumesAfterADroppedConnection) {
  std::vector<std::string> notes;
  options_.fetch.on_note = [&](const std::string& n) { notes.push_back(n); };
  auto r = PullUrl("/flaky/model.gguf", sha_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
  EXPECT_FALSE(notes.empty());
}

TEST_F(PullTest, StalledServerTimesOut) {
  options_.fetch.max_attempts = 1;
  options_.fetch.stall_timeout_seconds = 1;
  auto r = PullUrl("/slow/model.gguf");
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(PullTest, FreeSpaceIsCheckedFirst) {
  options_.free_space_margin = uint64_t(1) << 62;  // no disk has this much room
  auto r = PullUrl("/files/model.gguf");
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
  EXPECT_EQ(server_.Gets("/files/model.gguf"), 0);
}

// A full disk, simulated with a file-size limit in a child process: the write fails with a clear error.
TEST_F(PullTest, DiskFullIsAClearError) {
  const std::string dir = std::string(INGOT_TEST_TMP) + "/pull_test/disk_full";
  fs::create_directories(dir);
  fs::remove(dir + "/f");
  const std::string url = server_.Url("/files/model.gguf");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{1 << 20, 1 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
    FetchOptions fetch;
    fetch.max_attempts = 1;
    const Status st = FetchToFile(url, dir + "/f", fetch);
    const bool clear = st.code() == Code::kIo && st.message().find("write failed") != std::string::npos;
    _exit(clear ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LE(fs::file_size(dir + "/f"), uint64_t(1) << 20);  // kept for a resume once space is freed
}

TEST_F(PullTest, HashRecordedAtFirstPullGuardsLaterPulls) {
  auto first = PullUrl("/files/model.gguf");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->hash_recorded);
  ASSERT_TRUE(store_->Remove("m").ok());
  server_.Put("model.gguf", model_ + "tampered");
  auto second = PullUrl("/files/model.gguf");
  EXPECT_EQ(second.status().code(), Code::kCorrupt);
  ExpectStoreUnchanged();
}

TEST_F(PullTest, SplitModelPartsArePulledTogether) {
  const std::string a = model_.substr(0, 1000);
  const std::string b = model_.substr(1000);
  server_.Put("big-00001-of-00002.gguf", a);
  server_.Put("big-00002-of-00002.gguf", b);
  auto r = Pull(*store_, catalog_, PullRequest{server_.Url("/files/big-00001-of-00002.gguf"), "", "", ""}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->model.name, "big");
  ASSERT_EQ(r->model.files.size(), 2u);
  EXPECT_EQ(StoredBytes("big", "big-00001-of-00002.gguf"), a);
  EXPECT_EQ(StoredBytes("big", "big-00002-of-00002.gguf"), b);
  EXPECT_FALSE(Pull(*store_, catalog_, PullRequest{server_.Url("/files/big-00002-of-00002.gguf"), "x", "", ""},
                    options_).ok());
}

TEST_F(PullTest, ConcurrentPullsOfOneModelDownloadOnce) {
  Result<PullResult> r1 = Internal("not run");
  Result<PullResult> r2 = Internal("not run");
  std::thread t1([&] { r1 = PullUrl("/files/model.gguf", sha_); });
  std::thread t2([&] { r2 = PullUrl("/files/model.gguf", sha_); });
  t1.join();
  t2.join();
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_NE(r1->already_present, r2->already_present);
  EXPECT_EQ(server_.Gets("/files/model.gguf"), 1);
  EXPECT_EQ(StoredBytes("m", "model.gguf"), model_);
}

TEST_F(PullTest, DownloadIntoAnotherDirectory) {
  const std::string dir = std::string(INGOT_TEST_TMP) + "/pull_test/to_dir";
  fs::remove_all(dir);
  auto r = Pull(*store_, catalog_, PullRequest{server_.Url("/files/model.gguf"), "m", sha_, dir}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->model.external);
  EXPECT_EQ(*ReadFileToString(dir + "/model.gguf"), model_);
  EXPECT_FALSE(fs::exists(store_->ModelDir("m")));
  EXPECT_EQ(*store_->ResolvePath("m"), dir + "/model.gguf");
}

TEST_F(PullTest, CatalogNameUsesTheCatalogUrlAndHash) {
  auto user = Catalog::Parse(R"({"models": [
      {"name": "house", "url": ")" + server_.Url("/files/model.gguf") + R"(", "sha256": ")" + sha_ + R"("},
      {"name": "house-bad", "url": ")" + server_.Url("/files/model.gguf") + R"(", "sha256": ")" +
                                 std::string(64, 'e') + R"("}]})",
                             "user catalog");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  catalog_.Overlay(*user);
  auto good = Pull(*store_, catalog_, PullRequest{"house", "", "", ""}, options_);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->model.name, "house");
  EXPECT_FALSE(good->hash_recorded);
  auto bad = Pull(*store_, catalog_, PullRequest{"house-bad", "", "", ""}, options_);
  EXPECT_EQ(bad.status().code(), Code::kCorrupt);
  EXPECT_FALSE(fs::exists(store_->ModelDir("house-bad")));
  // --sha256 overrides the catalog.
  auto overridden = Pull(*store_, catalog_, PullRequest{"house-bad", "", sha_, ""}, options_);
  EXPECT_TRUE(overridden.ok()) << overridden.status().ToString();
}

TEST_F(PullTest, MirrorRewritesHuggingFaceUrls) {
  options_.mirror = server_.Url("/mirror");
  options_.hf_token = "secret";
  server_.Put("f.gguf", model_);
  auto r = Pull(*store_, catalog_, PullRequest{"hf://org/repo/f.gguf", "", sha_, ""}, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->model.name, "f");
  EXPECT_EQ(r->model.source, "hf://org/repo/f.gguf");
  EXPECT_EQ(server_.Gets("/mirror/org/repo/resolve/main/f.gguf"), 1);
  for (const auto& req : server_.requests()) EXPECT_EQ(req.authorization, "");  // a mirror is not huggingface.co
}

}  // namespace
}  // namespace ingot::store
