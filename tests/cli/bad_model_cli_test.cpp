// Broken model folders through the CLI: each fails with exit code 1 and one line on stderr that
// names the file and the problem; nothing is printed on stdout and nothing crashes.
#include <gtest/gtest.h>

#include <fstream>

#include "loaders/safetensors.h"
#include "loaders/safetensors_writer.h"
#include "tests/cli_runner.h"
#include "tests/fixture_models.h"

namespace embed {
namespace {

struct BrokenModel {
  const char* name;
  // Writes the broken folder's files into `dir` (config.json is already a valid copy).
  void (*make)(const std::filesystem::path& source, const std::filesystem::path& dir);
  const char* file;     // the file the error must name
  const char* problem;  // a fragment of the expected message
};

std::string header_bytes(const std::string& json) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(uint64_t(json.size()) >> (8 * i));
  return bytes + json;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), bytes.size());
}

// The folder's weights as they are, for cases that break another file.
void copy_weights(const std::filesystem::path& source, const std::filesystem::path& dir) {
  std::filesystem::copy_file(source / "model.safetensors", dir / "model.safetensors");
}

const BrokenModel kCases[] = {
    {"truncated_safetensors",
     [](const auto& source, const auto& dir) {
       const std::string whole = test::read_text_file(source / "model.safetensors");
       write_file(dir / "model.safetensors", whole.substr(0, 5));
     },
     "model.safetensors", "truncated safetensors file"},
    {"header_past_eof",
     [](const auto&, const auto& dir) {
       std::string bytes = header_bytes("{}");
       bytes[3] = 0x10;  // claims a 256 MiB header
       write_file(dir / "model.safetensors", bytes);
     },
     "model.safetensors", "runs past the end of the file"},
    {"overlapping_offsets",
     [](const auto&, const auto& dir) {
       write_file(dir / "model.safetensors",
                  header_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})") +
                      std::string(12, '\0'));
     },
     "model.safetensors", "overlapping data_offsets"},
    {"offsets_out_of_range",
     [](const auto&, const auto& dir) {
       write_file(dir / "model.safetensors",
                  header_bytes(R"({"a":{"dtype":"F32","shape":[64],"data_offsets":[0,256]}})") +
                      std::string(16, '\0'));
     },
     "model.safetensors", "run past the data area"},
    {"dtype_shape_mismatch",
     [](const auto&, const auto& dir) {
       write_file(dir / "model.safetensors",
                  header_bytes(R"({"a":{"dtype":"F16","shape":[8],"data_offsets":[0,32]}})") +
                      std::string(32, '\0'));
     },
     "model.safetensors", "shape [8] of F16 needs 16 bytes but data_offsets span 32"},
    {"missing_tensor",
     [](const auto& source, const auto& dir) {
       test::rewrite_checkpoint(source, dir, [](TensorToWrite& t) {
         return t.name != "encoder.layer.0.attention.self.key.weight";
       });
     },
     "model.safetensors", "missing tensor 'encoder.layer.0.attention.self.key.weight'"},
    {"wrong_shape",
     [](const auto& source, const auto& dir) {
       test::rewrite_checkpoint(source, dir, [](TensorToWrite& t) {
         if (t.name == "embeddings.LayerNorm.weight") {
           t.shape = {8, 8};
         }
         return true;
       });
     },
     "model.safetensors", "'embeddings.LayerNorm.weight' has shape [8, 8], expected [64]"},
    {"malformed_config",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "config.json", "{\"model_type\": \"xlm-roberta\", ");
     },
     "config.json", "invalid JSON"},
    {"incomplete_config",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       auto config = nlohmann::json::parse(test::read_text_file(source / "config.json"));
       config.erase("num_attention_heads");
       write_file(dir / "config.json", config.dump());
     },
     "config.json", "missing field 'num_attention_heads'"},
    // nlohmann reports numbers past double's range apart from syntax errors (out_of_range).
    {"config_number_past_double_range",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "config.json", R"({"model_type": "xlm-roberta", "hidden_size": 1e400})");
     },
     "config.json", "invalid JSON"},
    {"tokenizer_number_past_double_range",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "tokenizer.json", R"({"version": -1e999})");
     },
     "tokenizer.json", "invalid JSON"},
    {"module_not_an_object",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "modules.json", "[[1]]");
     },
     "modules.json", "each module must be an object"},
    {"module_type_not_a_string",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "modules.json", R"([{"type": 5, "path": ""}])");
     },
     "modules.json", "a module's 'type' must be a string"},
    {"module_path_not_a_string",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "modules.json",
                  R"([{"type": "sentence_transformers.models.Pooling", "path": ["1_Pooling"]}])");
     },
     "modules.json", "a module's 'path' must be a string"},
    {"max_seq_length_past_int",
     [](const auto& source, const auto& dir) {
       copy_weights(source, dir);
       write_file(dir / "modules.json",
                  R"([{"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}])");
       std::filesystem::create_directory(dir / "1_Pooling");
       write_file(dir / "1_Pooling" / "config.json", R"({"pooling_mode_cls_token": true})");
       write_file(dir / "sentence_bert_config.json", R"({"max_seq_length": 4294967297})");
     },
     "sentence_bert_config.json", "max_seq_length must be a positive integer"},
};

class BadModelCli : public ::testing::TestWithParam<BrokenModel> {};

TEST_P(BadModelCli, FailsWithOneLineNamingFileAndProblem) {
  EMBED_REQUIRE_FIXTURES();
  const BrokenModel& broken = GetParam();
  const auto source = test::fixture_model_dir("tiny-bge-m3");
  const auto dir = std::filesystem::temp_directory_path() /
                   ("embed_bad_model_" + std::to_string(::getpid()) + "_" + broken.name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(source / "config.json", dir / "config.json");
  broken.make(source, dir);

  const auto result = test::run_cli({"encode", "--model", dir.string(), "--input", "-"});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(result.out.empty());
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_NE(result.err.find((dir / broken.file).string()), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(broken.problem), std::string::npos) << result.err;
}

INSTANTIATE_TEST_SUITE_P(Cases, BadModelCli, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace embed
