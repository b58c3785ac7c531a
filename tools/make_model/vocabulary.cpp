#include "tools/make_model/vocabulary.h"

#include <string_view>

namespace embed::tools {
namespace {

constexpr std::string_view kWords[] = {
    "the",       "of",       "and",       "to",       "in",       "is",        "was",
    "it",        "for",      "on",        "are",      "as",       "with",      "his",
    "they",      "at",       "be",        "this",     "have",     "from",      "or",
    "one",       "had",      "by",        "word",     "but",      "not",       "what",
    "all",       "were",     "we",        "when",     "your",     "can",       "said",
    "there",     "use",      "an",        "each",     "which",    "she",       "do",
    "how",       "their",    "if",        "will",     "up",       "other",     "about",
    "out",       "many",     "then",      "them",     "these",    "so",        "some",
    "her",       "would",    "make",      "like",     "him",      "into",      "time",
    "has",       "look",     "two",       "more",     "write",    "go",        "see",
    "number",    "no",       "way",       "could",    "people",   "my",        "than",
    "first",     "water",    "been",      "call",     "who",      "oil",       "its",
    "now",       "find",     "long",      "down",     "day",      "did",       "get",
    "come",      "made",     "may",       "part",     "over",     "new",       "sound",
    "take",      "only",     "little",    "work",     "know",     "place",     "year",
    "live",      "me",       "back",      "give",     "most",     "very",      "after",
    "thing",     "our",      "just",      "name",     "good",     "sentence",  "man",
    "think",     "say",      "great",     "where",    "help",     "through",   "much",
    "before",    "line",     "right",     "too",      "mean",     "old",       "any",
    "same",      "tell",     "boy",       "follow",   "came",     "want",      "show",
    "also",      "around",   "form",      "three",    "small",    "set",       "put",
    "end",       "does",     "another",   "well",     "large",    "must",      "big",
    "even",      "such",     "because",   "turn",     "here",     "why",       "ask",
    "went",      "men",      "read",      "need",     "land",     "different", "home",
    "us",        "move",     "try",       "kind",     "hand",     "picture",   "again",
    "change",    "off",      "play",      "spell",    "air",      "away",      "animal",
    "house",     "point",    "page",      "letter",   "mother",   "answer",    "found",
    "study",     "still",    "learn",     "should",   "world",    "high",      "every",
    "near",      "add",      "food",      "between",  "own",      "below",     "country",
    "plant",     "last",     "school",    "father",   "keep",     "tree",      "never",
    "start",     "city",     "earth",     "eye",      "light",    "thought",   "head",
    "under",     "story",    "saw",       "left",     "few",      "while",     "along",
    "might",     "close",    "something", "seem",     "next",     "hard",      "open",
    "example",   "begin",    "life",      "always",   "those",    "both",      "paper",
    "together",  "got",      "group",     "often",    "run",      "important", "until",
    "children",  "side",     "feet",      "car",      "mile",     "night",     "walk",
    "white",     "sea",      "began",     "grow",     "took",     "river",     "four",
    "carry",     "state",    "once",      "book",     "hear",     "stop",      "without",
    "second",    "later",    "miss",      "idea",     "enough",   "eat",       "face",
    "watch",     "far",      "really",    "almost",   "let",      "above",     "girl",
    "sometimes", "mountain", "cut",       "young",    "talk",     "soon",      "list",
    "song",      "being",    "leave",     "family",   "hello",    "embedding", "model",
    "vector",    "search",   "query",     "passage",  "document", "text",      "retrieval",
    "dense",     "sparse",   "token",     "language", "machine",  "learning",  "fast",
    "memory",    "speed",    "quick",     "brown",    "fox",      "jumps",     "lazy",
    "dog",
};

std::vector<std::string> printable_ascii() {
  std::vector<std::string> chars;
  for (char c = '!'; c <= '~'; ++c) chars.emplace_back(1, c);
  return chars;
}

}  // namespace

std::vector<std::string> wordpiece_vocabulary() {
  std::vector<std::string> vocab{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (auto word : kWords) vocab.emplace_back(word);
  for (const auto& c : printable_ascii()) vocab.push_back(c);
  for (const auto& c : printable_ascii()) vocab.push_back("##" + c);
  return vocab;
}

std::vector<UnigramPiece> unigram_vocabulary(size_t size) {
  std::vector<UnigramPiece> pieces{{"<s>", 0}, {"<pad>", 0}, {"</s>", 0}, {"<unk>", 0}};
  // Whole words (with the Metaspace word-start marker) score higher than characters, so known
  // words stay one token.
  for (auto word : kWords) pieces.push_back({"\u2581" + std::string(word), -6.0});
  pieces.push_back({"\u2581", -4.0});
  for (const auto& c : printable_ascii()) pieces.push_back({c, -9.0});
  for (size_t i = 0; pieces.size() + 1 < size; ++i)
    pieces.push_back({"\u2581filler" + std::to_string(i), -20.0});
  pieces.push_back({"<mask>", 0});
  return pieces;
}

}  // namespace embed::tools
