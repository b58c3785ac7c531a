#include "loaders/tokenizer_json.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "loaders/file_contents.h"
#include "loaders/json_file.h"

namespace embed {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(const std::filesystem::path& source) : source_(source.string()) {}

  [[noreturn]] void fail(const std::string& field, const std::string& message) const {
    throw std::runtime_error(source_ + ": " + field + ": " + message);
  }

  const json& member(const json& object, const char* key, const std::string& field) const {
    auto it = object.find(key);
    if (it == object.end()) fail(field, std::string("missing \"") + key + "\"");
    return *it;
  }

  std::string string(const json& object, const char* key, const std::string& field) const {
    const json& value = member(object, key, field);
    if (!value.is_string()) fail(field + "." + key, "expected a string");
    return value.get<std::string>();
  }

  bool boolean(const json& object, const char* key, const std::string& field, bool fallback) const {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(field + "." + key, "expected true or false");
    return it->get<bool>();
  }

  int64_t integer(const json& value, const std::string& field) const {
    if (!value.is_number_integer()) fail(field, "expected an integer");
    return value.get<int64_t>();
  }

  std::string type_of(const json& object, const std::string& field) const {
    if (!object.is_object()) fail(field, "expected an object");
    return string(object, "type", field);
  }

  void normalizer(const json& node, const std::string& field, TokenizerSpec& spec) const;
  void pre_tokenizer(const json& node, TokenizerSpec& spec) const;
  void model(const json& node, TokenizerSpec& spec) const;
  void post_processor(const json& node, TokenizerSpec& spec) const;
  void added_tokens(const json& node, TokenizerSpec& spec) const;

 private:
  std::string source_;
};

std::vector<uint8_t> decode_base64(const std::string& text, bool& ok) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  int bits = 0;
  ok = true;
  size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    int v = value(text[i]);
    if (v < 0) {
      ok = false;
      return {};
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
    }
  }
  for (; i < text.size(); ++i) ok = ok && text[i] == '=';
  return out;
}

void Reader::normalizer(const json& node, const std::string& field, TokenizerSpec& spec) const {
  if (node.is_null()) return;
  const std::string type = type_of(node, field);
  TokenizerNormalizerSpec n;
  if (type == "Sequence") {
    const json& list = member(node, "normalizers", field);
    if (!list.is_array()) fail(field + ".normalizers", "expected an array");
    for (size_t i = 0; i < list.size(); ++i)
      normalizer(list[i], field + ".normalizers[" + std::to_string(i) + "]", spec);
    return;
  }
  if (type == "BertNormalizer") {
    n.kind = TokenizerNormalizerSpec::Kind::kBert;
    n.clean_text = boolean(node, "clean_text", field, true);
    n.handle_chinese_chars = boolean(node, "handle_chinese_chars", field, true);
    n.lowercase = boolean(node, "lowercase", field, true);
    auto it = node.find("strip_accents");
    if (it != node.end() && !it->is_null())
      n.strip_accents = boolean(node, "strip_accents", field, true);
  } else if (type == "Precompiled") {
    n.kind = TokenizerNormalizerSpec::Kind::kPrecompiled;
    const json& blob = member(node, "precompiled_charsmap", field);
    if (blob.is_null()) return;  // an empty map normalizes nothing
    if (!blob.is_string()) fail(field + ".precompiled_charsmap", "expected a base64 string");
    bool ok = false;
    n.precompiled_charsmap = decode_base64(blob.get<std::string>(), ok);
    if (!ok) fail(field + ".precompiled_charsmap", "invalid base64");
    if (n.precompiled_charsmap.empty()) return;
  } else if (type == "Strip") {
    n.kind = TokenizerNormalizerSpec::Kind::kStrip;
    n.strip_left = boolean(node, "strip_left", field, false);
    n.strip_right = boolean(node, "strip_right", field, false);
  } else if (type == "Replace") {
    n.kind = TokenizerNormalizerSpec::Kind::kReplace;
    const json& pattern = member(node, "pattern", field);
    if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string()) {
      n.pattern = pattern["String"].get<std::string>();
    } else if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
      n.pattern = pattern["Regex"].get<std::string>();
      n.pattern_is_regex = true;
    } else {
      fail(field + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }
    n.content = string(node, "content", field);
  } else {
    fail(field, "unsupported normalizer type \"" + type + "\"");
  }
  spec.normalizers.push_back(std::move(n));
}

