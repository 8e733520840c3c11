// Tests of the store layout: index round trip, removal, recorded hashes, path resolution, locks, local files.
#include "store/store.h"

#include <gtest/gtest.h>

#include <optional>

#include <filesystem>
#include <fstream>

#include "store/index_json.h"
#include "store/pull.h"
#include "store/sha256.h"
#include "store/system.h"

namespace ingot::store {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  const std::string dir = std::string(INGOT_TEST_TMP) + "/store_test/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string SharedModel(const std::string& file) {
  const std::string path = std::string(INGOT_SHARED_DIR) + "/models/" + file;
  EXPECT_TRUE(fs::exists(path)) << "missing test asset " << path;
  return path;
}

TEST(Sha256, KnownVectorsAndFiles) {
  Sha256 empty;
  EXPECT_EQ(empty.HexDigest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 abc;
  abc.Update("abc", 3);
  EXPECT_EQ(abc.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto h = Sha256File(SharedModel("llama-gqa-f32.gguf"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "0a63699a68456aaa873455bb54283e9d52c35c2ad32d3cfee63fee9784d2b60a");  // shared/models/README.md
  EXPECT_EQ(Sha256File("/nonexistent/file").status().code(), Code::kIo);
}

TEST(Store, LayoutIndexAndRemove) {
  const std::string home = FreshDir("layout");
  auto store = Store::Open(home);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(fs::is_directory(home + "/models"));
  EXPECT_TRUE(fs::is_directory(home + "/.partial"));
  EXPECT_EQ(store->ModelDir("qwen3-8b"), home + "/models/qwen3-8b");
  EXPECT_TRUE(store->List()->empty());
  EXPECT_FALSE(Store::Open("relative/dir").ok());

  StoredModel m;
  m.name = "tiny";
  m.source = "https://example.com/tiny.gguf";
  m.dir = "/elsewhere/ignored";  // owned models always live in models/<name>
  m.files = {{"tiny.gguf", 3, std::string(64, 'a')}};
  m.summary = {"llama", "F32", 1000, 2048};
  fs::create_directories(store->ModelDir("tiny"));
  std::ofstream(store->ModelDir("tiny") + "/tiny.gguf") << "abc";
  ASSERT_TRUE(store->Put(m).ok());
  auto found = store->Find("tiny");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->dir, home + "/models/tiny");
  EXPECT_EQ((*found)->summary.architecture, "llama");
  EXPECT_EQ((*found)->summary.parameters, 1000u);
  EXPECT_EQ(*store->ResolvePath("tiny"), home + "/models/tiny/tiny.gguf");

  {
    auto pulling = FileLock::Acquire(store->LockPath("tiny"), false, nullptr);  // as a pull in progress would
    ASSERT_TRUE(pulling.ok());
    EXPECT_EQ(store->Remove("tiny").status().code(), Code::kUnavailable);
  }
  auto removed = store->Remove("tiny");
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(fs::exists(home + "/models/tiny"));
  EXPECT_EQ(store->Remove("tiny").status().code(), Code::kNotFound);
  EXPECT_FALSE(store->Remove("../models").ok());
}

TEST(Store, RemoveKeepsExternalFiles) {
  const std::string home = FreshDir("external");
  auto store = Store::Open(home);
  ASSERT_TRUE(store.ok());
  const std::string outside = FreshDir("external_files");
  std::ofstream(outside + "/keep.gguf") << "data";
  StoredModel m;
  m.name = "keep";
  m.source = outside + "/keep.gguf";
  m.dir = outside;
  m.external = true;
  m.files = {{"keep.gguf", 4, std::string(64, 'b')}};
  ASSERT_TRUE(store->Put(m).ok());
  ASSERT_TRUE(store->Remove("keep").ok());
  EXPECT_TRUE(fs::exists(outside + "/keep.gguf"));
}

TEST(Store, IndexRejectsTraversal) {
  const char* bad[] = {
      R"({"models": [{"name": "../x", "dir": "/a", "files": [{"name": "f.gguf"}]}]})",
      R"({"models": [{"name": "x", "dir": "/a", "files": [{"name": "../../etc/passwd"}]}]})",
      R"({"models": [{"name": "x", "dir": "relative", "files": [{"name": "f.gguf"}]}]})",
      R"({"models": [{"name": "x", "dir": "/a", "files": []}]})",
      R"({"models": 3})",
  };
  for (const char* doc : bad) EXPECT_FALSE(IndexFromJson(doc, "index").ok()) << doc;
}

TEST(Store, RecordedHashesPersist) {
  auto store = Store::Open(FreshDir("hashes"));
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(store->RecordedHashFor("https://x/a.gguf")->has_value());
  ASSERT_TRUE(store->RecordHash("https://x/a.gguf", {std::string(64, 'c'), 42}).ok());
  auto rec = store->RecordedHashFor("https://x/a.gguf");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->size, 42u);
  EXPECT_FALSE(store->RecordHash("https://x/b.gguf", {"nothex", 1}).ok());
}

TEST(Store, ResolvePathAcceptsFilesAndRejectsUnknown) {
  auto store = Store::Open(FreshDir("resolve"));
  ASSERT_TRUE(store.ok());
  const std::string model = SharedModel("stories260K.gguf");
  EXPECT_EQ(*store->ResolvePath(model), model);
  EXPECT_EQ(store->ResolvePath("not-stored").status().code(), Code::kNotFound);
}

TEST(FileLockTest, SecondHolderIsRefusedUntilRelease) {
  const std::string path = FreshDir("lock") + "/m.lock";
  bool contended = true;
  auto first = FileLock::Acquire(path, false, &contended);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(contended);
  auto second = FileLock::Acquire(path, false, &contended);
  EXPECT_FALSE(second.ok());
  EXPECT_TRUE(contended);
  first = FileLock();
  EXPECT_TRUE(FileLock::Acquire(path, false, nullptr).ok());
}

TEST(PullLocal, RegistersInPlaceAndVerifiesHash) {
  auto store = Store::Open(FreshDir("local"));
  ASSERT_TRUE(store.ok());
  auto catalog = Catalog::Builtin();
  ASSERT_TRUE(catalog.ok());
  const std::string model = fs::path(SharedModel("llama-gqa-q8_0.gguf")).lexically_normal().string();
  PullRequest wrong{"file://" + model, "", std::string(64, '0'), ""};
  auto bad = Pull(*store, *catalog, wrong, PullOptions{});
  EXPECT_EQ(bad.status().code(), Code::kCorrupt);
  EXPECT_TRUE(store->List()->empty());

  PullRequest right{model, "gqa", "3e8034a227cb382ae34e591fa7fa97c01d969de4a49a14b7932ad3675825dd90", ""};
  auto pulled = Pull(*store, *catalog, right, PullOptions{});
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  EXPECT_TRUE(pulled->model.external);
  EXPECT_EQ(pulled->model.PrimaryPath(), model);
  EXPECT_EQ(pulled->model.summary.architecture, "llama");
  EXPECT_EQ(pulled->model.summary.quantization, "Q8_0");
  EXPECT_EQ(pulled->model.summary.context, 2048);
  EXPECT_FALSE(fs::exists(store->ModelDir("gqa")));  // nothing copied
  EXPECT_EQ(*store->ResolvePath("gqa"), model);
  ASSERT_TRUE(store->Remove("gqa").ok());
  EXPECT_TRUE(fs::exists(model));
}

TEST(PullLocal, OfflineUnknownCatalogNameAndMissingFile) {
  auto store = Store::Open(FreshDir("offline"));
  ASSERT_TRUE(store.ok());
  auto catalog = Catalog::Builtin();
  PullOptions offline;
  offline.offline = true;
  EXPECT_EQ(Pull(*store, *catalog, {"qwen3-8b", "", "", ""}, offline).status().code(), Code::kUnavailable);
  EXPECT_EQ(Pull(*store, *catalog, {"no-such-model", "", "", ""}, offline).status().code(), Code::kNotFound);
  EXPECT_EQ(Pull(*store, *catalog, {"/nonexistent/m.gguf", "", "", ""}, offline).status().code(), Code::kNotFound);
  EXPECT_FALSE(Pull(*store, *catalog, {"/x/m.gguf", "Bad/Name", "", ""}, offline).ok());
}

TEST(StoreHomeTest, FollowsEnvironmentThenServiceDefault) {
  const auto saved = [](const char* k) { const char* v = std::getenv(k); return v ? std::optional<std::string>(v) : std::nullopt; };
  const auto ingot_home = saved("INGOT_HOME"), xdg = saved("XDG_DATA_HOME"), home = saved("HOME");
  unsetenv("INGOT_HOME");
  unsetenv("XDG_DATA_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(*Store::DefaultHome(), "/home/u/.local/share/ingot");
  setenv("XDG_DATA_HOME", "/data", 1);
  EXPECT_EQ(*Store::DefaultHome(), "/data/ingot");
  setenv("INGOT_HOME", "/srv/models", 1);
  EXPECT_EQ(*Store::DefaultHome(), "/srv/models");
  unsetenv("INGOT_HOME");
  unsetenv("XDG_DATA_HOME");
  unsetenv("HOME");
  EXPECT_EQ(*Store::DefaultHome(), "/var/lib/ingot");
  for (const auto& [k, v] : {std::pair{"INGOT_HOME", ingot_home}, {"XDG_DATA_HOME", xdg}, {"HOME", home}}) {
    if (v) setenv(k, v->c_str(), 1);
  }
}

}  // namespace
}  // namespace ingot::store
