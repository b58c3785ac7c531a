// Block memory (packed weights, activations): 2 MB aligned when that large, and advised as
// transparent huge pages.
#include "kernels/block_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "kernels/aligned_vector.h"

namespace embed::kernels {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

uintptr_t address(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

// The THPeligible field of the mapping of /proc/self/smaps that contains p; "" if not found.
std::string thp_eligible(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= address(p) && address(p) < end;
    } else if (inside && line.rfind("THPeligible:", 0) == 0) {
      const size_t value = line.find_first_not_of(" \t", std::strlen("THPeligible:"));
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return "";
}

// The selected mode of /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise",
// "never"), or "" where the kernel has no THP.
std::string thp_mode() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(file, modes);
  const size_t open = modes.find('['), close = modes.find(']');
  if (open == std::string::npos || close == std::string::npos) return "";
  return modes.substr(open + 1, close - open - 1);
}

TEST(BlockMemory, NothingForZeroBytes) {
  EXPECT_EQ(allocate_block(0), nullptr);
  EXPECT_EQ(allocate_shared_block(0), nullptr);
}

TEST(BlockMemory, SmallBlocksStartOnACacheLine) {
  for (size_t bytes : {1, 100, 4096, 1 << 20}) {
    const auto memory = allocate_shared_block(bytes);
    ASSERT_NE(memory, nullptr);
    EXPECT_EQ(address(memory.get()) % 64, 0u) << bytes;
    std::memset(memory.get(), 0x5a, bytes);  // all of it is ours to write
    EXPECT_EQ(memory[bytes - 1], std::byte{0x5a});
  }
}

TEST(BlockMemory, LargeBlocksStartOnAHugePage) {
  for (size_t bytes : {kHugePage, 5 * kHugePage + 12345}) {
    const auto memory = allocate_shared_block(bytes);
    ASSERT_NE(memory, nullptr);
    EXPECT_EQ(address(memory.get()) % kHugePage, 0u) << bytes;
    std::memset(memory.get(), 0x5a, bytes);
    EXPECT_EQ(memory[bytes - 1], std::byte{0x5a});
  }
}

TEST(BlockMemory, LargeBlocksAreAdvisedAsHugePages) {
  const std::string mode = thp_mode();
  if (mode.empty() || mode == "never")
    GTEST_SKIP() << "transparent huge pages are off on this machine (mode '" << mode << "')";
  const auto memory = allocate_shared_block(3 * kHugePage);
  const std::string eligible = thp_eligible(memory.get());
  if (eligible.empty()) GTEST_SKIP() << "this kernel's /proc/self/smaps has no THPeligible field";
  // In "madvise" mode only the advice makes the mapping eligible.
  EXPECT_EQ(eligible, "1") << "THP mode " << mode;
  // Activations: large AlignedVectors take their storage from allocate_block.
  const AlignedVector<float> activations(kHugePage);
  EXPECT_EQ(address(activations.data()) % kHugePage, 0u);
  EXPECT_EQ(thp_eligible(activations.data()), "1") << "THP mode " << mode;
}

}  // namespace
}  // namespace embed::kernels
