# A valid TaskFamily for the sandbox tests: reverse a word.
class TaskFamily:
    @staticmethod
    def get_tasks() -> dict[str, dict]:
        return {"1": {"word": "sandbox"}, "2": {"word": "harness"}}

    @staticmethod
    def get_instructions(t: dict) -> str:
        return f"Reverse the word '{t['word']}'. Answer with the reversed word only."

    @staticmethod
    def score(t: dict, submission: str) -> float | None:
        return 1.0 if submission.strip() == t["word"][::-1] else 0.0
