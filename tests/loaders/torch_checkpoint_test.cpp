// The PyTorch checkpoint reader returns exactly the tensors of the fixtures' safetensors twins,
// handles the variants torch.save writes (F16/BF16 storages, storage offsets, a state_dict's
// _metadata), and refuses malformed or hostile archives with an error naming the file and problem.
#include "loaders/torch_checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "loaders/safetensors.h"
#include "loaders/zip_archive.h"
#include "tests/test_support.h"
#include "tests/torch_zip_writer.h"

namespace embed {
namespace {

using namespace test;  // the checkpoint writer

std::string halves(const std::vector<uint16_t>& values) {
  std::string out;
  for (uint16_t v : values) out += le(v, 2);
  return out;
}

std::string bytes_of(const OwnedTensor& tensor) {
  return {reinterpret_cast<const char*>(tensor.data.data()), tensor.data.size()};
}

class TorchCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("embed_torch_checkpoint_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& bytes) {
    const std::filesystem::path path = dir_ / "model.pt";
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // Reading `bytes` must fail with a one-line error naming the file and containing `problem`.
  void expect_error(const std::string& bytes, const std::string& problem) {
    const std::filesystem::path path = write(bytes);
    try {
      read_torch_state_dict(path);
      ADD_FAILURE() << "expected an error containing: " << problem;
    } catch (const std::runtime_error& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind(path.string() + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(problem), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }

  std::filesystem::path dir_;
};

TEST_F(TorchCheckpointTest, FixturesMatchTheirSafetensorsTwins) {
  EMBED_REQUIRE_FIXTURES();
  const std::filesystem::path model = embed::test::fixtures_dir() / "models" / "tiny-bge-m3";
  for (const std::string head : {"colbert_linear", "sparse_linear"}) {
    SCOPED_TRACE(head);
    const auto twin = SafetensorsFile::open(model / (head + ".safetensors"));
    const std::vector<OwnedTensor> tensors = read_torch_state_dict(model / (head + ".pt"));
    ASSERT_EQ(tensors.size(), 2u);
    EXPECT_EQ(tensors[0].name, "weight");
    EXPECT_EQ(tensors[1].name, "bias");
    for (const OwnedTensor& tensor : tensors) {
      const TensorView* expected = twin->find(tensor.name);
      ASSERT_NE(expected, nullptr) << tensor.name;
      EXPECT_EQ(tensor.dtype, DType::F32);
      EXPECT_EQ(tensor.dtype, expected->dtype);
      EXPECT_EQ(tensor.shape, expected->shape);
      ASSERT_EQ(tensor.data.size(), expected->nbytes);
      EXPECT_EQ(std::memcmp(tensor.data.data(), expected->data, expected->nbytes), 0);
    }
    EXPECT_EQ(tensors[0].shape, (std::vector<int64_t>{head == "colbert_linear" ? 64 : 1, 64}));
  }
}

TEST_F(TorchCheckpointTest, ReadsHalfStoragesAsStored) {
  // 1.0, -2.0, 0.5, 65504 (max half), 2^-24 (smallest subnormal), -0.0
  const std::string data = halves({0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000});
  const auto tensors = read_torch_state_dict(write(zip(checkpoint_entries(
      state_dict_pickle({{"weight", "HalfStorage", "0", 6, 0, {2, 3}, {3, 1}}}), {{"0", data}}))));
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].name, "weight");
  EXPECT_EQ(tensors[0].dtype, DType::F16);
  EXPECT_EQ(tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(bytes_of(tensors[0]), data);
  const auto* bits = reinterpret_cast<const uint16_t*>(tensors[0].data.data());
  EXPECT_EQ(half_to_float(bits[1]), -2.0f);
  EXPECT_EQ(half_to_float(bits[3]), 65504.0f);
}

TEST_F(TorchCheckpointTest, ReadsBFloat16StoragesWithOffsetsAndMetadata) {
  // Two views of one shared storage at different offsets, as tied or sliced tensors save, and
  // the _metadata BUILD that Module.state_dict() produces.
  const std::string data = halves({0x3f80, 0x4000, 0x4040, 0x4080, 0x40a0});  // 1..5
  const auto tensors = read_torch_state_dict(write(zip(checkpoint_entries(
      state_dict_pickle({{"weight", "BFloat16Storage", "0", 5, 1, {2, 2}, {2, 1}},
                         {"bias", "BFloat16Storage", "0", 5, 0, {1}, {1}}},
                        /*metadata=*/true),
      {{"0", data}}))));
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].dtype, DType::BF16);
  EXPECT_EQ(tensors[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(bytes_of(tensors[0]), data.substr(2, 8));
  EXPECT_EQ(tensors[1].name, "bias");
  EXPECT_EQ(bytes_of(tensors[1]), data.substr(0, 2));
  const auto* bits = reinterpret_cast<const uint16_t*>(tensors[0].data.data());
  EXPECT_EQ(bfloat16_to_float(bits[3]), 5.0f);
}

TEST_F(TorchCheckpointTest, ReadsLongStorages) {
  // The position id buffer transformers saved before 4.31: arange(4).expand(1, -1).
  std::string data;
  for (int64_t i = 0; i < 4; ++i) data += le(static_cast<uint64_t>(i), 8);
  const auto tensors = read_torch_state_dict(write(zip(checkpoint_entries(
      state_dict_pickle({{"embeddings.position_ids", "LongStorage", "0", 4, 0, {1, 4}, {0, 1}}}),
      {{"0", data}}))));
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].dtype, DType::I64);
  EXPECT_EQ(tensors[0].shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(bytes_of(tensors[0]), data);
}

TEST_F(TorchCheckpointTest, FindsTheTopLevelFolderWhateverItsName) {
  const std::string data = le(0x3f800000, 4);  // 1.0f
  std::vector<ZipEntry> entries{
      {"sparse_linear/data.pkl",
       state_dict_pickle({{"bias", "FloatStorage", "7", 1, 0, {1}, {1}}})},
      {"sparse_linear/data/7", data}};
  const auto tensors = read_torch_state_dict(write(zip(entries)));
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(bytes_of(tensors[0]), data);
}

TEST_F(TorchCheckpointTest, RejectsANonZipFile) {
  expect_error("this is not a zip archive at all, just some text", "not a zip archive");
  expect_error("", "not a zip archive");
}

TEST_F(TorchCheckpointTest, RejectsATruncatedZip) {
  const std::string whole = zip(checkpoint_entries(
      state_dict_pickle({{"bias", "FloatStorage", "0", 1, 0, {1}, {1}}}), {{"0", le(0, 4)}}));
  expect_error(whole.substr(0, whole.size() - 10), "not a zip archive");
  // Entry data cut away while the directory and end record survive.
  const size_t directory = whole.find("PK\x01\x02");
  expect_error(whole.substr(0, 40) + whole.substr(directory), "lies outside the file");
}

TEST_F(TorchCheckpointTest, RejectsOffsetsOutOfRange) {
  std::string bytes = zip(checkpoint_entries(
      state_dict_pickle({{"bias", "FloatStorage", "0", 1, 0, {1}, {1}}}), {{"0", le(0, 4)}}));
  bytes.replace(bytes.size() - 6, 4, le(0x7fffff00, 4));
  expect_error(bytes, "central directory (offset 2147483392");
  // A directory entry whose local header offset points past the entries.
  bytes = zip(checkpoint_entries(state_dict_pickle({{"bias", "FloatStorage", "0", 1, 0, {1}, {1}}}),
                                 {{"0", le(0, 4)}}));
  bytes.replace(bytes.find("PK\x01\x02") + 42, 4, le(0xffffff, 4));
  expect_error(bytes,
               "zip entry 'archive/data.pkl': local header at offset 16777215 is out of range");
}

TEST_F(TorchCheckpointTest, RejectsCompressedEntries) {
  auto entries = checkpoint_entries(
      state_dict_pickle({{"bias", "FloatStorage", "0", 1, 0, {1}, {1}}}), {{"0", le(0, 4)}});
  entries[1].method = 8;  // deflate
  expect_error(zip(entries), "zip entry 'archive/data/0' is compressed (method 8)");
}

TEST_F(TorchCheckpointTest, RejectsCorruptedEntryData) {
  std::string bytes = zip(checkpoint_entries(
      state_dict_pickle({{"bias", "FloatStorage", "0", 1, 0, {1}, {1}}}), {{"0", "abcd"}}));
  bytes[bytes.find("abcd")] = 'x';
  expect_error(bytes, "zip entry 'archive/data/0' fails its CRC-32 check");
}

TEST_F(TorchCheckpointTest, RejectsForbiddenGlobalsWithoutRunningThem) {
  // The classic payload: os.system("echo pwned") via GLOBAL + REDUCE.
  const std::string pickle =
      "\x80\x02"
      "cos\nsystem\n" +
      unicode("echo pwned") + "\x85R.";
  expect_error(zip(checkpoint_entries(pickle, {})), "global 'os system' is not allowed");
  expect_error(
      zip(checkpoint_entries(state_dict_pickle({{"w", "IntStorage", "0", 1, 0, {1}, {1}}}),
                             {{"0", le(0, 4)}})),
      "global 'torch IntStorage' is not allowed");
}

TEST_F(TorchCheckpointTest, RejectsUnknownOpcodes) {
  // INST ('i') would import and call a class by name.
  expect_error(zip(checkpoint_entries("\x80\x02iposix\nsystem\n.", {})),
               "archive/data.pkl: unsupported pickle opcode 0x69 ('i')");
  expect_error(zip(checkpoint_entries("\x80\x02\xff.", {})), "unsupported pickle opcode 0xff");
  expect_error(zip(checkpoint_entries("\x80\x02}", {})), "pickle ends without a STOP opcode");
}

TEST_F(TorchCheckpointTest, RejectsATensorLargerThanItsStorage) {
  expect_error(zip(checkpoint_entries(
                   state_dict_pickle({{"weight", "FloatStorage", "0", 4, 1, {2, 2}, {2, 1}}}),
                   {{"0", std::string(16, '\0')}})),
               "tensor 'weight' of shape [2, 2] at storage offset 1 needs 4 elements but its "
               "storage holds 4");
  expect_error(zip(checkpoint_entries(
                   state_dict_pickle({{"weight", "FloatStorage", "0", 4, 0, {2, 2}, {2, 1}}}),
                   {{"0", std::string(12, '\0')}})),
               "storage 'archive/data/0' holds 12 bytes; expected 4 F32 elements");
  expect_error(zip(checkpoint_entries(
                   state_dict_pickle({{"weight", "FloatStorage", "0", 4, 0, {2, 2}, {2, 1}}}), {})),
               "storage entry 'archive/data/0' is missing");
}

TEST_F(TorchCheckpointTest, RejectsNonContiguousStrides) {
  // A transposed view: shape [2, 3] with strides [1, 2].
  expect_error(zip(checkpoint_entries(
                   state_dict_pickle({{"weight", "FloatStorage", "0", 6, 0, {2, 3}, {1, 2}}}),
                   {{"0", std::string(24, '\0')}})),
               "tensor 'weight' has strides [1, 2] for shape [2, 3]; only contiguous");
}

}  // namespace
}  // namespace embed