void Reader::pre_tokenizer(const json& node, TokenizerSpec& spec) const {
  const std::string field = "pre_tokenizer";
  if (node.is_null()) return;
  std::string type = type_of(node, field);
  auto& p = spec.pre_tokenizer;
  if (type == "BertPreTokenizer") {
    p.kind = TokenizerPreTokenizerSpec::Kind::kBert;
  } else if (type == "Metaspace") {
    p.kind = TokenizerPreTokenizerSpec::Kind::kMetaspace;
    p.replacement = string(node, "replacement", field);
    if (p.replacement.empty() || p.replacement == " ")
      fail(field + ".replacement", "expected one non-space character");
    // Older files carry add_prefix_space (true = always, false = never); newer ones
    // prepend_scheme and split.
    p.prepend_scheme = "always";
    auto scheme = node.find("prepend_scheme");
    if (scheme != node.end() && !scheme->is_null()) {
      p.prepend_scheme = string(node, "prepend_scheme", field);
      if (p.prepend_scheme != "always" && p.prepend_scheme != "first" &&
          p.prepend_scheme != "never")
        fail(field + ".prepend_scheme",
             "expected always, first or never, got \"" + p.prepend_scheme + "\"");
    }
    if (!boolean(node, "add_prefix_space", field, true)) p.prepend_scheme = "never";
    p.split = boolean(node, "split", field, true);
  } else {
    fail(field, "unsupported pre-tokenizer type \"" + type + "\"");
  }
}

void Reader::model(const json& node, TokenizerSpec& spec) const {
  const std::string field = "model";
  if (!node.is_object()) fail(field, "expected an object");
  std::string type;
  if (node.contains("type")) {
    type = string(node, "type", field);
  } else if (node.contains("vocab") && node["vocab"].is_array()) {
    type = "Unigram";  // files of old versions leave the model type out
  } else if (node.contains("continuing_subword_prefix") && !node.contains("merges")) {
    type = "WordPiece";
  } else {
    fail(field, "model without \"type\" that is neither Unigram nor WordPiece");
  }
  auto& m = spec.model;
  if (type == "Unigram") {
    m.kind = TokenizerModelSpec::Kind::kUnigram;
    const json& vocab = member(node, "vocab", field);
    if (!vocab.is_array() || vocab.empty()) fail(field + ".vocab", "expected a non-empty array");
    m.unigram_vocab.reserve(vocab.size());
    for (size_t i = 0; i < vocab.size(); ++i) {
      const json& entry = vocab[i];
      if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number())
        fail(field + ".vocab[" + std::to_string(i) + "]", "expected [piece, score]");
      m.unigram_vocab.emplace_back(entry[0].get<std::string>(), entry[1].get<double>());
    }
    const json& unk = member(node, "unk_id", field);
    if (unk.is_null()) fail(field + ".unk_id", "a Unigram model without unk_id is not supported");
    m.unk_id = static_cast<int32_t>(integer(unk, field + ".unk_id"));
    if (m.unk_id < 0 || static_cast<size_t>(m.unk_id) >= m.unigram_vocab.size())
      fail(field + ".unk_id", "outside the vocabulary");
    if (boolean(node, "byte_fallback", field, false))
      fail(field + ".byte_fallback", "byte_fallback is not supported");
  } else if (type == "WordPiece") {
    m.kind = TokenizerModelSpec::Kind::kWordPiece;
    const json& vocab = member(node, "vocab", field);
    if (!vocab.is_object() || vocab.empty()) fail(field + ".vocab", "expected a non-empty object");
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      int64_t id = integer(it.value(), field + ".vocab[\"" + it.key() + "\"]");
      if (id < 0 || id > 100000000) fail(field + ".vocab[\"" + it.key() + "\"]", "bad id");
      if (static_cast<size_t>(id) >= m.wordpiece_vocab.size()) m.wordpiece_vocab.resize(id + 1);
      m.wordpiece_vocab[id] = it.key();
    }
    m.unk_token = string(node, "unk_token", field);
    if (node.contains("continuing_subword_prefix") && !node["continuing_subword_prefix"].is_null())
      m.continuing_subword_prefix = string(node, "continuing_subword_prefix", field);
    if (node.contains("max_input_chars_per_word")) {
      int64_t max = integer(node["max_input_chars_per_word"], field + ".max_input_chars_per_word");
      if (max < 0) fail(field + ".max_input_chars_per_word", "negative");
      m.max_input_chars_per_word = static_cast<size_t>(max);
    }
  } else {
    fail(field, "unsupported model type \"" + type + "\" (supported: Unigram, WordPiece)");
  }
}

