#include "loaders/sentencepiece_model.h"

#include <cstring>
#include <stdexcept>

#include "loaders/file_contents.h"

namespace embed {
namespace {

// Minimal protobuf wire-format reader: varints, fixed32/64 and length-delimited fields.
class WireReader {
 public:
  WireReader(std::string_view data, const std::string& source, std::string field)
      : data_(data), source_(source), field_(std::move(field)) {}

  bool done() const { return pos_ >= data_.size(); }

  [[noreturn]] void fail(const std::string& message) const {
    throw std::runtime_error(source_ + ": " + field_ + ": " + message + " (byte " +
                             std::to_string(pos_) + ")");
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) fail("truncated varint");
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= uint64_t(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail("varint longer than 10 bytes");
  }

  // Reads a field key; returns the field number and sets the wire type.
  uint32_t key(int& wire_type) {
    uint64_t k = varint();
    wire_type = static_cast<int>(k & 7);
    return static_cast<uint32_t>(k >> 3);
  }

  std::string_view bytes() {
    uint64_t length = varint();
    if (length > data_.size() - pos_) fail("length-delimited field past the end");
    std::string_view out = data_.substr(pos_, length);
    pos_ += length;
    return out;
  }

  uint32_t fixed32() {
    if (data_.size() - pos_ < 4) fail("truncated fixed32");
    uint32_t v;
    std::memcpy(&v, data_.data() + pos_, 4);  // protobuf is little-endian, as is x86-64
    pos_ += 4;
    return v;
  }

  void skip(int wire_type) {
    switch (wire_type) {
      case 0:
        varint();
        break;
      case 1:
        if (data_.size() - pos_ < 8) fail("truncated fixed64");
        pos_ += 8;
        break;
      case 2:
        bytes();
        break;
      case 5:
        fixed32();
        break;
      default:
        fail("unsupported wire type " + std::to_string(wire_type));
    }
  }

  void expect(int wire_type, int expected, const char* what) const {
    if (wire_type != expected) fail(std::string(what) + " has the wrong wire type");
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  const std::string& source_;
  std::string field_;
};

SentencePiece parse_piece(std::string_view data, const std::string& source, size_t index) {
  WireReader r(data, source, "pieces[" + std::to_string(index) + "]");
  SentencePiece piece;
  while (!r.done()) {
    int wire;
    uint32_t field = r.key(wire);
    if (field == 1) {
      r.expect(wire, 2, "piece");
      piece.piece = std::string(r.bytes());
    } else if (field == 2) {
      r.expect(wire, 5, "score");
      uint32_t bits = r.fixed32();
      std::memcpy(&piece.score, &bits, 4);
    } else if (field == 3) {
      r.expect(wire, 0, "type");
      piece.type = static_cast<int>(r.varint());
    } else {
      r.skip(wire);
    }
  }
  return piece;
}

void parse_trainer_spec(std::string_view data, const std::string& source, SentencePieceModel& m) {
  WireReader r(data, source, "trainer_spec");
  while (!r.done()) {
    int wire;
    uint32_t field = r.key(wire);
    if (wire != 0) {
      r.skip(wire);
      continue;
    }
    auto value = static_cast<int64_t>(r.varint());
    switch (field) {
      case 3:
        m.model_type = static_cast<int>(value);
        break;
      case 35:
        m.byte_fallback = value != 0;
        break;
      case 40:
        m.unk_id = static_cast<int32_t>(value);
        break;
      case 41:
        m.bos_id = static_cast<int32_t>(value);
        break;
      case 42:
        m.eos_id = static_cast<int32_t>(value);
        break;
      case 43:
        m.pad_id = static_cast<int32_t>(value);
        break;
      default:
        break;
    }
  }
}

void parse_normalizer_spec(std::string_view data, const std::string& source,
                           SentencePieceModel& m) {
  WireReader r(data, source, "normalizer_spec");
  while (!r.done()) {
    int wire;
    uint32_t field = r.key(wire);
    if (field == 1 && wire == 2) {
      m.normalizer_name = std::string(r.bytes());
    } else if (field == 2 && wire == 2) {
      std::string_view blob = r.bytes();
      m.precompiled_charsmap.assign(blob.begin(), blob.end());
    } else if (field >= 3 && field <= 5 && wire == 0) {
      bool value = r.varint() != 0;
      (field == 3   ? m.add_dummy_prefix
       : field == 4 ? m.remove_extra_whitespaces
                    : m.escape_whitespaces) = value;
    } else {
      r.skip(wire);
    }
  }
}

}  // namespace

SentencePieceModel parse_sentencepiece_model(std::string_view bytes,
                                             const std::filesystem::path& source) {
  const std::string name = source.string();
  SentencePieceModel model;
  WireReader r(bytes, name, "ModelProto");
  while (!r.done()) {
    int wire;
    uint32_t field = r.key(wire);
    if (field == 1) {
      r.expect(wire, 2, "pieces");
      model.pieces.push_back(parse_piece(r.bytes(), name, model.pieces.size()));
    } else if (field == 2) {
      r.expect(wire, 2, "trainer_spec");
      parse_trainer_spec(r.bytes(), name, model);
    } else if (field == 3) {
      r.expect(wire, 2, "normalizer_spec");
      parse_normalizer_spec(r.bytes(), name, model);
    } else {
      r.skip(wire);
    }
  }
  if (model.pieces.empty())
    throw std::runtime_error(name + ": no pieces (not a sentencepiece model?)");
  return model;
}

SentencePieceModel load_sentencepiece_model(const std::filesystem::path& path) {
  return parse_sentencepiece_model(read_file_contents(path), path);
}

}  // namespace embed
