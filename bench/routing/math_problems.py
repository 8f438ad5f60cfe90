"""Grade-school math word problems with known answers, generated from a fixed seed: one-step arithmetic
("What is 7 times 8?", "A pen costs $2; how much are 3 pens?") and multi-step word problems (2-5
operations chained in a story, GSM8K-like). Each line: {"id", "source", "prompt", "answer", "steps"}.

    python bench/routing/math_problems.py --seed 7 --per-family 40 > problems.jsonl

`source` is the template family (`math/one/<family>` or `math/multi/<family>`), so a scorer can be
judged on families it never saw. The answer is exact: `label_math.py` checks a model's reply against it.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable

NAMES = ["Lena", "Omar", "Priya", "Tom", "Aiko", "Carlos", "Maya", "Jonas", "Fatima", "Leo", "Sara", "Ben",
         "Nora", "Ivan", "Zoe", "Kofi", "Elena", "Raj", "Mia", "Hugo"]
ITEMS = [("apple", "apples"), ("pencil", "pencils"), ("marble", "marbles"), ("sticker", "stickers"),
         ("cookie", "cookies"), ("book", "books"), ("shell", "shells"), ("card", "cards"), ("egg", "eggs"),
         ("stamp", "stamps")]
GOODS = [("pen", "pens"), ("notebook", "notebooks"), ("sandwich", "sandwiches"), ("ticket", "tickets"),
         ("candle", "candles"), ("mug", "mugs"), ("toy car", "toy cars"), ("plant", "plants")]

Problem = tuple[str, float, int]  # prompt, answer, steps


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}".rstrip("0").rstrip(".")


# --- one-step --------------------------------------------------------------------------------------

def one_bare(r: random.Random) -> Problem:
    a, b = r.randint(2, 12), r.randint(2, 12)
    op = r.choice(["times", "plus", "minus", "multiplied by"])
    if op == "minus":
        a, b = max(a, b) + r.randint(1, 9), min(a, b)
    value = {"times": a * b, "multiplied by": a * b, "plus": a + b, "minus": a - b}[op]
    return r.choice([f"What is {a} {op} {b}?", f"Calculate {a} {op} {b}.", f"What's {a} {op} {b}?"]), value, 1


def one_symbols(r: random.Random) -> Problem:
    a, b = r.randint(2, 99), r.randint(2, 99)
    op = r.choice("+-*")
    value = {"+": a + b, "-": a - b, "*": a * b}[op]
    return r.choice([f"{a} {op} {b} = ?", f"Compute {a} {op} {b}", f"What is {a} {op} {b}?"]), value, 1


def one_unit_price(r: random.Random) -> Problem:
    one, many = r.choice(GOODS)
    price, n = r.randint(1, 9), r.randint(2, 9)
    prompt = r.choice([f"A {one} costs ${price}; how much are {n} {many}?",
                       f"If one {one} costs ${price}, how much do {n} {many} cost?",
                       f"{many.capitalize()} cost ${price} each. What do {n} {many} cost?"])
    return prompt, price * n, 1


def one_gain(r: random.Random) -> Problem:
    name, (_, items) = r.choice(NAMES), r.choice(ITEMS)
    a, b = r.randint(2, 30), r.randint(2, 30)
    prompt = r.choice([f"{name} has {a} {items} and gets {b} more. How many {items} does {name} have now?",
                       f"{name} had {a} {items}. A friend gave {name} {b} {items}. How many does {name} have?"])
    return prompt, a + b, 1


def one_loss(r: random.Random) -> Problem:
    name, (_, items) = r.choice(NAMES), r.choice(ITEMS)
    a = r.randint(10, 50)
    b = r.randint(1, a - 1)
    prompt = r.choice([f"{name} has {a} {items} and gives away {b}. How many are left?",
                       f"There are {a} {items} in a box. {name} takes {b}. How many {items} remain in the box?"])
    return prompt, a - b, 1


def one_share(r: random.Random) -> Problem:
    name, (_, items) = r.choice(NAMES), r.choice(ITEMS)
    k, each = r.randint(2, 8), r.randint(2, 9)
    prompt = f"{name} shares {k * each} {items} equally among {k} friends. How many {items} does each friend get?"
    return prompt, each, 1


# --- multi-step ------------------------------------------------------------------------------------

def multi_change(r: random.Random) -> Problem:
    name = r.choice(NAMES)
    (o1, m1), (o2, m2) = r.sample(GOODS, 2)
    n1, p1, n2, p2 = r.randint(2, 6), r.randint(2, 9), r.randint(2, 6), r.randint(1, 5)
    cost = n1 * p1 + n2 * p2
    bill = next(b for b in (20, 50, 100) if b >= cost)
    prompt = (f"{name} buys {n1} {m1} at ${p1} each and {n2} {m2} at ${p2} each. {name} pays with a "
              f"${bill} bill. How much change does {name} get?")
    return prompt, bill - cost, 4


def multi_chain(r: random.Random) -> Problem:
    """A quantity through 2-5 story steps: more, fewer, doubled, shared out, a fraction used."""
    name, (_, items) = r.choice(NAMES), r.choice(ITEMS)
    value = r.randint(6, 40)
    sentences = [f"{name} starts with {value} {items}."]
    steps = r.randint(2, 5)
    for _ in range(steps):
        kind = r.choice(["add", "remove", "double", "half", "share"])
        if kind == "add":
            k = r.randint(2, 25)
            value += k
            sentences.append(r.choice([f"Then {name} finds {k} more.", f"A neighbour gives {name} {k} more {items}."]))
        elif kind == "remove" and value > 2:
            k = r.randint(1, value - 1)
            value -= k
            sentences.append(r.choice([f"{name} gives {k} of them to a cousin.", f"Then {k} {items} get lost."]))
        elif kind == "double":
            value *= 2
            sentences.append(f"After that, the number of {items} doubles.")
        elif kind == "half" and value % 2 == 0:
            value //= 2
            sentences.append(f"{name} then uses half of the {items} for a school project.")
        else:
            k = r.randint(2, 25)
            value += k
            sentences.append(f"On the weekend {name} collects {k} more {items}.")
    sentences.append(f"How many {items} does {name} have at the end?")
    return " ".join(sentences), value, steps


def multi_wage(r: random.Random) -> Problem:
    name = r.choice(NAMES)
    rate, hours, days, spend = r.randint(8, 25), r.randint(2, 8), r.randint(3, 6), r.choice([10, 20, 25, 50])
    earned = rate * hours * days
    saved = earned * (100 - spend) / 100
    prompt = (f"{name} earns ${rate} an hour and works {hours} hours a day for {days} days. {name} spends "
              f"{spend}% of the money on rent and saves the rest. How much does {name} save?")
    return prompt, saved, 4


def multi_speed(r: random.Random) -> Problem:
    name = r.choice(NAMES)
    v1, t1, v2, t2 = r.randint(30, 70), r.randint(1, 4), r.randint(40, 90), r.randint(1, 3)
    total = v1 * t1 + v2 * t2
    prompt = (f"{name} drives at {v1} km per hour for {t1} hours, then at {v2} km per hour for {t2} hours. "
              f"The trip is {total + r.randint(10, 90)} km in total. How many kilometres are left to drive?")
    left = int(prompt.split("The trip is ")[1].split(" km")[0]) - total
    return prompt, left, 4


def multi_discount(r: random.Random) -> Problem:
    name, (one, many) = r.choice(NAMES), r.choice(GOODS)
    price, n, off = r.choice([10, 20, 40, 50, 80]), r.randint(2, 6), r.choice([10, 20, 25, 50])
    tax = r.choice([0, 5, 10])
    total = price * n * (100 - off) / 100 * (100 + tax) / 100
    tail = f", and then a {tax}% sales tax is added" if tax else ""
    prompt = (f"A shop sells {many} for ${price} each. {name} buys {n} {many} during a sale with {off}% off"
              f"{tail}. How much does {name} pay in total?")
    return prompt, round(total, 2), 4 if tax else 3


def multi_ages(r: random.Random) -> Problem:
    a, b = r.sample(NAMES, 2)
    age_b, gap, years = r.randint(4, 15), r.randint(2, 20), r.randint(2, 10)
    prompt = (f"{a} is {gap} years older than {b}. {b} is {age_b} years old now. In {years} years, what will "
              f"be the sum of their ages?")
    return prompt, (age_b + gap + years) + (age_b + years), 3


ONE: dict[str, Callable[[random.Random], Problem]] = {
    "bare": one_bare, "symbols": one_symbols, "unit_price": one_unit_price, "gain": one_gain,
    "loss": one_loss, "share": one_share}
MULTI: dict[str, Callable[[random.Random], Problem]] = {
    "change": multi_change, "chain": multi_chain, "wage": multi_wage, "speed": multi_speed,
    "discount": multi_discount, "ages": multi_ages}


def generate(seed: int, per_family: int) -> list[dict]:
    r = random.Random(seed)
    rows, seen = [], set()
    for kind, families in (("one", ONE), ("multi", MULTI)):
        for family, make in families.items():
            made = 0
            while made < per_family:
                prompt, answer, steps = make(r)
                if prompt in seen:
                    continue
                seen.add(prompt)
                rows.append({"id": f"math-{seed}-{kind}-{family}-{made}", "source": f"math/{kind}/{family}",
                             "prompt": prompt, "answer": answer, "steps": steps})
                made += 1
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--per-family", type=int, default=40)
    a = ap.parse_args()
    for row in generate(a.seed, a.per_family):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
