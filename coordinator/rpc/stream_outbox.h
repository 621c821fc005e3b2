// Serialises writes on a server stream of the gRPC callback API: gRPC allows one write in
// flight per stream, while the managers send from any thread. Messages queue here and go
// out one by one; Finish waits for the queue to drain. After the reactor is done, sends are
// dropped silently (the peer is gone; leases and watchers handle the consequences).
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>

#include "absl/synchronization/mutex.h"

namespace acdc {

template <typename Message, typename Reactor>
class StreamOutbox {
 public:
  explicit StreamOutbox(Reactor* reactor) : reactor_(reactor) {}

  void Send(Message message) {
    const Message* next = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      queue_.push_back(std::move(message));
      if (writing_) return;
      writing_ = true;
      next = &queue_.front();
    }
    // Outside the lock: gRPC may run OnWriteDone inline.
    reactor_->StartWrite(next);
  }

  // To be called from the reactor's OnWriteDone.
  void OnWriteDone(bool ok) {
    const Message* next = nullptr;
    bool finish_now = false;
    {
      absl::MutexLock lock(&mu_);
      queue_.pop_front();
      if (!ok) {
        closed_ = true;
        queue_.clear();
      }
      if (!queue_.empty()) {
        next = &queue_.front();
      } else {
        writing_ = false;
        finish_now = finish_requested_ && !finished_;
        if (finish_now) finished_ = true;
      }
    }
    if (next != nullptr) reactor_->StartWrite(next);
    if (finish_now) reactor_->Finish(finish_status_);
  }

  // Ends the stream once queued messages are written; later sends are dropped.
  void Finish(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finish_requested_) return;
      finish_requested_ = true;
      finish_status_ = status;
      closed_ = true;  // queued messages still drain before the stream ends
      if (writing_) return;
      finished_ = true;
    }
    reactor_->Finish(status);
  }

  // To be called from the reactor's OnDone: nothing more may touch the reactor.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    queue_.clear();
  }

 private:
  Reactor* const reactor_;
  absl::Mutex mu_;
  std::deque<Message> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace acdc
