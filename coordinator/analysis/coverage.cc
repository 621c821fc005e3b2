#include "coordinator/analysis/coverage.h"

#include <algorithm>

namespace acdc {
namespace {

size_t ItemCount(const std::vector<std::string>& members, const AnswerTable& answers) {
  size_t items = 0;
  for (const std::string& member : members) {
    if (auto it = answers.find(member); it != answers.end()) {
      items = std::max(items, it->second.size());
    }
  }
  return items;
}

const ItemAnswer* AnswerOf(const AnswerTable& answers, const std::string& model, size_t item) {
  auto it = answers.find(model);
  if (it == answers.end() || item >= it->second.size()) return nullptr;
  return &it->second[item];
}

}  // namespace

double Coverage(const std::vector<std::string>& members, const AnswerTable& answers) {
  const size_t items = ItemCount(members, answers);
  if (items == 0) return 0;
  size_t covered = 0;
  for (size_t i = 0; i < items; ++i) {
    for (const std::string& member : members) {
      const ItemAnswer* answer = AnswerOf(answers, member, i);
      if (answer != nullptr && answer->correct) {
        ++covered;
        break;
      }
    }
  }
  return static_cast<double>(covered) / static_cast<double>(items);
}

double MajorityVote(const std::vector<std::string>& members, const AnswerTable& answers) {
  const size_t items = ItemCount(members, answers);
  if (items == 0) return 0;
  size_t right = 0;
  for (size_t i = 0; i < items; ++i) {
    // Distinct answers in order of first appearance, with their votes and correctness.
    std::vector<const ItemAnswer*> distinct;
    std::vector<int> votes;
    for (const std::string& member : members) {
      const ItemAnswer* answer = AnswerOf(answers, member, i);
      if (answer == nullptr) continue;
      auto same = std::find_if(distinct.begin(), distinct.end(),
                               [&](const ItemAnswer* a) { return a->answer == answer->answer; });
      if (same == distinct.end()) {
        distinct.push_back(answer);
        votes.push_back(1);
      } else {
        ++votes[static_cast<size_t>(same - distinct.begin())];
      }
    }
    if (distinct.empty()) continue;
    const size_t winner =
        static_cast<size_t>(std::max_element(votes.begin(), votes.end()) - votes.begin());
    right += distinct[winner]->correct ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(items);
}

double Accuracy(const std::string& model, const AnswerTable& answers) {
  auto it = answers.find(model);
  if (it == answers.end() || it->second.empty()) return 0;
  size_t right = 0;
  for (const ItemAnswer& answer : it->second) right += answer.correct ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(it->second.size());
}

std::map<std::string, int> UniqueContributions(const std::vector<std::string>& members,
                                               const AnswerTable& answers) {
  std::map<std::string, int> unique;
  for (const std::string& member : members) unique[member] = 0;
  const size_t items = ItemCount(members, answers);
  for (size_t i = 0; i < items; ++i) {
    const std::string* only = nullptr;
    int right = 0;
    for (const std::string& member : members) {
      const ItemAnswer* answer = AnswerOf(answers, member, i);
      if (answer != nullptr && answer->correct) {
        ++right;
        only = &member;
      }
    }
    if (right == 1) ++unique[*only];
  }
  return unique;
}

}  // namespace acdc
