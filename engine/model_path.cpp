#include "engine/model_path.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace embed {
namespace {

namespace fs = std::filesystem;

// An unset or empty variable counts as absent, as in huggingface_hub.
const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

fs::path hub_cache_root() {
  if (const char* cache = env("HF_HUB_CACHE")) return cache;
  if (const char* home = env("HF_HOME")) return fs::path(home) / "hub";
  if (const char* home = env("HOME")) return fs::path(home) / ".cache" / "huggingface" / "hub";
  throw std::runtime_error(
      "cannot locate the Hugging Face cache: none of HF_HUB_CACHE, HF_HOME, HOME is set");
}

// Hub ids are ORG/NAME of [A-Za-z0-9._-]; anything else (and "." / "..", which would leave the
// cache) is not looked up.
bool is_hub_part(const std::string& part) {
  if (part.empty() || part == "." || part == "..") return false;
  for (char c : part)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

std::string trimmed_file(const fs::path& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<fs::path> snapshot_dirs(const fs::path& snapshots) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(snapshots, ec))
    if (entry.is_directory()) dirs.push_back(entry.path());
  return dirs;
}

}  // namespace

fs::path resolve_model_path(const std::string& name_or_path) {
  if (fs::is_directory(name_or_path)) return name_or_path;
  const std::string failed = "model '" + name_or_path + "' not found: not a folder, and ";

  const auto slash = name_or_path.find('/');
  if (slash == std::string::npos || !is_hub_part(name_or_path.substr(0, slash)) ||
      !is_hub_part(name_or_path.substr(slash + 1)))
    throw std::runtime_error(failed + "not a Hugging Face ORG/NAME to look up in the cache");

  const fs::path root = hub_cache_root();
  const std::string repo =
      "models--" + name_or_path.substr(0, slash) + "--" + name_or_path.substr(slash + 1);
  const fs::path snapshots = root / repo / "snapshots";
  const std::string where = "the Hugging Face cache at " + root.string();

  const fs::path ref = root / repo / "refs" / "main";
  if (fs::is_regular_file(ref)) {
    const std::string revision = trimmed_file(ref);
    if (!revision.empty() && fs::is_directory(snapshots / revision)) return snapshots / revision;
    throw std::runtime_error(failed + where + " has refs/main = '" + revision + "' but no folder " +
                             repo + "/snapshots/" + revision);
  }
  // Without refs/main (a cache filled by hand or for another revision) one snapshot is unambiguous.
  const auto dirs = snapshot_dirs(snapshots);
  if (dirs.size() == 1) return dirs.front();
  std::string detail = "(looked for " + repo + "/snapshots/<refs/main>";
  if (!dirs.empty())
    detail += "; refs/main is missing and there are " + std::to_string(dirs.size()) + " snapshots";
  throw std::runtime_error(failed + "not in " + where + " " + detail + ")");
}

}  // namespace embed
