#include "worker/merge/recycled_tensor_memory.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <list>
#include <mutex>
#include <unordered_map>

namespace acdc {
namespace {

// Mappings are whole multiples of this, so that sizes a few bytes apart share buffers.
constexpr size_t kGranule = size_t{2} << 20;

struct Block {
  void* data;
  size_t size;
};

// torch's CPU allocator from the first scope on. It is installed once and never removed or
// destroyed, because tensors made under a scope may be freed long after it ends, and because
// c10 does not guard its allocator slot against concurrent use; outside a scope it forwards
// everything to the allocator it replaced. The context of its data pointers is the data
// itself, as with c10's default allocator, so raw_allocate/raw_deallocate (oneDNN) work too.
class Recycler final : public c10::Allocator {
 public:
  static Recycler& Get() {
    static Recycler* recycler = new Recycler();
    return *recycler;
  }

  void Enter(size_t kept_bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (scopes_++ > 0) return;
    budget_ = kept_bytes;
    recycling_.store(true, std::memory_order_release);
  }

  void Leave() {
    std::list<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--scopes_ > 0) return;
      recycling_.store(false, std::memory_order_release);
      budget_ = 0;
      dropped = TakeOldest(kept_bytes_);
    }
    Unmap(dropped);
  }

  size_t kept_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return kept_bytes_;
  }

  c10::DataPtr allocate(size_t n) override {
    if (n < kMinRecycledBytes || !recycling_.load(std::memory_order_acquire)) {
      return previous_->allocate(n);
    }
    TORCH_CHECK_WITH(OutOfMemoryError, n <= SIZE_MAX - kGranule, "cannot allocate ", n,
                     " bytes for a tensor");
    const size_t size = (n + kGranule - 1) / kGranule * kGranule;
    void* data = TakeKept(size);
    if (data == nullptr) data = Map(size);
    std::lock_guard<std::mutex> lock(mutex_);
    live_.emplace(data, size);
    return {data, data, &Recycler::Free, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &Recycler::Free; }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }

 private:
  Recycler() : previous_(c10::GetCPUAllocator()) { c10::SetCPUAllocator(this); }

  static void* Map(size_t size) {
    void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TORCH_CHECK_WITH(OutOfMemoryError, data != MAP_FAILED, "could not map ", size,
                     " bytes for a tensor: ", std::strerror(errno));
    return data;
  }

  static void Unmap(const std::list<Block>& blocks) {
    for (const Block& block : blocks) munmap(block.data, block.size);
  }

  // The most recently freed kept buffer of exactly `size` bytes; null if none. On a miss, the
  // least recently freed buffers, `size` bytes or more in all, go back to the system, so that
  // the fresh buffer replaces them instead of adding to the process's memory.
  void* TakeKept(size_t size) {
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
      dropped = TakeOldest(size);
    }
    Unmap(dropped);
    return nullptr;
  }

  // Removes the least recently freed kept buffers until `bytes` or more are out; the caller
  // holds mutex_ and unmaps them after releasing it.
  std::list<Block> TakeOldest(size_t bytes) {
    std::list<Block> taken;
    for (size_t freed = 0; freed < bytes && !kept_.empty();) {
      freed += kept_.front().size;
      kept_bytes_ -= kept_.front().size;
      taken.splice(taken.end(), kept_, kept_.begin());
    }
    return taken;
  }

  static void Free(void* data) {
    Recycler& recycler = Get();
    if (recycler.Keep(data)) return;
    const c10::DeleterFnPtr deleter = recycler.previous_->raw_deleter();
    TORCH_CHECK(deleter != nullptr, "the CPU allocator acdc replaced cannot free raw memory");
    deleter(data);
  }

  // Keeps a buffer of ours for reuse, dropping the least recently freed ones past the budget;
  // false for memory the previous allocator gave out (through raw_allocate).
  bool Keep(void* data) {
    std::list<Block> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto live = live_.find(data);
      if (live == live_.end()) return false;
      kept_.push_back({data, live->second});
      kept_bytes_ += live->second;
      live_.erase(live);
      if (kept_bytes_ > budget_) dropped = TakeOldest(kept_bytes_ - budget_);
    }
    Unmap(dropped);
    return true;
  }

  c10::Allocator* const previous_;
  std::atomic<bool> recycling_ = false;
  std::mutex mutex_;
  int scopes_ = 0;
  size_t budget_ = 0;
  std::unordered_map<void*, size_t> live_;  // buffers of ours held by tensors: data -> size
  std::list<Block> kept_;                   // least recently freed first
  size_t kept_bytes_ = 0;
};

}  // namespace

RecycledTensorMemory::RecycledTensorMemory(size_t kept_bytes) { Recycler::Get().Enter(kept_bytes); }

RecycledTensorMemory::~RecycledTensorMemory() { Recycler::Get().Leave(); }

size_t RecycledTensorMemory::KeptBytes() { return Recycler::Get().kept_bytes(); }

}  // namespace acdc
