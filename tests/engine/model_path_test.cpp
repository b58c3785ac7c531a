// Model folders and Hugging Face cache names resolve to the right snapshot, and misses say what
// was tried and where.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>

#include "engine/model_path.h"

namespace embed {
namespace {

namespace fs = std::filesystem;

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ModelPath : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("embed_model_path_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A cache entry as huggingface_hub writes it: snapshots/<rev>/config.json and refs/main.
  static fs::path add_snapshot(const fs::path& root, const std::string& repo,
                               const std::string& revision) {
    const fs::path snapshot = root / repo / "snapshots" / revision;
    fs::create_directories(snapshot);
    std::ofstream(snapshot / "config.json") << "{}";
    return snapshot;
  }
  static void write_ref(const fs::path& root, const std::string& repo, const std::string& text) {
    fs::create_directories(root / repo / "refs");
    std::ofstream(root / repo / "refs" / "main") << text;
  }

  static std::string error_of(const std::string& name) {
    try {
      resolve_model_path(name);
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      return e.what();
    }
    return "(no error)";
  }

  fs::path dir_;
};

TEST_F(ModelPath, ExistingFolderIsUsedAsIs) {
  ScopedEnv cache("HF_HUB_CACHE", (dir_ / "unused").string());
  EXPECT_EQ(resolve_model_path(dir_.string()), dir_);
}

TEST_F(ModelPath, FolderWinsOverCacheName) {
  // "org/name" relative to the working directory exists, so the cache is never consulted.
  const fs::path cwd = fs::current_path();
  fs::create_directories(dir_ / "org" / "name");
  fs::current_path(dir_);
  const fs::path resolved = resolve_model_path("org/name");
  fs::current_path(cwd);
  EXPECT_EQ(resolved, fs::path("org/name"));
}

TEST_F(ModelPath, HfHubCacheWithRefsMain) {
  const fs::path root = dir_ / "hub-cache";
  add_snapshot(root, "models--BAAI--bge-m3", "0123abc");
  add_snapshot(root, "models--BAAI--bge-m3", "fedcba9");
  write_ref(root, "models--BAAI--bge-m3", "fedcba9\n");
  ScopedEnv cache("HF_HUB_CACHE", root.string());
  ScopedEnv home("HF_HOME", (dir_ / "elsewhere").string());
  EXPECT_EQ(resolve_model_path("BAAI/bge-m3"), root / "models--BAAI--bge-m3/snapshots/fedcba9");
}

TEST_F(ModelPath, HfHomeHub) {
  const fs::path snapshot =
      add_snapshot(dir_ / "hf-home" / "hub", "models--sentence-transformers--all-MiniLM-L6-v2",
                   "c9745ed1d9f207416be6d2e6f8de32d1f16199bf");
  write_ref(dir_ / "hf-home" / "hub", "models--sentence-transformers--all-MiniLM-L6-v2",
            "c9745ed1d9f207416be6d2e6f8de32d1f16199bf");
  ScopedEnv cache("HF_HUB_CACHE", std::nullopt);
  ScopedEnv home("HF_HOME", (dir_ / "hf-home").string());
  EXPECT_EQ(resolve_model_path("sentence-transformers/all-MiniLM-L6-v2"), snapshot);
}

TEST_F(ModelPath, HomeDotCache) {
  const fs::path root = dir_ / ".cache" / "huggingface" / "hub";
  const fs::path snapshot = add_snapshot(root, "models--BAAI--bge-small-en-v1.5", "abc");
  write_ref(root, "models--BAAI--bge-small-en-v1.5", "abc");
  ScopedEnv cache("HF_HUB_CACHE", std::nullopt);
  ScopedEnv hf_home("HF_HOME", "");  // empty counts as unset
  ScopedEnv home("HOME", dir_.string());
  EXPECT_EQ(resolve_model_path("BAAI/bge-small-en-v1.5"), snapshot);
}

TEST_F(ModelPath, SingleSnapshotWithoutRefsMain) {
  const fs::path snapshot = add_snapshot(dir_, "models--org--model", "only");
  ScopedEnv cache("HF_HUB_CACHE", dir_.string());
  EXPECT_EQ(resolve_model_path("org/model"), snapshot);
}

TEST_F(ModelPath, SeveralSnapshotsWithoutRefsMainAreAmbiguous) {
  add_snapshot(dir_, "models--org--model", "one");
  add_snapshot(dir_, "models--org--model", "two");
  ScopedEnv cache("HF_HUB_CACHE", dir_.string());
  EXPECT_EQ(error_of("org/model"),
            "model 'org/model' not found: not a folder, and not in the Hugging Face cache at " +
                dir_.string() +
                " (looked for models--org--model/snapshots/<refs/main>; refs/main is missing and "
                "there are 2 snapshots)");
}

TEST_F(ModelPath, RefsMainNamesMissingSnapshot) {
  add_snapshot(dir_, "models--org--model", "old");
  write_ref(dir_, "models--org--model", "new");
  ScopedEnv cache("HF_HUB_CACHE", dir_.string());
  EXPECT_EQ(error_of("org/model"),
            "model 'org/model' not found: not a folder, and the Hugging Face cache at " +
                dir_.string() +
                " has refs/main = 'new' but no folder models--org--model/snapshots/new");
}

TEST_F(ModelPath, NotInCache) {
  ScopedEnv cache("HF_HUB_CACHE", std::nullopt);
  ScopedEnv hf_home("HF_HOME", std::nullopt);
  ScopedEnv home("HOME", dir_.string());
  EXPECT_EQ(error_of("BAAI/bge-m3"),
            "model 'BAAI/bge-m3' not found: not a folder, and not in the Hugging Face cache at " +
                (dir_ / ".cache/huggingface/hub").string() +
                " (looked for models--BAAI--bge-m3/snapshots/<refs/main>)");
}

TEST_F(ModelPath, NameWithoutSlashIsNotLookedUp) {
  ScopedEnv cache("HF_HUB_CACHE", dir_.string());
  add_snapshot(dir_, "models--bge-m3", "abc");
  EXPECT_EQ(error_of("bge-m3"),
            "model 'bge-m3' not found: not a folder, and not a Hugging Face ORG/NAME to look up "
            "in the cache");
}

TEST_F(ModelPath, PathLikeNamesAreNotLookedUp) {
  ScopedEnv cache("HF_HUB_CACHE", dir_.string());
  for (const std::string name : {"../model", "org/", "/org/model", "org/name/extra"})
    EXPECT_NE(error_of(name).find("not a Hugging Face ORG/NAME"), std::string::npos) << name;
}

}  // namespace
}  // namespace embed
