// INT8 and BF16 accuracy gates on random-weight models of BGE-M3's real shape (24 layers, hidden
// 1024, 16 heads, FFN 4096, vocab 250002, 8194 positions), made by embed-make-model with uniform
// and with normal weights and quantized by `embed quantize`. Also the INT8 folder-size gate (≤ 30%
// of FP32).
#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/quantize.h"
#include "tests/engine/quantization_gates.h"
#include "tests/test_support.h"

namespace embed {
namespace {

// 40 deterministic texts of 1 to ~400 words from the generated model's own vocabulary.
std::vector<std::string> sample_texts() {
  const char* words[] = {"the",      "search",  "vector", "model",    "quick", "brown",
                         "fox",      "memory",  "speed",  "document", "query", "retrieval",
                         "language", "machine", "river",  "mountain", "book",  "family"};
  std::vector<std::string> texts;
  uint32_t state = 7;
  for (size_t i = 0; i < 40; ++i) {
    const size_t length = i == 39 ? 400 : 1 + (i * 7) % 37;
    std::string text;
    for (size_t w = 0; w < length; ++w) {
      state = state * 1664525u + 1013904223u;
      text += std::string(w ? " " : "") + words[(state >> 16) % std::size(words)];
    }
    texts.push_back(text + (i % 3 == 0 ? "." : ""));
  }
  return texts;
}

// INT8 and BF16 outputs of a BGE-M3-shaped model with `weights` spread (embed-make-model
// --weights), against its FP32 outputs.
struct Measured {
  test::GateFigures int8, bf16;
};

Measured measure(const std::string& weights) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("embed_bge_m3_shape_" + weights + "_" + std::to_string(::getpid()));
  const auto fp32_dir = dir / "fp32", int8_dir = dir / "int8";
  const std::string make = std::string(EMBED_MAKE_MODEL_PATH) + " --preset bge-m3 --weights " +
                           weights + " --out " + fp32_dir.string() + " > /dev/null";
  EXPECT_EQ(std::system(make.c_str()), 0) << make;
  const QuantizeReport report = quantize_model(fp32_dir.string(), int8_dir);
  std::printf("[gates] bge-m3 shape: weights %.1f MB -> %.1f MB (%.1f%%)\n",
              report.source_bytes / 1e6, report.output_bytes / 1e6,
              100.0 * report.output_bytes / report.source_bytes);
  EXPECT_LE(report.output_bytes, report.source_bytes * 0.30);

  const auto texts = sample_texts();
  const EncodeOptions all{.sparse = true, .colbert = true};
  const auto reference = Model::load(fp32_dir.string()).encode(texts, all);
  const auto int8 = Model::load(int8_dir.string()).encode(texts, all);
  const auto bf16 =
      Model::load(fp32_dir.string(), {.compute = ComputeType::BF16}).encode(texts, all);
  std::filesystem::remove_all(dir);
  return {test::measure_gates(reference, int8), test::measure_gates(reference, bf16)};
}

// Uniform weights, flat ones (no value past 1.7σ), hold the gates set for the fixtures.
TEST(BgeM3ShapeAccuracy, UniformWeightsMeetTheGates) {
  const Measured m = measure("uniform");
  test::expect_int8_gates(m.int8, "bge-m3 shape, uniform weights");
  test::expect_bf16_gates(m.bf16, "bge-m3 shape, uniform weights");
}

// Normal weights (σ 0.02), spread as trained ones roughly are, quantize less exactly: per-channel
// INT8 steps are set by each channel's largest weight, ~3.3σ among 1024 rather than 1.7σ. Held to
// the project's standard. On the AVX2 EPYC (7-bit activations) INT8 gave dense min 0.99799, mean
// 0.998652, ColBERT 0.99877, lexical top-10 75.0%, and BF16 0.999967.
TEST(BgeM3ShapeAccuracy, NormalWeightsMeetTheStandard) {
  const Measured m = measure("normal");
  test::expect_int8_standard(m.int8, "bge-m3 shape, normal weights");
  test::expect_bf16_gates(m.bf16, "bge-m3 shape, normal weights");
}

}  // namespace
}  // namespace embed
