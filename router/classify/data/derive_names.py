"""Derives the compact name gazetteers shipped in this folder from the `names-dataset` wheel.

    pip install names-dataset==3.3.1   # for this script only: no extra, no lock entry
    python router/classify/data/derive_names.py [--max-rank 3000]

names-dataset (MIT, Philippe Remy) ships first and last names of 105 countries, ranked by how
often they occur in each country, as two pickles that take ~1 GB of memory and ~10 s to load.
The privacy scanner needs only "is this token a common given name / surname somewhere", so this
script keeps every single-word name ranked <= --max-rank (3000) in at least one country and writes one
name a line, sorted, to first_names.txt and last_names.txt (~2.9 MB together, ~340,000 names;
loaded into frozensets on first use; McX/MacX names also in their McCarthy spelling). Run it again
only to change the cut-off; the output is deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import pickle
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
_WORD = re.compile(r"[^\W\d_]{2,20}(?:-[^\W\d_]{2,20})?\Z")


def derive(pickle_path: Path, max_rank: int) -> list[str]:
    with gzip.open(pickle_path) as handle:
        names: dict[str, dict] = pickle.load(handle)
    kept = {name for name, info in names.items()
            if _WORD.match(name) and info.get("rank") and min(info["rank"].values()) <= max_rank}
    return sorted(kept | {spelled for name in kept for spelled in _spellings(name)})


def _spellings(name: str) -> list[str]:
    """The dataset writes one capital per name ("Mccarthy", "Macdonald"); texts write "McCarthy",
    "MacDonald"."""
    for prefix in ("Mc", "Mac"):
        if name.startswith(prefix) and len(name) > len(prefix) + 2 and name[len(prefix)].islower():
            return [prefix + name[len(prefix)].upper() + name[len(prefix) + 1:]]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-rank", type=int, default=3000, help="keep names ranked this high in some country")
    args = parser.parse_args()
    try:  # the wheel's data files only: importing names_dataset would load all of it
        data = Path(str(importlib.metadata.distribution("names-dataset").locate_file("names_dataset/v3")))
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit("names-dataset is not installed: pip install names-dataset==3.3.1") from None
    for source, target in (("first_names.pkl.gz", "first_names.txt"), ("last_names.pkl.gz", "last_names.txt")):
        kept = derive(data / source, args.max_rank)
        (HERE / target).write_text("\n".join(kept) + "\n", encoding="utf-8")
        print(f"{target}: {len(kept)} names")


if __name__ == "__main__":
    main()
