// The safetensors reader accepts well-formed files zero-copy and refuses every malformed header
// with an error naming the file and the problem.
#include "loaders/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "loaders/checkpoint.h"
#include "loaders/safetensors_writer.h"
#include "tests/test_support.h"

namespace embed {
namespace {

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("embed_safetensors_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A file with the given header text (length prefix computed) and `data_bytes` zero bytes.
  std::filesystem::path write_raw(const std::string& header, size_t data_bytes,
                                  const std::string& name = "t.safetensors") {
    std::string bytes(8, '\0');
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(n >> (8 * i));
    bytes += header;
    bytes.append(data_bytes, '\0');
    return write_bytes(bytes, name);
  }

  std::filesystem::path write_bytes(const std::string& bytes,
                                    const std::string& name = "t.safetensors") {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
    return path;
  }

  // Expects open() to throw a message containing the file path and `problem`.
  void expect_error(const std::filesystem::path& path, const std::string& problem) {
    try {
      SafetensorsFile::open(path);
      FAIL() << "expected an error containing: " << problem;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find(problem), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one-line error: " << message;
    }
  }

  std::filesystem::path dir_;
};

TEST_F(SafetensorsTest, ReadsWrittenTensorsInPlace) {
  const std::vector<float> a{1.5f, -2.0f, 3.25f, 4.0f, 0.0f, 6.0f};
  const std::vector<int8_t> b{-128, 0, 127};
  const TensorToWrite tensors[] = {
      {"a", DType::F32, {2, 3}, std::as_bytes(std::span(a))},
      {"b", DType::I8, {3}, std::as_bytes(std::span(b))},
  };
  const auto path = dir_ / "ok.safetensors";
  write_safetensors(path, tensors, {{"format", "pt"}});

  const auto file = SafetensorsFile::open(path);
  ASSERT_EQ(file->tensors().size(), 2u);
  const TensorView* view = file->find("a");
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->dtype, DType::F32);
  EXPECT_EQ(view->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(view->shape_string(), "[2, 3]");
  EXPECT_EQ(std::memcmp(view->data, a.data(), a.size() * sizeof(float)), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(view->data) % 8, 0u) << "data must stay aligned";
  EXPECT_EQ(file->find("b")->numel(), 3);
  EXPECT_EQ(file->find("missing"), nullptr);
  EXPECT_EQ(file->metadata().at("format"), "pt");
}

TEST_F(SafetensorsTest, TruncatedFile) {
  expect_error(write_bytes(std::string(5, '\0')), "truncated safetensors file");
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(0xff);
  bytes[1] = static_cast<char>(0xff);
  bytes += "{}";
  expect_error(write_bytes(bytes), "runs past the end of the file");
}

TEST_F(SafetensorsTest, HeaderIsNotJson) {
  expect_error(write_raw("{not json", 0), "not valid JSON");
}

TEST_F(SafetensorsTest, HeaderIsNotAnObject) {
  expect_error(write_raw("[1, 2]", 0), "not a JSON object");
}

TEST_F(SafetensorsTest, OffsetsOutOfRange) {
  expect_error(write_raw(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
               "run past the data area");
}

TEST_F(SafetensorsTest, OverlappingOffsets) {
  expect_error(write_raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                         R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                         12),
               "overlapping data_offsets");
}

TEST_F(SafetensorsTest, ShapeDoesNotMatchSpan) {
  expect_error(write_raw(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
               "shape [3] of F32 needs 12 bytes but data_offsets span 8");
}

TEST_F(SafetensorsTest, DtypeDoesNotMatchSpan) {
  expect_error(write_raw(R"({"w":{"dtype":"F16","shape":[4],"data_offsets":[0,16]}})", 16),
               "shape [4] of F16 needs 8 bytes but data_offsets span 16");
}

TEST_F(SafetensorsTest, UnknownDtype) {
  expect_error(write_raw(R"({"w":{"dtype":"Q4","shape":[4],"data_offsets":[0,2]}})", 2),
               "unsupported dtype 'Q4'");
}

TEST_F(SafetensorsTest, OverflowingShape) {
  expect_error(write_raw(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],)"
                         R"("data_offsets":[0,8]}})",
                         8),
               "overflows");
}

TEST_F(SafetensorsTest, MissingField) {
  expect_error(write_raw(R"({"w":{"dtype":"F32","shape":[2]}})", 8),
               "needs dtype, shape and data_offsets");
}

TEST_F(SafetensorsTest, ShardedCheckpointFindsEveryTensor) {
  const std::vector<float> a{1, 2}, b{3, 4, 5};
  const TensorToWrite first[] = {{"a", DType::F32, {2}, std::as_bytes(std::span(a))}};
  const TensorToWrite second[] = {{"b", DType::F32, {3}, std::as_bytes(std::span(b))}};
  write_safetensors(dir_ / "model-00001-of-00002.safetensors", first);
  write_safetensors(dir_ / "model-00002-of-00002.safetensors", second);
  std::ofstream(dir_ / "model.safetensors.index.json")
      << R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",)"
      << R"( "b": "model-00002-of-00002.safetensors"}})";
  const Checkpoint checkpoint = Checkpoint::open(dir_);
  ASSERT_NE(checkpoint.find("a"), nullptr);
  ASSERT_NE(checkpoint.find("b"), nullptr);
  EXPECT_EQ(reinterpret_cast<const float*>(checkpoint.find("b")->data)[2], 5.0f);
  EXPECT_EQ(checkpoint.tensors().size(), 2u);
}

TEST_F(SafetensorsTest, ShardIndexNamingAnAbsentTensor) {
  const std::vector<float> a{1, 2};
  const TensorToWrite first[] = {{"a", DType::F32, {2}, std::as_bytes(std::span(a))}};
  write_safetensors(dir_ / "shard.safetensors", first);
  std::ofstream(dir_ / "model.safetensors.index.json")
      << R"({"weight_map": {"a": "shard.safetensors", "z": "shard.safetensors"}})";
  try {
    Checkpoint::open(dir_);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'z' is not in shard shard.safetensors"),
              std::string::npos)
        << e.what();
  }
}

TEST(SafetensorsFixture, OpensEveryFixtureModel) {
  EMBED_REQUIRE_FIXTURES();
  for (const char* model : {"tiny-bge-m3", "tiny-minilm", "tiny-bge-en"}) {
    const auto file =
        SafetensorsFile::open(test::fixtures_dir() / "models" / model / "model.safetensors");
    const TensorView* words = file->find("embeddings.word_embeddings.weight");
    ASSERT_NE(words, nullptr) << model;
    EXPECT_EQ(words->dtype, DType::F32);
    EXPECT_EQ(words->shape.size(), 2u);
  }
}

}  // namespace
}  // namespace embed
