"""Derives name_words.txt: the gazetteers' names that are also English words in lower case, and
which of them are common enough as a name to be read as one when written in lower case.

    apt-get install wamerican wbritish          # /usr/share/dict/{american,british}-english
    pip install names-dataset==3.3.1            # for this script only: no extra, no lock entry
    python router/classify/data/derive_name_words.py [--max-rank 500]

"tell john smith his order shipped" names a person, "ask grant funding questions" does not: in lower
case, a name that is also a word ("john", "grant", "rose", "miller") reads as a name only when it
is common as one. One line per such word: the word, then "f" if it ranks <= --max-rank (500) as a
given name in an English-speaking country of names-dataset (US, GB, CA, AU, IE, NZ), "l" the same as
a surname, "-" if neither. A word is one the word lists write in lower case (their capitalised
entries are proper nouns). Names that are no English word ("priya", "schneider") are not listed:
they read as names in lower case wherever the gazetteers know them. Deterministic output.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import pickle
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORD_LISTS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english"))
ENGLISH_SPEAKING = ("US", "GB", "CA", "AU", "IE", "NZ")


def english_words() -> set[str]:
    missing = [str(p) for p in WORD_LISTS if not p.exists()]
    if missing:
        raise SystemExit(f"missing word lists {missing}: apt-get install wamerican wbritish")
    return {w for p in WORD_LISTS for w in p.read_text(encoding="utf-8").split() if w.isalpha() and w.islower()}


def common(pickle_path: Path, max_rank: int) -> set[str]:
    with gzip.open(pickle_path) as handle:
        names: dict[str, dict] = pickle.load(handle)
    return {name.lower() for name, info in names.items()
            if any(info.get("rank", {}).get(c, max_rank + 1) <= max_rank for c in ENGLISH_SPEAKING)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-rank", type=int, default=500, help="a word is a common name at this rank or higher")
    args = parser.parse_args()
    try:
        data = Path(str(importlib.metadata.distribution("names-dataset").locate_file("names_dataset/v3")))
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit("names-dataset is not installed: pip install names-dataset==3.3.1") from None
    gazetteer = {n.lower() for f in ("first_names.txt", "last_names.txt")
                 for n in (HERE / f).read_text(encoding="utf-8").split()}
    words = english_words() & gazetteer
    first = common(data / "first_names.pkl.gz", args.max_rank)
    last = common(data / "last_names.pkl.gz", args.max_rank)
    lines = [f"{w} {('f' if w in first else '') + ('l' if w in last else '') or '-'}" for w in sorted(words)]
    (HERE / "name_words.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"name_words.txt: {len(lines)} words, {sum(' f' in l for l in lines)} common given names, "
          f"{sum(l.endswith('l') for l in lines)} common surnames")


if __name__ == "__main__":
    main()
