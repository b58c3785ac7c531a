// INT8 and BF16 accuracy gates on a random-weight model of BGE-M3's real shape (24 layers,
// hidden 1024, 16 heads, FFN 4096, vocab 250002, 8194 positions), made by embed-make-model and
// quantized by `embed quantize`. Also the INT8 folder-size gate (≤ 30% of FP32).
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

TEST(BgeM3ShapeAccuracy, Int8AndBf16MeetTheGates) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("embed_bge_m3_shape_" + std::to_string(::getpid()));
  const auto fp32_dir = dir / "fp32", int8_dir = dir / "int8";
  const std::string make = std::string(EMBED_MAKE_MODEL_PATH) + " --preset bge-m3 --out " +
                           fp32_dir.string() + " > /dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
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

  test::expect_int8_gates(test::measure_gates(reference, int8), "bge-m3 shape");
  test::expect_bf16_gates(test::measure_gates(reference, bf16), "bge-m3 shape");
}

}  // namespace
}  // namespace embed
