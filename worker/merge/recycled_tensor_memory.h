// Recycling of large CPU tensor buffers while a merge runs. A merge makes the same handful of
// tensor sizes over and over (every layer has the same shapes), and each fresh buffer of tens
// or hundreds of MB costs a page fault and a zeroed page per 4 KiB, and on VMs that hand
// freed memory back to the host, a host fault too. While a RecycledTensorMemory is alive,
// CPU tensors of at least kMinRecycledBytes get memory of their own mapping, and a freed one
// is kept (up to a byte budget, least recently freed dropped first) for the next tensor of
// the same size. A fresh buffer first returns as many kept bytes to the system, so keeping
// adds little to the peak. Smaller tensors go to the allocator that was in place before.
//
// The scope acts on the whole process: large tensors of other threads (a worker's other job
// slots) are recycled too while it is alive, within the same budget. Scopes nest; the
// outermost one's budget holds.
#pragma once

#include <cstddef>

namespace acdc {

inline constexpr size_t kMinRecycledBytes = size_t{1} << 20;

class RecycledTensorMemory {
 public:
  // `kept_bytes`: the most freed memory held for reuse at any time.
  explicit RecycledTensorMemory(size_t kept_bytes);
  // When no other scope is alive, stops recycling and returns the kept memory to the system.
  // Tensors still alive stay valid and are unmapped when freed.
  ~RecycledTensorMemory();
  RecycledTensorMemory(const RecycledTensorMemory&) = delete;
  RecycledTensorMemory& operator=(const RecycledTensorMemory&) = delete;

  // Freed memory held for reuse now.
  static size_t KeptBytes();
};

}  // namespace acdc
