// The same weights stored differently load to the same model: `bert.`/`roberta.` prefixes,
// sharded checkpoints, PyTorch's pytorch_model.bin, and F16 / BF16 tensors (widened once at load).
#include <gtest/gtest.h>

#include <fstream>

#include "engine/model.h"
#include "engine/quantize.h"
#include "loaders/safetensors.h"
#include "loaders/safetensors_writer.h"
#include "tests/fixture_models.h"
#include "tests/torch_zip_writer.h"

namespace embed {
namespace {

class CheckpointVariants : public ::testing::Test {
 protected:
  void SetUp() override {
    EMBED_REQUIRE_FIXTURES();
    source_ = test::fixture_model_dir("tiny-bge-m3");
    expected_ = test::load_expected("tiny-bge-m3");
    inputs_ = test::expected_input_ids(expected_);
    inputs_.resize(6);
    file_ = SafetensorsFile::open(source_ / "model.safetensors");
  }

  std::filesystem::path make_dir(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("embed_variant_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(source_ / "config.json", dir / "config.json");
    dirs_.push_back(dir);
    return dir;
  }

  // BGE-M3's heads as BAAI ships them, so that the folder's parameter count and space id match
  // the source's.
  void copy_heads(const std::filesystem::path& dir) const {
    for (const char* head : {"colbert_linear.pt", "sparse_linear.pt"})
      std::filesystem::copy_file(source_ / head, dir / head);
  }

  void TearDown() override {
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir);
  }

  std::vector<Embedding> run(const std::filesystem::path& dir) {
    return Model::load(dir.string()).encode_ids(inputs_, {.tokens = true});
  }

  // Every tensor narrowed to `dtype` bits, and an F32 twin holding exactly the narrowed values.
  void write_narrowed(DType dtype, const std::filesystem::path& narrow_dir,
                      const std::filesystem::path& twin_dir) {
    std::vector<std::vector<uint16_t>> bits;
    std::vector<std::vector<float>> widened;
    std::vector<TensorToWrite> narrow, twin;
    for (const auto& view : file_->tensors()) {
      const auto* values = reinterpret_cast<const float*>(view.data);
      auto& b = bits.emplace_back(view.numel());
      auto& w = widened.emplace_back(view.numel());
      for (size_t i = 0; i < b.size(); ++i) {
        b[i] = dtype == DType::F16 ? float_to_half(values[i]) : float_to_bfloat16(values[i]);
        w[i] = dtype == DType::F16 ? half_to_float(b[i]) : bfloat16_to_float(b[i]);
      }
    }
    for (size_t i = 0; i < file_->tensors().size(); ++i) {
      const auto& view = file_->tensors()[i];
      narrow.push_back({view.name, dtype, view.shape, std::as_bytes(std::span(bits[i]))});
      twin.push_back({view.name, DType::F32, view.shape, std::as_bytes(std::span(widened[i]))});
    }
    write_safetensors(narrow_dir / "model.safetensors", narrow);
    write_safetensors(twin_dir / "model.safetensors", twin);
  }

  static void expect_equal(const std::vector<Embedding>& a, const std::vector<Embedding>& b,
                           float tolerance) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].tokens.values.size(), b[i].tokens.values.size());
      for (size_t j = 0; j < a[i].tokens.values.size(); ++j)
        ASSERT_NEAR(a[i].tokens.values[j], b[i].tokens.values[j], tolerance) << i;
    }
  }

  std::filesystem::path source_;
  nlohmann::json expected_;
  std::vector<std::vector<int32_t>> inputs_;
  std::shared_ptr<const SafetensorsFile> file_;
  std::vector<std::filesystem::path> dirs_;
};

TEST_F(CheckpointVariants, PrefixedTensorNames) {
  const auto dir = make_dir("prefixed");
  std::vector<TensorToWrite> tensors;
  for (const auto& view : file_->tensors())
    tensors.push_back({"roberta." + view.name, view.dtype, view.shape, {view.data, view.nbytes}});
  write_safetensors(dir / "model.safetensors", tensors);
  expect_equal(run(dir), run(source_), 0.0f);
}

