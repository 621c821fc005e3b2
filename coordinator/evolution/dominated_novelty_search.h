// Dominated Novelty Search (DNS) as the AC/DC reference runs it: a pure function of the
// candidates' fitnesses and skill vectors, in their order, to the survivors' order. The
// reference's quirks are kept (DESIGN.md, "The AC/DC loop", step 4): the "found" flag that
// makes equal-fitness models after the first maximal one count each other as fitter, and a
// stable sort so ties keep the candidates' order.
#pragma once

#include <cstdint>
#include <vector>

namespace acdc {

struct DnsCandidate {
  double fitness = 0;
  std::vector<uint8_t> skills;  // 0/1 per task, the same task order for every candidate
};

struct DnsOptions {
  int keep = 16;                 // P: survivors at most
  int k = 3;                     // nearest fitter neighbours averaged
  double dominated_score = 999;  // the score of a candidate with no fitter one
};

struct DnsResult {
  std::vector<double> scores;  // per candidate, in the candidates' order
  std::vector<int> survivors;  // candidate indices: the first `keep` by score, descending, stable
};

// Candidates must all have skill vectors of the same length (checked by the caller).
DnsResult DominatedNoveltySearch(const std::vector<DnsCandidate>& candidates,
                                 const DnsOptions& options);

}  // namespace acdc
