// Bad model folders and bad inputs fail with one-line errors naming the file/tensor/input.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include "engine/model.h"
#include "loaders/safetensors.h"
#include "loaders/safetensors_writer.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

class ModelErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    source_ = test::fixture_model_dir("tiny-bge-m3");
    dir_ = std::filesystem::temp_directory_path() /
           ("embed_model_errors_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::filesystem::copy_file(source_ / "config.json", dir_ / "config.json");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  template <class Edit>
  void write_checkpoint(Edit edit) {
    test::rewrite_checkpoint(source_, dir_, edit);
  }

  // The error of encoding one short input with the folder's model (after write_checkpoint).
  std::string encode_error() {
    const Model model = Model::load(dir_.string());
    const std::vector<std::vector<int32_t>> inputs{{0, 10, 2}};
    try {
      model.encode_ids(inputs);
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }

  std::string load_error() {
    try {
      Model::load(dir_);
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
      return e.what();
    }
    return "(no error)";
  }

  std::filesystem::path source_, dir_;
};

TEST_F(ModelErrors, MissingTensor) {
  write_checkpoint([](TensorToWrite& t) { return t.name != "encoder.layer.1.output.dense.bias"; });
  EXPECT_EQ(load_error(), (dir_ / "model.safetensors").string() +
                              ": missing tensor 'encoder.layer.1.output.dense.bias'");
}

TEST_F(ModelErrors, WrongShapeNamesBothShapes) {
  write_checkpoint([](TensorToWrite& t) {
    if (t.name == "encoder.layer.0.intermediate.dense.weight") {
      t.shape = {64, 128};  // transposed: same byte count, wrong layout
    }
    return true;
  });
  EXPECT_EQ(load_error(), (dir_ / "model.safetensors").string() +
                              ": tensor 'encoder.layer.0.intermediate.dense.weight' has shape "
                              "[64, 128], expected [128, 64]");
}

TEST_F(ModelErrors, UnusableDtype) {
  write_checkpoint([](TensorToWrite& t) {
    if (t.name == "embeddings.LayerNorm.bias") t.dtype = DType::I32;
    return true;
  });
  EXPECT_NE(load_error().find("tensor 'embeddings.LayerNorm.bias' has dtype I32, expected F32"),
            std::string::npos);
}

TEST_F(ModelErrors, MissingConfig) {
  std::filesystem::remove(dir_ / "config.json");
  EXPECT_EQ(load_error(), dir_.string() + ": missing config.json");
}

TEST_F(ModelErrors, MissingCheckpoint) {
  EXPECT_EQ(
      load_error(),
      dir_.string() + ": no model.safetensors, model.safetensors.index.json or pytorch_model.bin");
}

// Output guard: broken weights give an error, never a NaN or all-zero vector.
TEST_F(ModelErrors, NonFiniteOutputIsAnError) {
  std::vector<float> nan_gamma(64, std::numeric_limits<float>::quiet_NaN());
  write_checkpoint([&](TensorToWrite& t) {
    if (t.name == "encoder.layer.1.output.LayerNorm.weight")
      t.data = std::as_bytes(std::span(nan_gamma));
    return true;
  });
  EXPECT_EQ(encode_error(), "input 0: the dense output contains NaN or Inf (broken weights?)");
}

TEST_F(ModelErrors, AllZeroDenseVectorIsAnError) {
  std::vector<float> zeros(64, 0.0f);
  write_checkpoint([&](TensorToWrite& t) {
    if (t.name.starts_with("encoder.layer.1.output.LayerNorm."))
      t.data = std::as_bytes(std::span(zeros));
    return true;
  });
  EXPECT_EQ(encode_error(), "input 0: the dense vector is all zeros");
}

TEST_F(ModelErrors, BadInputs) {
  const Model model = Model::load(source_);
  const auto error_of = [&](std::vector<std::vector<int32_t>> inputs) -> std::string {
    try {
      model.encode_ids(inputs, {.tokens = true});
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error_of({{0, 5, 2}, {0, 8002, 2}}),
            "input 1: token id 8002 at position 1 is outside the vocabulary (vocab_size 8002)");
  EXPECT_EQ(error_of({{0, 2}, std::vector<int32_t>(513, 5)}),
            "input 1: 513 tokens exceed the model's maximum of 512 (max_position_embeddings 514)");
  EXPECT_EQ(error_of({{}}), "input 0: empty token sequence");
  // The longest sequence the position table supports still runs.
  EXPECT_EQ(error_of({std::vector<int32_t>(512, 5)}), "(no error)");
}

}  // namespace
}  // namespace embed