TEST_F(CheckpointVariants, ShardedCheckpoint) {
  const auto dir = make_dir("sharded");
  std::vector<TensorToWrite> first, second;
  nlohmann::json weight_map;
  for (const auto& view : file_->tensors()) {
    const bool in_first = view.name.starts_with("embeddings.");
    (in_first ? first : second)
        .push_back({view.name, view.dtype, view.shape, {view.data, view.nbytes}});
    weight_map[view.name] = in_first ? "part-1.safetensors" : "part-2.safetensors";
  }
  write_safetensors(dir / "part-1.safetensors", first);
  write_safetensors(dir / "part-2.safetensors", second);
  std::ofstream(dir / "model.safetensors.index.json") << nlohmann::json{{"weight_map", weight_map}};
  expect_equal(run(dir), run(source_), 0.0f);
}

// BAAI/bge-m3 ships pytorch_model.bin only. Laid out as torch.save writes it (every storage
// 64-byte aligned: read in place), and with unaligned storages (copied): the same outputs.
TEST_F(CheckpointVariants, PytorchModelBin) {
  for (const bool aligned : {true, false}) {
    SCOPED_TRACE(aligned ? "aligned" : "unaligned");
    const auto dir = make_dir(aligned ? "torch_aligned" : "torch_unaligned");
    std::vector<test::TensorSpec> specs;
    std::vector<std::pair<std::string, std::string>> storages;
    for (const auto& view : file_->tensors()) {
      ASSERT_EQ(view.dtype, DType::F32);
      std::vector<int64_t> stride(view.shape.size(), 1);
      for (size_t i = view.shape.size(); i-- > 1;) stride[i - 1] = stride[i] * view.shape[i];
      const std::string key = std::to_string(storages.size());
      specs.push_back({view.name, "FloatStorage", key, view.numel(), 0, view.shape, stride});
      storages.emplace_back(key,
                            std::string(reinterpret_cast<const char*>(view.data), view.nbytes));
    }
    std::ofstream(dir / "pytorch_model.bin", std::ios::binary)
        << test::zip(test::checkpoint_entries(test::state_dict_pickle(specs), storages), aligned);
    copy_heads(dir);
    const Model model = Model::load(dir.string()), source = Model::load(source_.string());
    EXPECT_EQ(model.info().parameter_count, source.info().parameter_count);
    EXPECT_EQ(model.space_id(), source.space_id());
    expect_equal(run(dir), run(source_), 0.0f);
  }
}

// Checkpoints saved by transformers before 4.31 carry int64 id buffers (position_ids,
// token_type_ids): ignored, not counted as parameters, and left out of an INT8 copy.
TEST_F(CheckpointVariants, IdBuffersAreIgnored) {
  const auto dir = make_dir("id_buffers");
  std::vector<TensorToWrite> tensors;
  for (const auto& view : file_->tensors())
    tensors.push_back({view.name, view.dtype, view.shape, {view.data, view.nbytes}});
  std::vector<int64_t> ids(32);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i);
  const auto id_bytes = std::as_bytes(std::span(ids));
  tensors.push_back({"embeddings.position_ids", DType::I64, {1, 32}, id_bytes});
  tensors.push_back({"embeddings.token_type_ids", DType::I64, {1, 32}, id_bytes});
  write_safetensors(dir / "model.safetensors", tensors);
  copy_heads(dir);
  EXPECT_EQ(Model::load(dir.string()).info().parameter_count,
            Model::load(source_.string()).info().parameter_count);
  expect_equal(run(dir), run(source_), 0.0f);
  const auto quantized = make_dir("id_buffers_int8");
  std::filesystem::remove(quantized / "config.json");
  quantize_model(dir.string(), quantized);
  EXPECT_EQ(SafetensorsFile::open(quantized / "model.safetensors")->find("embeddings.position_ids"),
            nullptr);
  EXPECT_TRUE(Model::load(quantized.string()).info().quantized);
}

TEST_F(CheckpointVariants, HalfPrecisionCheckpoints) {
  for (DType dtype : {DType::F16, DType::BF16}) {
    const std::string name(dtype_name(dtype));
    const auto narrow = make_dir(name), twin = make_dir(name + "_as_f32");
    write_narrowed(dtype, narrow, twin);
    const Model model = Model::load(narrow.string());
    EXPECT_EQ(model.info().weight_dtype, name == "F16" ? "f16" : "bf16");
    // Widening is exact, so the half-precision model equals its F32 twin.
    expect_equal(run(narrow), run(twin), 1e-6f);
    // And stays close to the original weights' reference output.
    const auto results = run(narrow);
    EXPECT_LE(test::max_abs_diff(results[0].tokens.values.data(),
                                 expected_["outputs"][0]["last_hidden_state"]),
              dtype == DType::F16 ? 2e-2 : 1e-1)
        << name;
  }
}

}  // namespace
}  // namespace embed
