#pragma once

namespace embed {

// How the encoder's GEMMs compute. Auto: F32 for float checkpoints, INT8 for folders written by
// `embed quantize`. BF16 converts F32/F16/BF16 weights once at load (bf16 products, f32
// accumulation; see kernels/prepared_linear.h for CPUs without native bf16).
enum class ComputeType { Auto, F32, BF16 };

}  // namespace embed
