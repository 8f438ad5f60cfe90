"""The learned scorer's features on a fixed corpus equal those the shipped model was trained on.

`data/features_v5.json` holds each text's vector as features version 5 computed it when
complexity-v6.json was trained (version 4's numbers, checked equal when it was written, with lead_lookup
added); a faster `extract` must give every number exactly, or the shipped model file no longer means what
it says. Written once from the old code; change it only with VERSION."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from router.classify import features
from router.classify.learned import load_model

PROSE = ("The operations team reviewed the quarterly maintenance schedule, noting that two of the northern "
         "warehouses reported delayed supplier deliveries and one minor incident. ")
CODE = ("Implement the function below so that it runs in linear time, then write unit tests for the edge cases."
        "\n```python\ndef dupes(xs):\n    out = []\n    for i in range(len(xs)):\n        for j in range(i + 1, "
        "len(xs)):\n            if xs[i] == xs[j] and xs[i] not in out:\n                out.append(xs[i])\n"
        "    return out\n```\n")
CORPUS = [
    "",
    "Hi!",
    "Translate 'good morning' to French.",
    "Summarize: " + PROSE * 40,
    CODE + PROSE * 36,
    CODE,
    "Find the bug:\n```js\nconst f = (a) => { let s = 0; for (let i = 0; i <= a.length; i++) { s += a[i]; } "
    "return s; };\n```\nIt returns NaN. Explain why, in O(1) extra space.",
    "Prove that there are infinitely many primes p with p ≡ 3 (mod 4). Use ∑, √2 ≈ 1.414 and π if needed.",
    "A shop sells 3 apples for $2 and 5 pears for €4.50; it gives 15% off orders over £20. How much do 12 "
    "apples and 10 pears cost after the discount?",
    "Which of the following is true?\nA. 12 is prime\nB. 15 = 3 × 5\nC. 7 > 9\nD. None of the above",
    "请把下面这段话翻译成英文：我们明天上午十点在会议室开会，讨论第三季度的预算。",
    "東京の天気を教えてください。明日は雨が降りますか？",
    "Résumé : l'équipe a livré 3 projets en 2025 — coût total 1 200 000 €. ÉVALUEZ les risques.",
    "Mixed 中文 and English: compare the two designs (A/B), then list the trade-offs; 数据 = [1, 2, 3].",
    "Shopping list:\n- eggs\n* milk\n  \u2022 bread\n1. call mum\n\t2) pay rent\n\u3000- tea\n\x85- coffee\n10. too far",
    "- a list that is one line",
    "\n\n  Note: the meeting moved.\n" + PROSE * 8,
    "Rewrite this email politely:\n" + PROSE * 6,
    "Design a sharded, multi-region rate limiter with exactly-once accounting; compare three designs and "
    "justify the trade-offs.",
    "Analyse the causes of the 2008 financial crisis and evaluate three competing explanations.",
    "Write a threat model for an OAuth login flow: attackers, spoofing, replay, mitigations.",
    "Sort these words alphabetically: pear, apple, fig, kiwi.",
    "x = y + 2z; solve for z when x=10, y=4. Then b^2 - 4ac < 0?",
    "İstanbul ΣΊΣΥΦΟΣ straße ǅemal \u2003 tabs\tand\r\nCRLF lines\x0b\x0c\x1c end",
    "snake_case_name = {'key': value}; other_name[0] += 1; print(f'{a}_{b}')",
    "What is 2+2?" * 300,
    "Who wrote Pride and Prejudice?",
    "  Please define entropy, then derive the Boltzmann formula.",
    "Whose turn is it? What is left?",
]


def _golden() -> dict:
    return json.loads((Path(__file__).parent / "data" / "features_v5.json").read_text(encoding="utf-8"))


def test_the_golden_corpus_is_this_corpus_and_the_shipped_models_features():
    golden = _golden()
    assert [case["text"] for case in golden["cases"]] == CORPUS
    assert golden["features"] == list(features.FEATURES) == list(load_model().features)
    assert golden["features_version"] == features.VERSION


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_every_feature_equals_the_one_the_shipped_model_was_trained_on(index):
    case = _golden()["cases"][index]
    assert features.extract(case["text"]) == case["vector"]
