#include "loaders/pickle_reader.h"

#include <deque>
#include <map>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

namespace embed {
namespace {

// A state_dict pickle is a few hundred bytes per tensor; these bounds only stop hostile input
// from exhausting memory.
constexpr size_t kMaxPickleSize = size_t{64} << 20;
constexpr size_t kMaxStackSize = size_t{1} << 16;
constexpr size_t kMaxMemoSize = size_t{1} << 20;
constexpr size_t kMaxGlobalLine = 256;
constexpr size_t kMaxDims = 16;

// Values are small handles into arenas owned by the unpickler: copying one (BINGET) costs O(1),
// memory stays proportional to the input, and nested or cyclic containers are freed without
// recursion.
enum class Global {
  OrderedDict,
  RebuildTensor,
  FloatStorage,
  HalfStorage,
  BFloat16Storage,
  LongStorage
};
struct StorageRef {
  DType dtype;
  std::string key;
  int64_t numel;
};
struct None {};
struct Tuple;
struct Dict;
using Value = std::variant<None, bool, int64_t, const std::string*, const Tuple*, Dict*, Global,
                           const StorageRef*, const PickledTensor*>;
struct Tuple {
  std::vector<Value> items;
};
// Insertion-ordered like OrderedDict; a re-set key keeps its place, as in Python.
struct Dict {
  std::vector<std::pair<std::string_view, Value>> items;
  std::map<std::string_view, size_t> index;
  void set(std::string_view key, Value value) {
    const auto [it, inserted] = index.emplace(key, items.size());
    if (inserted)
      items.emplace_back(key, value);
    else
      items[it->second].second = value;
  }
};

const char* global_name(Global global) {
  switch (global) {
    case Global::OrderedDict:
      return "collections.OrderedDict";
    case Global::RebuildTensor:
      return "torch._utils._rebuild_tensor_v2";
    case Global::FloatStorage:
      return "torch.FloatStorage";
    case Global::HalfStorage:
      return "torch.HalfStorage";
    case Global::BFloat16Storage:
      return "torch.BFloat16Storage";
    case Global::LongStorage:
      return "torch.LongStorage";
  }
  return "?";
}

class Unpickler {
 public:
  Unpickler(std::span<const std::byte> input, const std::string& source)
      : input_(input), source_(source) {
    if (input.size() > kMaxPickleSize)
      throw std::runtime_error(source_ + ": pickle of " + std::to_string(input.size()) +
                               " bytes exceeds the " + std::to_string(kMaxPickleSize) +
                               "-byte limit for a state dict");
  }

