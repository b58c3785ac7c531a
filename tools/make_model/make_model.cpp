// embed-make-model: writes a random-weight model folder in Hugging Face layout (config.json,
// model.safetensors, tokenizer and sentence-transformers files, BGE-M3 heads), for demos, tests
// and speed work at real shapes. Timings equal those of trained weights of the same shape (with
// the default normal weights; see Spread).
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "loaders/safetensors_writer.h"
#include "tools/make_model/vocabulary.h"

namespace embed::tools {
namespace {

struct Shape {
  std::string model_type;  // "bert" or "xlm-roberta"
  int hidden, layers, heads, intermediate, max_positions, vocab;
  std::string pooling;  // sentence-transformers pooling mode: "mean" or "cls"
  bool bge_m3_heads;
};

Shape preset(const std::string& name) {
  const int wordpiece_size = static_cast<int>(wordpiece_vocabulary().size());
  if (name == "demo") return {"bert", 128, 2, 4, 512, 512, wordpiece_size, "mean", false};
  if (name == "minilm") return {"bert", 384, 6, 12, 1536, 512, 30522, "mean", false};
  if (name == "tiny-m3") return {"xlm-roberta", 64, 2, 4, 128, 514, 1000, "cls", true};
  if (name == "bge-m3") return {"xlm-roberta", 1024, 24, 16, 4096, 8194, 250002, "cls", true};
  throw std::runtime_error("unknown preset '" + name + "' (demo, minilm, tiny-m3, bge-m3)");
}

// splitmix64: a fast, seedable generator; weights only need to be reproducible, not pretty.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  float uniform(float scale) {
    return scale * (static_cast<float>(next() >> 40) / 8388608.0f - 1.0f);
  }
  // N(0, sigma²) by Box-Muller, from a uniform in (0, 1] and one in [0, 1).
  float normal(float sigma) {
    const double radius =
        std::sqrt(-2.0 * std::log(static_cast<double>((next() >> 11) + 1) * 0x1p-53));
    const double angle = 2.0 * std::numbers::pi * static_cast<double>(next() >> 11) * 0x1p-53;
    return sigma * static_cast<float>(radius * std::cos(angle));
  }

 private:
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t state_;
};

// How the linear layers' weights spread: normal with BERT's initializer_range (σ = 0.02), as
// trained weights roughly are, or uniform in ±1/√in (σ ≈ 0.018 at 1024 inputs, but flat: no value
// past 1.7σ). Flat weights fill far more of INT8's range: they quantize more exactly, and the AVX2
// INT8 GEMM packs them for its slower single steps (kernels/panel_gemm.h).
enum class Spread { Normal, Uniform };

// Holds every tensor's bytes until the file is written.
class TensorSet {
 public:
  TensorSet(DType dtype, Random& random, Spread linear_spread)
      : dtype_(dtype), random_(random), linear_spread_(linear_spread) {}

  // Values offset + uniform in [-scale, scale), or offset + N(0, scale²) for Spread::Normal.
  void add(const std::string& name, std::vector<int64_t> shape, float scale, float offset = 0,
           Spread spread = Spread::Uniform) {
    size_t count = 1;
    for (auto d : shape) count *= static_cast<size_t>(d);
    std::vector<std::byte> bytes(count * dtype_size(dtype_));
    for (size_t i = 0; i < count; ++i) {
      const float value =
          offset + (spread == Spread::Normal ? random_.normal(scale) : random_.uniform(scale));
      if (dtype_ == DType::F32) {
        std::memcpy(bytes.data() + 4 * i, &value, 4);
      } else {
        const uint16_t half =
            dtype_ == DType::BF16 ? float_to_bfloat16(value) : float_to_half(value);
        std::memcpy(bytes.data() + 2 * i, &half, 2);
      }
    }
    storage_.push_back(std::move(bytes));
    tensors_.push_back({name, dtype_, std::move(shape), {}});
  }

  // An nn.Linear; an empty scope gives the bare `weight` / `bias` names of a head file.
  void linear(const std::string& scope, int out, int in) {
    const std::string prefix = scope.empty() ? "" : scope + ".";
    const float scale = linear_spread_ == Spread::Normal ? 0.02f : 1.0f / std::sqrt(float(in));
    add(prefix + "weight", {out, in}, scale, 0, linear_spread_);
    add(prefix + "bias", {out}, 0.02f);
  }

  void layer_norm(const std::string& scope, int hidden) {
    add(scope + ".weight", {hidden}, 0.1f, 1.0f);
    add(scope + ".bias", {hidden}, 0.02f);
  }

  void write(const std::filesystem::path& path) {
    for (size_t i = 0; i < tensors_.size(); ++i) tensors_[i].data = storage_[i];
    write_safetensors(path, tensors_, {{"format", "pt"}});
  }

 private:
  DType dtype_;
  Random& random_;
  Spread linear_spread_;
  std::vector<std::vector<std::byte>> storage_;
  std::vector<TensorToWrite> tensors_;
};

