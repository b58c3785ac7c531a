#pragma once
// Where a model lives: a folder given as is, or a Hugging Face hub name (ORG/NAME) found in the
// local Hugging Face cache, the way `huggingface_hub` lays it out. Nothing is downloaded.
#include <filesystem>
#include <string>

namespace embed {

// An existing folder is returned unchanged. Otherwise ORG/NAME resolves to
// <cache>/models--ORG--NAME/snapshots/<refs/main>, where <cache> is $HF_HUB_CACHE, else
// $HF_HOME/hub, else $HOME/.cache/huggingface/hub; without refs/main a single snapshot is used.
// Throws std::runtime_error (one line: what was tried and where) when neither applies.
std::filesystem::path resolve_model_path(const std::string& name_or_path);

}  // namespace embed