  std::vector<PickledTensor> run() {
    while (true) {
      opcode_at_ = pos_;
      const uint8_t op = read_byte();
      switch (op) {
        case 0x80:  // PROTO
          if (read_byte() > 5) fail("unsupported pickle protocol");
          break;
        case 0x95:  // FRAME: a buffering hint; the frame's opcodes follow inline
          if (read_uint(8) > input_.size() - pos_) fail("FRAME runs past the end of the pickle");
          break;
        case '}':  // EMPTY_DICT
          push(&dicts_.emplace_back());
          break;
        case ')':  // EMPTY_TUPLE
          push(&tuples_.emplace_back());
          break;
        case '(':  // MARK
          if (marks_.size() >= kMaxStackSize) fail("too many nested MARKs");
          marks_.push_back(stack_.size());
          break;
        case 'X':  // BINUNICODE
          push(&strings_.emplace_back(read_bytes(read_uint(4))));
          break;
        case 0x8c:  // SHORT_BINUNICODE
          push(&strings_.emplace_back(read_bytes(read_uint(1))));
          break;
        case 'q':  // BINPUT
          memo_put(read_uint(1));
          break;
        case 'r':  // LONG_BINPUT
          memo_put(read_uint(4));
          break;
        case 0x94:  // MEMOIZE
          memo_put(memo_.size());
          break;
        case 'h':  // BINGET
          memo_get(read_uint(1));
          break;
        case 'j':  // LONG_BINGET
          memo_get(read_uint(4));
          break;
        case 'c': {  // GLOBAL
          const std::string module = read_line();
          push(resolve(module, read_line()));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const std::string* name = as<const std::string*>(pop(), "a global's name");
          push(resolve(*as<const std::string*>(pop(), "a global's module"), *name));
          break;
        }
        case 'Q':  // BINPERSID
          push(persistent_load(pop()));
          break;
        case 't':  // TUPLE
          push(&tuples_.emplace_back(Tuple{pop_to_mark()}));
          break;
        case 0x85:    // TUPLE1
        case 0x86:    // TUPLE2
        case 0x87: {  // TUPLE3
          const size_t n = op - 0x84;
          if (stack_.size() < floor() + n) fail("stack underflow");
          const Tuple* tuple = &tuples_.emplace_back(Tuple{{stack_.end() - n, stack_.end()}});
          stack_.resize(stack_.size() - n);
          push(tuple);
          break;
        }
        case 'J':  // BININT
          push(static_cast<int64_t>(static_cast<int32_t>(read_uint(4))));
          break;
        case 'K':  // BININT1
          push(static_cast<int64_t>(read_uint(1)));
          break;
        case 'M':  // BININT2
          push(static_cast<int64_t>(read_uint(2)));
          break;
        case 0x8a: {  // LONG1: little-endian two's complement
          const size_t n = read_uint(1);
          if (n > 8) fail("LONG1 integer wider than 64 bits");
          uint64_t bits = read_uint(n);
          if (n > 0 && n < 8 && (bits >> (8 * n - 1)) & 1) bits |= ~uint64_t{0} << (8 * n);
          push(static_cast<int64_t>(bits));
          break;
        }
        case 0x88:  // NEWTRUE
          push(true);
          break;
        case 0x89:  // NEWFALSE
          push(false);
          break;
        case 'N':  // NONE
          push(None{});
          break;
        case 'R': {  // REDUCE
          const Tuple* args = as<const Tuple*>(pop(), "an argument tuple for REDUCE");
          push(reduce(pop(), args->items));
          break;
        }
        case 's': {  // SETITEM
          const Value value = pop();
          const std::string* key = as<const std::string*>(pop(), "a string dict key");
          target_dict("SETITEM").set(*key, value);
          break;
        }
        case 'u': {  // SETITEMS
          const std::vector<Value> items = pop_to_mark();
          if (items.size() % 2) fail("SETITEMS with an odd number of items");
          Dict& dict = target_dict("SETITEMS");
          for (size_t i = 0; i < items.size(); i += 2)
            dict.set(*as<const std::string*>(items[i], "a string dict key"), items[i + 1]);
          break;
        }
        case 'b':  // BUILD
          build(pop());
          break;
        case '.':  // STOP
          return state_dict(pop());
        default:
          fail(std::string("unsupported pickle opcode 0x") + "0123456789abcdef"[op >> 4] +
               "0123456789abcdef"[op & 15] +
               (op >= 0x20 && op < 0x7f ? std::string(" ('") + char(op) + "')" : std::string()) +
               "; a state_dict checkpoint does not need it");
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(source_ + ": " + problem + " (pickle byte " +
                             std::to_string(opcode_at_) + ")");
  }

  uint8_t read_byte() {
    if (pos_ >= input_.size()) fail("pickle ends without a STOP opcode");
    return static_cast<uint8_t>(input_[pos_++]);
  }

  uint64_t read_uint(size_t n) {
    if (n > input_.size() - pos_) fail("pickle truncated inside an opcode argument");
    uint64_t value = 0;
    for (size_t i = 0; i < n; ++i)
      value |= uint64_t{static_cast<uint8_t>(input_[pos_ + i])} << 8 * i;
    pos_ += n;
    return value;
  }

  std::string_view read_bytes(uint64_t n) {
    if (n > input_.size() - pos_) fail("string runs past the end of the pickle");
    const std::string_view bytes(reinterpret_cast<const char*>(input_.data() + pos_), n);
    pos_ += n;
    return bytes;
  }

  std::string read_line() {
    std::string line;
    for (char c; (c = static_cast<char>(read_byte())) != '\n';) {
      if (line.size() >= kMaxGlobalLine) fail("GLOBAL name too long");
      line += c;
    }
    return line;
  }

  // Opcodes after a MARK see only the values pushed since it, as in Python's unpickler.
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }

  void push(Value value) {
    if (stack_.size() >= kMaxStackSize) fail("pickle stack too deep");
    stack_.push_back(value);
  }

  Value pop() {
    if (stack_.size() <= floor()) fail("stack underflow");
    const Value value = stack_.back();
    stack_.pop_back();
    return value;
  }

  std::vector<Value> pop_to_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    std::vector<Value> items(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }

  void memo_put(uint64_t index) {
    if (stack_.size() <= floor()) fail("memo store from an empty stack");
    if (memo_.size() >= kMaxMemoSize && !memo_.count(index)) fail("pickle memo too large");
    memo_[index] = stack_.back();
  }

  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    push(it->second);
  }

  template <class T>
  T as(const Value& value, const char* expected) const {
    if (const T* typed = std::get_if<T>(&value)) return *typed;
    fail(std::string("expected ") + expected);
  }

  Dict& target_dict(const char* opcode) {
    if (stack_.size() <= floor()) fail(std::string(opcode) + " without a dict");
    return *as<Dict*>(stack_.back(), "a dict to apply SETITEM(S) / BUILD to");
  }

  Value resolve(const std::string& module, const std::string& name) const {
    if (module == "collections" && name == "OrderedDict") return Global::OrderedDict;
    if (module == "torch._utils" && name == "_rebuild_tensor_v2") return Global::RebuildTensor;
    if (module == "torch" && name == "FloatStorage") return Global::FloatStorage;
    if (module == "torch" && name == "HalfStorage") return Global::HalfStorage;
    if (module == "torch" && name == "BFloat16Storage") return Global::BFloat16Storage;
    if (module == "torch" && name == "LongStorage") return Global::LongStorage;
    fail("global '" + module + " " + name +
         "' is not allowed; a state_dict checkpoint may only reference collections.OrderedDict, "
         "torch._utils._rebuild_tensor_v2 and torch.Float/Half/BFloat16/LongStorage");
  }

