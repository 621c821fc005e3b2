#include "worker/merge/recycled_tensor_memory.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>

#include <cstring>
#include <list>
#include <mutex>

namespace acdc {
namespace {

// Mappings are whole multiples of this, so that sizes a few bytes apart share buffers.
constexpr size_t kGranule = size_t{2} << 20;

struct Block {
  void* data;
  size_t size;
};

// The allocator installed as torch's CPU allocator while a scope is alive. It is never
// destroyed: a tensor made under a scope may be freed long after it ends.
class Recycler final : public c10::Allocator {
 public:
  static Recycler& Get() {
    static Recycler* recycler = new Recycler();
    return *recycler;
  }

  void Enter(size_t kept_bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (scopes_++ > 0) return;
    previous_ = c10::GetCPUAllocator();
    budget_ = kept_bytes;
    c10::SetCPUAllocator(this);
  }

  void Leave() {
    std::list<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--scopes_ > 0) return;
      if (c10::GetCPUAllocator() == this) c10::SetCPUAllocator(previous_);
      budget_ = 0;
      dropped.swap(kept_);
      kept_bytes_ = 0;
    }
    Unmap(dropped);
  }

  size_t kept_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return kept_bytes_;
  }

  c10::DataPtr allocate(size_t n) override {
    if (n < kMinRecycledBytes) return previous_->allocate(n);
    const size_t size = (n + kGranule - 1) / kGranule * kGranule;
    Block* block = new Block{Reuse(size), size};
    if (block->data == nullptr) block->data = Map(size);
    return {block->data, block, &Recycler::Free, c10::Device(c10::DeviceType::CPU)};
  }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }

 private:
  Recycler() = default;

  static void* Map(size_t size) {
    void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TORCH_CHECK_WITH(OutOfMemoryError, data != MAP_FAILED, "could not map ", size,
                     " bytes for a tensor: ", std::strerror(errno));
    return data;
  }

  // A kept buffer of exactly `size` bytes, the most recently freed one; null if none. On a
  // miss, kept buffers of about `size` bytes (least recently freed first) are returned to the
  // system, so that the fresh buffer replaces them instead of adding to the process's memory.
  void* Reuse(size_t size) {
    std::list<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = kept_.rbegin(); it != kept_.rend(); ++it) {
        if (it->size != size) continue;
        void* data = it->data;
        kept_bytes_ -= size;
        kept_.erase(std::next(it).base());
        return data;
      }
      for (size_t freed = 0; freed < size && !kept_.empty();) {
        freed += kept_.front().size;
        kept_bytes_ -= kept_.front().size;
        dropped.splice(dropped.end(), kept_, kept_.begin());
      }
    }
    Unmap(dropped);
    return nullptr;
  }

  static void Unmap(const std::list<Block>& blocks) {
    for (const Block& block : blocks) munmap(block.data, block.size);
  }

  static void Free(void* context) {
    Block* block = static_cast<Block*>(context);
    Get().Keep(*block);
    delete block;
  }

  // Keeps `block` for reuse, dropping the least recently freed ones past the budget.
  void Keep(const Block& block) {
    std::list<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      kept_.push_back(block);
      kept_bytes_ += block.size;
      while (kept_bytes_ > budget_) {
        kept_bytes_ -= kept_.front().size;
        dropped.splice(dropped.end(), kept_, kept_.begin());
      }
    }
    Unmap(dropped);
  }

  std::mutex mutex_;
  int scopes_ = 0;
  c10::Allocator* previous_ = nullptr;
  size_t budget_ = 0;
  std::list<Block> kept_;  // least recently freed first
  size_t kept_bytes_ = 0;
};

}  // namespace

RecycledTensorMemory::RecycledTensorMemory(size_t kept_bytes) { Recycler::Get().Enter(kept_bytes); }

RecycledTensorMemory::~RecycledTensorMemory() { Recycler::Get().Leave(); }

size_t RecycledTensorMemory::KeptBytes() { return Recycler::Get().kept_bytes(); }

}  // namespace acdc
