// Raises every thread stack size a library asks for to at least 1 MiB.
//
// prometheus-cpp's embedded civetweb starts its threads with 100 KiB stacks. In a process
// linked to libtorch, the static TLS of torch and its BLAS needs more than that, so
// pthread_create fails and the metrics Exposer throws "null context when constructing
// CivetServer" although its port bound fine (BUILD-NOTES, trap 3). Defining the function in
// the executable interposes it for every shared library; it is linked as an object library
// into each binary that serves /metrics and loads torch.
#include <dlfcn.h>
#include <pthread.h>

#include <algorithm>
#include <cstddef>

namespace {

constexpr size_t kMinimumStackBytes = size_t{1} << 20;

using SetStackSize = int (*)(pthread_attr_t*, size_t);

SetStackSize RealSetStackSize() {
  static SetStackSize real =
      reinterpret_cast<SetStackSize>(dlsym(RTLD_NEXT, "pthread_attr_setstacksize"));
  return real;
}

}  // namespace

extern "C" int pthread_attr_setstacksize(pthread_attr_t* attr, size_t stack_size) {
  return RealSetStackSize()(attr, std::max(stack_size, kMinimumStackBytes));
}
