// The Python harness that runs a TaskFamily inside the sandbox, and its protocol. One run of
// the harness serves a whole request (every instance's instructions, or a batch of scores):
// python's start-up is the main cost of a sandboxed call.
//
// The harness is started as `python3 -I -B /harness.py` with the task at /task/task.py.
// Request (stdin, one JSON object):
//   {"op": "instructions" | "score", "submissions": {id: text}  (score only),
//    "limits": {"processes": N, "memory_mb": N}, "judge": true | false}
// Reply (stdout, one JSON object per line; the task's own prints go to stderr):
//   {"ready": true}                    the sandbox is up, before any task code runs
//   {"error": "..."}                   task.py, TaskFamily or get_tasks() failed; ends the reply
//   {"start": id}                      task code for instance `id` is about to run
//   {"id": id, "instructions": "..."}  (op instructions)
//   {"id": id, "score": x | null}      (op score; x a finite number, null for None)
//   {"id": id, "error": "..."}         this instance's call raised or returned a bad value
//   {"done": true}                     every instance was answered
// A run that stops without "done" was ended by a limit or by the task; the instance of the
// last unanswered "start" is the one that ended it.
//
// With "judge": true, task code may call eval_with_llm_judge(instructions, submission,
// criteria=None) -> bool (importable as the reference's `src.eval_helper`, and a builtin): it
// writes {"judge": {"instructions", "submission", "criteria"}} as a line to descriptor 3 and
// reads {"decision": bool} or {"error": "..."} (raised) as a line from descriptor 4
// (sandbox_run.h's helper channel). Without a judge, it raises and says so.
#pragma once

namespace acdc {

extern const char kTaskHarnessPy[];

}  // namespace acdc