void write_json(const std::filesystem::path& path, const nlohmann::ordered_json& json) {
  std::ofstream out(path);
  out << json.dump(2) << "\n";
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

void write_config(const std::filesystem::path& dir, const Shape& shape) {
  const bool xlmr = shape.model_type == "xlm-roberta";
  nlohmann::ordered_json config{
      {"architectures", {xlmr ? "XLMRobertaModel" : "BertModel"}},
      {"model_type", shape.model_type},
      {"hidden_size", shape.hidden},
      {"num_hidden_layers", shape.layers},
      {"num_attention_heads", shape.heads},
      {"intermediate_size", shape.intermediate},
      {"hidden_act", "gelu"},
      {"max_position_embeddings", shape.max_positions},
      {"type_vocab_size", xlmr ? 1 : 2},
      {"layer_norm_eps", xlmr ? 1e-5 : 1e-12},
      {"pad_token_id", xlmr ? 1 : 0},
      {"vocab_size", shape.vocab},
      {"position_embedding_type", "absolute"},
  };
  write_json(dir / "config.json", config);
}

void write_weights(const std::filesystem::path& dir, const Shape& shape, DType dtype, Spread spread,
                   uint64_t seed) {
  Random random(seed);
  TensorSet set(dtype, random, spread);
  const bool xlmr = shape.model_type == "xlm-roberta";
  set.add("embeddings.word_embeddings.weight", {shape.vocab, shape.hidden}, 0.5f);
  set.add("embeddings.position_embeddings.weight", {shape.max_positions, shape.hidden}, 0.5f);
  set.add("embeddings.token_type_embeddings.weight", {xlmr ? 1 : 2, shape.hidden}, 0.5f);
  set.layer_norm("embeddings.LayerNorm", shape.hidden);
  for (int i = 0; i < shape.layers; ++i) {
    const std::string layer = "encoder.layer." + std::to_string(i);
    for (const char* projection : {"query", "key", "value"})
      set.linear(layer + ".attention.self." + projection, shape.hidden, shape.hidden);
    set.linear(layer + ".attention.output.dense", shape.hidden, shape.hidden);
    set.layer_norm(layer + ".attention.output.LayerNorm", shape.hidden);
    set.linear(layer + ".intermediate.dense", shape.intermediate, shape.hidden);
    set.linear(layer + ".output.dense", shape.hidden, shape.intermediate);
    set.layer_norm(layer + ".output.LayerNorm", shape.hidden);
  }
  set.write(dir / "model.safetensors");

  if (shape.bge_m3_heads) {
    TensorSet colbert(DType::F32, random, spread);
    colbert.linear("", shape.hidden, shape.hidden);
    colbert.write(dir / "colbert_linear.safetensors");
    TensorSet sparse(DType::F32, random, spread);
    sparse.linear("", 1, shape.hidden);
    sparse.write(dir / "sparse_linear.safetensors");
  }
}

void write_wordpiece_tokenizer(const std::filesystem::path& dir, int vocab_size) {
  std::ofstream vocab(dir / "vocab.txt");
  const auto entries = wordpiece_vocabulary();
  for (const auto& entry : entries) vocab << entry << "\n";
  // Reserved entries pad the table to the preset's vocabulary size, as BERT's [unusedN] do.
  for (int i = static_cast<int>(entries.size()); i < vocab_size; ++i)
    vocab << "[unused" << i << "]\n";
  write_json(dir / "tokenizer_config.json", {{"do_lower_case", true},
                                             {"tokenize_chinese_chars", true},
                                             {"strip_accents", nullptr},
                                             {"model_max_length", 512},
                                             {"tokenizer_class", "BertTokenizer"}});
  write_json(dir / "special_tokens_map.json", {{"cls_token", "[CLS]"},
                                               {"sep_token", "[SEP]"},
                                               {"pad_token", "[PAD]"},
                                               {"unk_token", "[UNK]"},
                                               {"mask_token", "[MASK]"}});
}

void write_unigram_tokenizer(const std::filesystem::path& dir, int vocab_size) {
  const auto pieces = unigram_vocabulary(static_cast<size_t>(vocab_size));
  nlohmann::ordered_json vocab = nlohmann::ordered_json::array();
  for (const auto& p : pieces) vocab.push_back({p.piece, p.score});
  nlohmann::ordered_json added = nlohmann::ordered_json::array();
  const std::pair<int, std::string> specials[] = {
      {0, "<s>"}, {1, "<pad>"}, {2, "</s>"}, {3, "<unk>"}, {vocab_size - 1, "<mask>"}};
  for (const auto& [id, content] : specials)
    added.push_back({{"id", id},
                     {"content", content},
                     {"single_word", false},
                     {"lstrip", content == "<mask>"},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  const nlohmann::ordered_json metaspace{{"type", "Metaspace"},
                                         {"replacement", "\u2581"},
                                         {"prepend_scheme", "always"},
                                         {"split", true}};
  nlohmann::ordered_json tokenizer{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Strip"}, {"strip_left", false}, {"strip_right", true}},
          {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", "\u2581"}}}}}},
      {"pre_tokenizer", metaspace},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single",
         {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
          {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
        {"pair",
         {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
          {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}},
          {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}},
          {{"Sequence", {{"id", "B"}, {"type_id", 0}}}},
          {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
        {"special_tokens",
         {{"<s>", {{"id", "<s>"}, {"ids", {0}}, {"tokens", {"<s>"}}}},
          {"</s>", {{"id", "</s>"}, {"ids", {2}}, {"tokens", {"</s>"}}}}}}}},
      {"decoder", metaspace},
      {"model", {{"type", "Unigram"}, {"unk_id", 3}, {"vocab", vocab}, {"byte_fallback", false}}},
  };
  std::ofstream(dir / "tokenizer.json") << tokenizer.dump() << "\n";
  write_json(dir / "special_tokens_map.json", {{"bos_token", "<s>"},
                                               {"eos_token", "</s>"},
                                               {"cls_token", "<s>"},
                                               {"sep_token", "</s>"},
                                               {"pad_token", "<pad>"},
                                               {"unk_token", "<unk>"},
                                               {"mask_token", "<mask>"}});
}

void write_sentence_transformers(const std::filesystem::path& dir, const Shape& shape) {
  write_json(dir / "modules.json", {{{"idx", 0},
                                     {"name", "0"},
                                     {"path", ""},
                                     {"type", "sentence_transformers.models.Transformer"}},
                                    {{"idx", 1},
                                     {"name", "1"},
                                     {"path", "1_Pooling"},
                                     {"type", "sentence_transformers.models.Pooling"}},
                                    {{"idx", 2},
                                     {"name", "2"},
                                     {"path", "2_Normalize"},
                                     {"type", "sentence_transformers.models.Normalize"}}});
  std::filesystem::create_directories(dir / "1_Pooling");
  write_json(dir / "1_Pooling" / "config.json",
             {{"word_embedding_dimension", shape.hidden},
              {"pooling_mode_cls_token", shape.pooling == "cls"},
              {"pooling_mode_mean_tokens", shape.pooling == "mean"},
              {"pooling_mode_max_tokens", false},
              {"pooling_mode_mean_sqrt_len_tokens", false},
              {"pooling_mode_weightedmean_tokens", false},
              {"pooling_mode_lasttoken", false},
              {"include_prompt", true}});
  const bool xlmr = shape.model_type == "xlm-roberta";
  write_json(dir / "sentence_bert_config.json",
             {{"max_seq_length", xlmr ? shape.max_positions - 2 : shape.max_positions},
              {"do_lower_case", false}});
}

}  // namespace
}  // namespace embed::tools

int main(int argc, char** argv) {
  using namespace embed::tools;
  CLI::App app{"Writes a random-weight embedding model in Hugging Face layout"};
  std::string preset_name = "demo", out, dtype_name = "f32", weights = "normal";
  uint64_t seed = 42;
  int layers = 0;
  app.add_option("--preset", preset_name,
                 "demo (tiny BERT), minilm (all-MiniLM-L6-v2 shape), tiny-m3 (tiny XLM-R with "
                 "BGE-M3 heads), bge-m3 (BGE-M3 shape, ~2.3 GB in f32)")
      ->capture_default_str();
  app.add_option("--out", out, "Output folder (created)")->required();
  app.add_option("--dtype", dtype_name, "Weight dtype: f32, f16 or bf16")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}))
      ->capture_default_str();
  app.add_option("--weights", weights,
                 "Linear weights: normal (σ 0.02, as trained weights roughly spread; timings are "
                 "a trained model's) or uniform (±1/√inputs: flatter, quantizes more exactly)")
      ->check(CLI::IsMember({"normal", "uniform"}))
      ->capture_default_str();
  app.add_option("--seed", seed, "Random seed")->capture_default_str();
  app.add_option("--layers", layers, "Override the preset's layer count")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    Shape shape = preset(preset_name);
    if (layers > 0) shape.layers = layers;
    const embed::DType dtype = dtype_name == "f16"    ? embed::DType::F16
                               : dtype_name == "bf16" ? embed::DType::BF16
                                                      : embed::DType::F32;
    const std::filesystem::path dir(out);
    std::filesystem::create_directories(dir);
    write_config(dir, shape);
    write_weights(dir, shape, dtype, weights == "uniform" ? Spread::Uniform : Spread::Normal, seed);
    if (shape.model_type == "bert")
      write_wordpiece_tokenizer(dir, shape.vocab);
    else
      write_unigram_tokenizer(dir, shape.vocab);
    write_sentence_transformers(dir, shape);
    std::printf("wrote %s model to %s\n", preset_name.c_str(), dir.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed-make-model: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