  // torch.save stores each storage as ('storage', storage_type, key, location, numel).
  Value persistent_load(const Value& pid) {
    const std::vector<Value>& items = as<const Tuple*>(pid, "a persistent id tuple")->items;
    if (items.size() != 5 || *as<const std::string*>(items[0], "'storage'") != "storage")
      fail("expected a persistent id ('storage', storage_type, key, location, numel)");
    DType dtype;
    switch (as<Global>(items[1], "a storage type in a persistent id")) {
      case Global::FloatStorage:
        dtype = DType::F32;
        break;
      case Global::HalfStorage:
        dtype = DType::F16;
        break;
      case Global::BFloat16Storage:
        dtype = DType::BF16;
        break;
      case Global::LongStorage:  // id buffers such as embeddings.position_ids
        dtype = DType::I64;
        break;
      default:
        fail("persistent id names " + std::string(global_name(std::get<Global>(items[1]))) +
             " where a storage type was expected");
    }
    as<const std::string*>(items[3], "a location string in a persistent id");
    const int64_t numel = as<int64_t>(items[4], "a storage size in a persistent id");
    if (numel < 0) fail("negative storage size in a persistent id");
    return &storages_.emplace_back(
        StorageRef{dtype, *as<const std::string*>(items[2], "a storage key"), numel});
  }

  Value reduce(const Value& callable, const std::vector<Value>& args) {
    const Global global = as<Global>(callable, "a callable global for REDUCE");
    if (global == Global::OrderedDict) {
      if (!args.empty()) fail("OrderedDict must be called without arguments");
      return &dicts_.emplace_back();
    }
    if (global != Global::RebuildTensor)
      fail(std::string("REDUCE may not call ") + global_name(global));
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
    if (args.size() != 6)
      fail("_rebuild_tensor_v2 called with " + std::to_string(args.size()) +
           " arguments; expected 6 (storage, offset, size, stride, requires_grad, hooks)");
    const StorageRef* storage =
        as<const StorageRef*>(args[0], "a storage as a tensor's first argument");
    PickledTensor& tensor = tensors_.emplace_back();
    tensor.dtype = storage->dtype;
    tensor.storage_key = storage->key;
    tensor.storage_numel = storage->numel;
    tensor.storage_offset = as<int64_t>(args[1], "an integer storage offset");
    tensor.shape = int_tuple(args[2], "a tensor size tuple");
    tensor.stride = int_tuple(args[3], "a tensor stride tuple");
    if (tensor.shape.size() != tensor.stride.size())
      fail("tensor size and stride have different ranks");
    as<bool>(args[4], "a requires_grad flag");
    if (!as<Dict*>(args[5], "a backward-hooks dict")->items.empty())
      fail("tensor has backward hooks");
    return &tensor;
  }

  std::vector<int64_t> int_tuple(const Value& value, const char* expected) const {
    const std::vector<Value>& items = as<const Tuple*>(value, expected)->items;
    if (items.size() > kMaxDims) fail(std::string(expected) + " has too many dimensions");
    std::vector<int64_t> ints;
    for (const Value& item : items) ints.push_back(as<int64_t>(item, expected));
    return ints;
  }

  // Module.state_dict() carries a `_metadata` attribute (per-module versions) that pickles as a
  // BUILD on the dict; it holds nothing we need.
  void build(const Value& state) {
    for (const auto& [name, value] : as<Dict*>(state, "a dict as BUILD state")->items)
      if (name != "_metadata")
        fail("BUILD may only set _metadata, not '" + std::string(name) + "'");
    target_dict("BUILD");
  }

  std::vector<PickledTensor> state_dict(const Value& result) const {
    std::vector<PickledTensor> tensors;
    for (const auto& [name, value] : as<Dict*>(result, "a dict as the pickled state_dict")->items) {
      const auto* tensor = std::get_if<const PickledTensor*>(&value);
      if (!tensor) fail("state_dict entry '" + std::string(name) + "' is not a tensor");
      tensors.push_back(**tensor);
      tensors.back().name = name;
    }
    return tensors;
  }

  std::span<const std::byte> input_;
  const std::string& source_;
  size_t pos_ = 0;
  size_t opcode_at_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
  // Arenas: deques keep the addresses that Values hold stable.
  std::deque<std::string> strings_;
  std::deque<Tuple> tuples_;
  std::deque<Dict> dicts_;
  std::deque<StorageRef> storages_;
  std::deque<PickledTensor> tensors_;
};

}  // namespace

std::vector<PickledTensor> read_state_dict_pickle(std::span<const std::byte> pickle,
                                                  const std::string& source) {
  return Unpickler(pickle, source).run();
}

}  // namespace embed
