#include "common/llm/task_judge.h"

#include <regex>

#include "absl/strings/str_cat.h"

namespace acdc {
namespace {

constexpr char kSystem[] =
    "You judge whether an agent's submission succeeds at a task. You are given the task's "
    "instructions, the submission and possibly extra criteria the submission must also meet. "
    "Judge only what is asked: the length of the submission must not sway you.\n\n"
    "Answer in exactly this form:\n\n"
    "THOUGHT:\n<your brief reasoning about the submission and each criterion>\n\n"
    "DECISION:\n<Yes or No>";

std::string UserTurn(const std::string& instructions, const std::string& submission,
                     const std::vector<std::string>& criteria) {
  std::string listed;
  for (const std::string& criterion : criteria) absl::StrAppend(&listed, "* ", criterion, "\n");
  return absl::StrCat("Instructions:\n\"\"\"\n", instructions, "\n\"\"\"\n\nSubmission:\n\"\"\"\n",
                      submission, "\n\"\"\"\n\nAdditional criteria:\n\"\"\"\n",
                      listed.empty() ? "(none)\n" : listed, "\"\"\"\n");
}

}  // namespace

bool JudgeDecision(const std::string& reply) {
  static const std::regex decision(R"(DECISION:\s*\**\s*(Yes|No)\b)", std::regex::icase);
  bool yes = false;
  for (auto it = std::sregex_iterator(reply.begin(), reply.end(), decision);
       it != std::sregex_iterator(); ++it) {
    const std::string word = (*it)[1].str();
    yes = word[0] == 'y' || word[0] == 'Y';
  }
  return yes;
}

TaskJudge MakeTaskJudge(std::shared_ptr<LlmClient> client, ChatOptions options) {
  return [client = std::move(client), options](
             const std::string& instructions, const std::string& submission,
             const std::vector<std::string>& criteria) -> absl::StatusOr<bool> {
    absl::StatusOr<ChatReply> reply = client->Chat(
        {{"system", kSystem}, {"user", UserTurn(instructions, submission, criteria)}}, options);
    if (!reply.ok()) return reply.status();
    return JudgeDecision(reply->text);
  };
}

}  // namespace acdc