void Reader::post_processor(const json& node, TokenizerSpec& spec) const {
  const std::string field = "post_processor";
  if (node.is_null()) return;
  std::string type = type_of(node, field);
  if (type == "BertProcessing") {
    auto token = [&](const char* key) {
      const json& pair = member(node, key, field);
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string())
        fail(field + "." + key, "expected [token, id]");
      TokenizerTemplatePieceSpec piece;
      piece.tokens = {pair[0].get<std::string>()};
      piece.ids = {static_cast<int32_t>(integer(pair[1], field + "." + key))};
      return piece;
    };
    TokenizerTemplatePieceSpec cls = token("cls"), sep = token("sep");
    TokenizerTemplatePieceSpec a{0, {}, {}, 0}, b{1, {}, {}, 1}, sep1 = sep;
    sep1.type_id = 1;
    spec.single = {cls, a, sep};
    spec.pair = {cls, a, sep, b, sep1};
    return;
  }
  if (type != "TemplateProcessing") fail(field, "unsupported post-processor type \"" + type + "\"");
  const json& specials = member(node, "special_tokens", field);
  if (!specials.is_object()) fail(field + ".special_tokens", "expected an object");
  auto parse = [&](const char* key) {
    const json& list = member(node, key, field);
    if (!list.is_array()) fail(field + "." + key, "expected an array");
    std::vector<TokenizerTemplatePieceSpec> pieces;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = field + "." + key + "[" + std::to_string(i) + "]";
      const json& item = list[i];
      TokenizerTemplatePieceSpec piece;
      if (item.is_object() && item.contains("Sequence")) {
        const json& seq = item["Sequence"];
        std::string id = string(seq, "id", where + ".Sequence");
        if (id != "A" && id != "B") fail(where + ".Sequence.id", "expected \"A\" or \"B\"");
        piece.sequence = id == "A" ? 0 : 1;
        piece.type_id =
            static_cast<int32_t>(integer(member(seq, "type_id", where), where + ".type_id"));
      } else if (item.is_object() && item.contains("SpecialToken")) {
        const json& tok = item["SpecialToken"];
        std::string id = string(tok, "id", where + ".SpecialToken");
        piece.type_id =
            static_cast<int32_t>(integer(member(tok, "type_id", where), where + ".type_id"));
        auto it = specials.find(id);
        if (it == specials.end())
          fail(where, "special token \"" + id + "\" is not in special_tokens");
        const std::string sfield = field + ".special_tokens[\"" + id + "\"]";
        const json& ids = member(*it, "ids", sfield);
        const json& tokens = member(*it, "tokens", sfield);
        if (!ids.is_array() || !tokens.is_array() || ids.size() != tokens.size())
          fail(sfield, "ids and tokens must be arrays of the same length");
        for (size_t k = 0; k < ids.size(); ++k) {
          piece.ids.push_back(static_cast<int32_t>(integer(ids[k], sfield + ".ids")));
          if (!tokens[k].is_string()) fail(sfield + ".tokens", "expected strings");
          piece.tokens.push_back(tokens[k].get<std::string>());
        }
      } else {
        fail(where, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
      pieces.push_back(std::move(piece));
    }
    return pieces;
  };
  spec.single = parse("single");
  spec.pair = parse("pair");
}

void Reader::added_tokens(const json& node, TokenizerSpec& spec) const {
  const std::string field = "added_tokens";
  if (node.is_null()) return;
  if (!node.is_array()) fail(field, "expected an array");
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string where = field + "[" + std::to_string(i) + "]";
    const json& item = node[i];
    if (!item.is_object()) fail(where, "expected an object");
    TokenizerAddedTokenSpec t;
    t.id = static_cast<int32_t>(integer(member(item, "id", where), where + ".id"));
    t.content = string(item, "content", where);
    t.single_word = boolean(item, "single_word", where, false);
    t.lstrip = boolean(item, "lstrip", where, false);
    t.rstrip = boolean(item, "rstrip", where, false);
    t.special = boolean(item, "special", where, false);
    t.normalized = boolean(item, "normalized", where, !t.special);
    spec.added_tokens.push_back(std::move(t));
  }
}

}  // namespace

TokenizerSpec parse_tokenizer_json(std::string_view text, const std::filesystem::path& source) {
  const json root = parse_json_text(text, source.string());
  Reader reader(source);
  if (!root.is_object()) reader.fail("(root)", "expected an object");
  TokenizerSpec spec;
  spec.source = source;
  reader.added_tokens(root.value("added_tokens", json()), spec);
  reader.normalizer(root.value("normalizer", json()), "normalizer", spec);
  reader.pre_tokenizer(root.value("pre_tokenizer", json()), spec);
  reader.model(reader.member(root, "model", "(root)"), spec);
  reader.post_processor(root.value("post_processor", json()), spec);
  return spec;
}

TokenizerSpec load_tokenizer_json(const std::filesystem::path& path) {
  return parse_tokenizer_json(read_file_contents(path), path);
}

}  // namespace embed
