#include "coordinator/cli/diag_run.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/ids.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

constexpr int kMaxChunk = 500;

struct DiagJobState {
  std::string id;
  std::string payload;
  absl::Time submitted;
  bool received = false;
};

// Shared with in-flight watch streams, which may outlive a timed-out run.
struct DiagState {
  absl::Mutex mu;
  std::vector<DiagJobState> jobs ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int> index ABSL_GUARDED_BY(mu);
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  std::deque<std::vector<int>> rewatch ABSL_GUARDED_BY(mu);
  int received = 0;
  int completed = 0;
  int duplicates = 0;
  int failed = 0;
  absl::Time last_received;
  absl::Status fatal;
  std::string first_failure;
};

bool IsPermanent(const absl::Status& status) {
  return absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status) ||
         absl::IsInvalidArgument(status) || absl::IsNotFound(status);
}

void OnOutcome(DiagState& state, const v1::JobOutcome& outcome) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&state.mu);
  auto it = state.index.find(outcome.job_id());
  if (it == state.index.end()) return;
  DiagJobState& job = state.jobs[it->second];
  if (job.received) {
    ++state.duplicates;
    return;
  }
  job.received = true;
  ++state.received;
  state.last_received = now;
  if (outcome.state() == v1::JOB_STATE_DONE && outcome.output().diag().payload() == job.payload) {
    ++state.completed;
    state.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - job.submitted));
    return;
  }
  ++state.failed;
  if (state.first_failure.empty()) {
    state.first_failure = outcome.state() == v1::JOB_STATE_DONE
                              ? absl::StrFormat("job %s echoed a different payload", job.id)
                              : absl::StrFormat("job %s failed: %s", job.id, outcome.error());
  }
}

void Watch(ControlClient& client, const std::shared_ptr<DiagState>& state, std::vector<int> chunk) {
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&state->mu);
    for (int i : chunk) ids.push_back(state->jobs[i].id);
  }
  client.WatchAsync(
      ids, [state](const v1::JobOutcome& outcome) { OnOutcome(*state, outcome); },
      [state, chunk = std::move(chunk)](const absl::Status& status) {
        absl::MutexLock lock(&state->mu);
        std::vector<int> missing;
        for (int i : chunk) {
          if (!state->jobs[i].received) missing.push_back(i);
        }
        if (missing.empty()) return;
        if (IsPermanent(status)) {
          state->fatal = status;
        } else {
          state->rewatch.push_back(std::move(missing));  // the coordinator went away: retry
        }
      });
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
  return values[std::min(rank, values.size() - 1)];
}

}  // namespace

std::string DiagReport::ToJson() const {
  nlohmann::ordered_json json = {{"submitted", submitted},
                                 {"completed", completed},
                                 {"duplicates", duplicates},
                                 {"failed", failed},
                                 {"jobs_per_s", std::round(jobs_per_s * 10) / 10},
                                 {"p50_ms", std::round(p50_ms * 100) / 100},
                                 {"p99_ms", std::round(p99_ms * 100) / 100}};
  return json.dump();
}

absl::StatusOr<DiagReport> RunDiag(ControlClient& client, const DiagOptions& options) {
  auto state = std::make_shared<DiagState>();
  const std::string tag = RandomHex(6);
  {
    absl::MutexLock lock(&state->mu);
    for (int i = 0; i < options.jobs; ++i) {
      DiagJobState job;
      job.id = absl::StrFormat("diag-%s-%d", tag, i);
      job.payload = absl::StrFormat("%s:%d:%s", tag, i, RandomHex(8));
      state->index[job.id] = i;
      state->jobs.push_back(std::move(job));
    }
  }
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + options.timeout;
  absl::Time next_progress = start + absl::Seconds(2);
  int next = 0;
  while (true) {
    const absl::Time now = absl::Now();
    if (now > deadline) break;
    {
      absl::MutexLock lock(&state->mu);
      if (!state->fatal.ok()) return state->fatal;
      if (state->received == options.jobs) break;
    }
    if (next < options.jobs) {
      int due = options.jobs;
      if (options.rate > 0) {
        due = std::min(options.jobs,
                       static_cast<int>(absl::ToDoubleSeconds(now - start) * options.rate) + 1);
      }
      if (due > next) {
        const int end = std::min(due, next + kMaxChunk);
        std::vector<v1::JobSubmission> submissions;
        std::vector<int> chunk;
        {
          absl::MutexLock lock(&state->mu);
          for (int i = next; i < end; ++i) {
            v1::JobSubmission& submission = submissions.emplace_back();
            submission.set_job_id(state->jobs[i].id);
            submission.mutable_spec()->mutable_diag()->set_payload(state->jobs[i].payload);
            submission.mutable_spec()->mutable_diag()->set_sleep_ms(
                static_cast<uint32_t>(options.sleep_ms));
            state->jobs[i].submitted = now;
            chunk.push_back(i);
          }
        }
        absl::StatusOr<std::vector<std::string>> submitted = client.Submit(submissions);
        if (!submitted.ok()) {
          if (IsPermanent(submitted.status())) return submitted.status();
          std::cerr << "diag: " << submitted.status().message() << "; retrying" << std::endl;
          absl::SleepFor(absl::Milliseconds(500));
          continue;  // the same ids again: submission is idempotent
        }
        Watch(client, state, std::move(chunk));
        next = end;
        continue;
      }
    }
    std::deque<std::vector<int>> rewatch;
    {
      absl::MutexLock lock(&state->mu);
      rewatch.swap(state->rewatch);
    }
    if (!rewatch.empty()) {
      absl::SleepFor(absl::Milliseconds(300));  // give a restarting coordinator a moment
      for (auto& chunk : rewatch) Watch(client, state, std::move(chunk));
    }
    if (options.progress && now >= next_progress) {
      absl::MutexLock lock(&state->mu);
      std::cerr << absl::StrFormat("diag: %d/%d submitted, %d done, %d failed\n", next,
                                   options.jobs, state->completed, state->failed);
      next_progress = now + absl::Seconds(2);
    }
    absl::MutexLock lock(&state->mu);
    auto wake = [&state, n = options.jobs]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state->mu) {
      return state->received == n || !state->rewatch.empty() || !state->fatal.ok();
    };
    state->mu.AwaitWithTimeout(absl::Condition(&wake), options.rate > 0 && next < options.jobs
                                                           ? absl::Milliseconds(2)
                                                           : absl::Milliseconds(100));
  }

  absl::MutexLock lock(&state->mu);
  if (next < options.jobs) {
    return absl::DeadlineExceededError(absl::StrFormat(
        "timed out after submitting %d of %d jobs (is a worker connected?)", next, options.jobs));
  }
  if (!state->first_failure.empty()) std::cerr << "diag: " << state->first_failure << std::endl;
  DiagReport report;
  report.submitted = options.jobs;
  report.completed = state->completed;
  report.duplicates = state->duplicates;
  report.failed = state->failed + (options.jobs - state->received);  // never heard of: lost
  const double seconds = absl::ToDoubleSeconds(state->last_received - start);
  report.jobs_per_s = seconds > 0 ? state->completed / seconds : 0;
  report.p50_ms = Quantile(state->latencies_ms, 0.50);
  report.p99_ms = Quantile(state->latencies_ms, 0.99);
  return report;
}

}  // namespace acdc
