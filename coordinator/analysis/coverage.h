// Coverage and its companions on a held-out benchmark (DESIGN.md "After a run"), from each
// model's answers to the benchmark's items. Pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace acdc {

struct ItemAnswer {
  std::string answer;  // the extracted final answer (the whole response when it has none)
  bool correct = false;
};

// Model id -> its answer to every benchmark item, all in the same item order.
using AnswerTable = std::map<std::string, std::vector<ItemAnswer>>;

// Share of items at least one member answered correctly; 0 without members or items.
double Coverage(const std::vector<std::string>& members, const AnswerTable& answers);

// Share of items the members' most frequent answer is right on (ties: the answer of the
// earliest member among the tied ones).
double MajorityVote(const std::vector<std::string>& members, const AnswerTable& answers);

// The member's share of items right.
double Accuracy(const std::string& model, const AnswerTable& answers);

// Per member: items only it answered correctly among the members.
std::map<std::string, int> UniqueContributions(const std::vector<std::string>& members,
                                               const AnswerTable& answers);

}  // namespace acdc
