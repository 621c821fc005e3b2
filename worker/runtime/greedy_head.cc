#include "worker/runtime/greedy_head.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <vector>

#include "worker/runtime/kernels/packed_gemm.h"

namespace acdc {
namespace {

// Rows quantised at a time: whole panels.
constexpr int64_t kQuantiseRows = 64 * kPanelWidth;
// Past this share of the panels (1/8) the screen saves little: the row takes the full product.
constexpr int64_t kCandidateShareInverse = 8;

// Row j's int8 logit ã_j and its error bound e_j (greedy_head.h).
struct Bound {
  const float* quantised_logits;  // ã_j / s_j
  const float* scales;            // s_j
  const float* norms;             // ‖w_j‖₂
  float per_scale;
  float per_norm;

  float Approx(int64_t j) const { return quantised_logits[j] * scales[j]; }
  float Error(int64_t j) const { return per_scale * scales[j] + per_norm * norms[j]; }
};

// The next two run vectorised (the head exists only where AVX-512F does): scalar passes over
// a 49,152-row vocabulary cost a third of the int8 product itself. `b` comes by value, so the
// compiler knows its pointers stay put.

// max_j(ã_j − e_j) over rows [0, n).
__attribute__((target("avx512f"))) float HighestLowerBound(const Bound b, int64_t n) {
  float highest = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : highest)
  for (int64_t j = 0; j < n; ++j) {
    const float low = b.Approx(j) - b.Error(j);
    highest = low > highest ? low : highest;
  }
  return highest;
}

// The panels with a row where ã_j + e_j ≥ lower, in order.
__attribute__((target("avx512f"))) std::vector<int64_t> PanelsReaching(const Bound b, int64_t n,
                                                                       float lower) {
  std::vector<int64_t> panels;
  for (int64_t p = 0; p < PanelCount(n); ++p) {
    const int64_t end = std::min(n, (p + 1) * kPanelWidth);
    int reaching = 0;
#pragma omp simd reduction(+ : reaching)
    for (int64_t j = p * kPanelWidth; j < end; ++j) reaching += b.Approx(j) + b.Error(j) >= lower;
    if (reaching > 0) panels.push_back(p);
  }
  return panels;
}

// The panels whose rows may hold the largest logit of one hidden state, or none when the
// bound cannot be trusted (a non-finite value) or leaves too many to be worth it.
std::vector<int64_t> CandidatePanels(const float* h, int64_t k, const float* quantised_logits,
                                     const GreedyHead& head, int64_t n) {
  double l1 = 0;
  double l2 = 0;
  for (int64_t i = 0; i < k; ++i) {
    l1 += std::fabs(h[i]);
    l2 += static_cast<double>(h[i]) * h[i];
  }
  const Bound bound{quantised_logits, head.scales.data_ptr<float>(),
                    head.row_norms.data_ptr<float>(), static_cast<float>(1.01 * 0.5 * l1),
                    static_cast<float>(1.01 * 4 * k * 0x1p-24 * std::sqrt(l2))};
  const float lower = HighestLowerBound(bound, n);
  if (!std::isfinite(lower) || !std::isfinite(bound.per_scale) || !std::isfinite(bound.per_norm)) {
    return {};
  }
  std::vector<int64_t> panels = PanelsReaching(bound, n, lower);
  if (static_cast<int64_t>(panels.size()) * kCandidateShareInverse > PanelCount(n)) return {};
  return panels;
}

// The first index of the largest fp32 logit among the given panels' rows. Each panel is
// computed as a product of its own (its rows' outputs do not depend on the others').
int64_t ArgmaxOverPanels(const float* h, int64_t k, const PackedWeight& packed,
                         const std::vector<int64_t>& panels) {
  const float* weights = packed.panels.data_ptr<float>();
  int64_t best = -1;
  float best_logit = 0;
  for (int64_t p : panels) {
    const int64_t first = p * kPanelWidth;
    const int64_t rows = std::min(kPanelWidth, packed.n - first);
    float logits[kPanelWidth];
    PackedGemm(h, 1, k, weights + first * k, rows, nullptr, logits, 0, 1);
    for (int64_t r = 0; r < rows; ++r) {
      if (best < 0 || logits[r] > best_logit) {
        best = first + r;
        best_logit = logits[r];
      }
    }
  }
  return best;
}

}  // namespace

GreedyHead MakeGreedyHead(const at::Tensor& weight) {
  if (!PackedLinearRuns(weight) || weight.scalar_type() != at::kFloat) return {};
  const at::Tensor w = weight.contiguous();
  const int64_t n = w.size(0);
  const int64_t k = w.size(1);
  GreedyHead head{at::empty({PanelCount(n), k, kPanelWidth}, w.options().dtype(at::kChar)),
                  at::empty({n}, w.options()), at::empty({n}, w.options())};
  // In blocks of whole panels, so that the temporaries stay small beside the model.
  for (int64_t begin = 0; begin < n; begin += kQuantiseRows) {
    const int64_t end = std::min(n, begin + kQuantiseRows);
    const at::Tensor rows = w.slice(0, begin, end);
    at::Tensor scales = head.scales.slice(0, begin, end);
    scales.copy_(rows.abs().amax(1) / 127);
    head.row_norms.slice(0, begin, end).copy_(rows.norm(2, 1));
    // A zero row has scale 0: dividing by the smallest normal float keeps its zeros.
    const at::Tensor divisor = scales.clamp_min(std::numeric_limits<float>::min()).unsqueeze(1);
    const at::Tensor quantised = (rows / divisor).round_().clamp_(-127, 127).to(at::kChar);
    const int8_t* qp = quantised.data_ptr<int8_t>();
    int8_t* pp = head.panels[begin / kPanelWidth].data_ptr<int8_t>();
    at::parallel_for(0, PanelCount(end - begin), kPanelGrain, [&](int64_t first, int64_t last) {
      PackPanels(qp, end - begin, k, pp, first, last);
    });
  }
  return head;
}

at::Tensor GreedyTokens(const at::Tensor& hidden, const GreedyHead& head,
                        const PackedWeight& packed) {
  const at::Tensor x = hidden.contiguous();
  const int64_t rows = x.size(0);
  const int64_t k = x.size(1);
  const int64_t n = packed.n;
  at::Tensor quantised_logits = at::empty({rows, n}, x.options());
  const float* xp = x.data_ptr<float>();
  const int8_t* hp = head.panels.data_ptr<int8_t>();
  float* qp = quantised_logits.data_ptr<float>();
  at::parallel_for(0, PanelCount(n), kPanelGrain, [&](int64_t begin, int64_t end) {
    PackedGemm(xp, rows, k, hp, n, nullptr, qp, begin, end);
  });
  at::Tensor tokens = at::empty({rows}, x.options().dtype(at::kLong));
  int64_t* out = tokens.data_ptr<int64_t>();
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* h = xp + r * k;
      std::vector<int64_t> panels = CandidatePanels(h, k, qp + r * n, head, n);
      if (panels.empty()) {
        out[r] = PackedLinear(x[r], packed).argmax().item<int64_t>();
      } else {
        out[r] = ArgmaxOverPanels(h, k, packed, panels);
      }
    }
  });
  return tokens;
}

}  // namespace acdc
