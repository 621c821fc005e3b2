#include "worker/sandbox/task_harness.h"

namespace acdc {

const char kTaskHarnessPy[] =
    R"py(# acdc's TaskFamily harness; the protocol is in worker/sandbox/task_harness.h.
import builtins
import errno
import importlib.util
import json
import math
import numbers
import os
import resource
import socket
import sys
import threading
import types

MAIN_PID = os.getpid()
# Replies go to a private copy of stdout; fd 1 becomes stderr, so the task's prints cannot
# interleave with them.
REPLIES = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
LIMITS = {}


def emit(**message):
    REPLIES.write(json.dumps(message) + "\n")
    REPLIES.flush()


def refuse_network(*args, **kwargs):
    raise PermissionError("network is disabled in the sandbox")


class NoSocket(socket.socket):
    # A class, not a function, so modules that subclass socket.socket (ssl) still import.
    def __init__(self, *args, **kwargs):
        refuse_network()


def block_network():
    # The sandbox has no network to reach anyway; this turns "unreachable" or a DNS timeout
    # into an error that says why.
    socket.socket = NoSocket
    socket.getaddrinfo = refuse_network
    socket.create_connection = refuse_network


JUDGE = {"enabled": False, "lock": threading.Lock(), "replies": None}


def eval_with_llm_judge(instructions, submission, criteria=None):
    """True when the run's judge finds that `submission` succeeds at `instructions` and meets
    every criterion; the worker asks it, outside the sandbox."""
    if not JUDGE["enabled"]:
        raise RuntimeError("eval_with_llm_judge: this run has no judge (configure judge: or an "
                           "LLM scientist in the run config)")
    if isinstance(criteria, str):
        criteria = [criteria]
    line = json.dumps({"judge": {"instructions": str(instructions),
                                 "submission": str(submission),
                                 "criteria": [str(c) for c in (criteria or [])]}})
    with JUDGE["lock"]:
        data = (line + "\n").encode("utf-8", "replace")
        while data:
            data = data[os.write(3, data):]
        if JUDGE["replies"] is None:
            JUDGE["replies"] = os.fdopen(4, "rb")
        reply = JUDGE["replies"].readline()
    if not reply:
        raise RuntimeError("eval_with_llm_judge: the channel to the judge is closed")
    answer = json.loads(reply)
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return bool(answer["decision"])


def install_judge_helper(enabled):
    # As the reference's task programs import it, and as a builtin.
    JUDGE["enabled"] = enabled
    helper = types.ModuleType("src.eval_helper")
    helper.eval_with_llm_judge = eval_with_llm_judge
    package = types.ModuleType("src")
    package.__path__ = []
    package.eval_helper = helper
    sys.modules["src"] = package
    sys.modules["src.eval_helper"] = helper
    builtins.eval_with_llm_judge = eval_with_llm_judge


def describe(error):
    if isinstance(error, MemoryError):
        return f"memory limit ({LIMITS['memory_mb']} MB) exceeded (MemoryError)"
    text = str(error)
    line = f"{type(error).__name__}: {text}" if text else type(error).__name__
    out_of_processes = (isinstance(error, BlockingIOError) and error.errno == errno.EAGAIN) or (
        isinstance(error, RuntimeError) and "can't start new thread" in text)
    if out_of_processes:
        return f"process limit ({LIMITS['processes']}) reached ({line})"
    return line[:2000]


def call(what, function, *args):
    try:
        return function(*args), None
    except BaseException as error:  # SystemExit too: task code must not end the harness
        return None, f"{what} raised {describe(error)}"
    finally:
        if os.getpid() != MAIN_PID:
            os._exit(0)  # a process the task forked must not answer for the harness


def load_family():
    spec = importlib.util.spec_from_file_location("task", "/task/task.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["task"] = module
    spec.loader.exec_module(module)
    if not hasattr(module, "TaskFamily"):
        raise LookupError("task.py defines no class TaskFamily")
    return module.TaskFamily


def load_tasks():
    family, error = call("loading task.py", load_family)
    if error:
        return None, None, error
    tasks, error = call("TaskFamily.get_tasks()", family.get_tasks)
    if error:
        return None, None, error
    if not isinstance(tasks, dict):
        return None, None, (f"TaskFamily.get_tasks() returned a {type(tasks).__name__}, "
                            "expected a dict of instances")
    return family, {str(key): value for key, value in tasks.items()}, None


def list_instructions(family, tasks):
    for instance_id, task in tasks.items():
        emit(start=instance_id)
        text, error = call("get_instructions()", family.get_instructions, task)
        if error is None and not isinstance(text, str):
            error = f"get_instructions() returned a {type(text).__name__}, expected str"
        if error:
            emit(id=instance_id, error=error)
        else:
            emit(id=instance_id, instructions=text.encode("utf-8", "replace").decode("utf-8"))


def score_reply(value):
    if value is None:
        return {"score": None}
    if not isinstance(value, numbers.Real):
        return {"error": f"score() returned a {type(value).__name__}, "
                         "expected a float in [0, 1] or None"}
    number, error = call("float(score())", float, value)
    if error:
        return {"error": error}
    if not math.isfinite(number):
        return {"error": f"score() returned {number}, not a finite number"}
    return {"score": number}


def score_submissions(family, tasks, submissions):
    for instance_id, submission in submissions.items():
        if instance_id not in tasks:
            emit(id=instance_id, error=f"no instance {instance_id!r} in get_tasks()")
            continue
        emit(start=instance_id)
        value, error = call("score()", family.score, tasks[instance_id], submission)
        emit(id=instance_id, **({"error": error} if error else score_reply(value)))


def main():
    request = json.loads(sys.stdin.buffer.read())
    LIMITS.update(request["limits"])
    # Here, not before bubblewrap: inside the sandbox's user namespace the count is its own.
    processes = LIMITS["processes"]
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    block_network()
    install_judge_helper(bool(request.get("judge")))
    emit(ready=True)
    family, tasks, error = load_tasks()
    if error:
        emit(error=error)
        return
    if request["op"] == "instructions":
        list_instructions(family, tasks)
    else:
        score_submissions(family, tasks, request["submissions"])
    emit(done=True)


main()
)py";

}  // namespace acdc
