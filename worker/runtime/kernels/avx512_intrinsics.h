// <immintrin.h> for the kernels' .cc files. GCC 12's avx512fintrin.h trips -Wuninitialized on
// its own helpers (an `undefined` vector it deliberately leaves uninitialized, GCC bug 105593);
// the warning is not about the code that includes it, so it is silenced here and only here.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
