#pragma once
// Reader of HF tokenizer.json (written compact or pretty). Supported components: normalizers
// BertNormalizer, Precompiled, Strip, Replace and Sequence of them; pre-tokenizers
// BertPreTokenizer and Metaspace (both field generations); models Unigram and WordPiece;
// post-processors TemplateProcessing and BertProcessing. `truncation` and `padding` are ignored.
// Anything else is an error naming the component.
#include <filesystem>
#include <string_view>

#include "loaders/tokenizer_spec.h"

namespace embed {

TokenizerSpec load_tokenizer_json(const std::filesystem::path& path);
// `source` names the text in error messages.
TokenizerSpec parse_tokenizer_json(std::string_view json, const std::filesystem::path& source);

}  // namespace embed
