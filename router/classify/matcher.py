"""The one-pass phrase matcher of the thorough scan's word lists (lexicon.py, lexicon_more.py), and
`Reading`: one text as the detectors read it.

Python's `re` tries every alternative of a long alternation at every position (a 1k-token text
against the word lists took ~50 ms), so the lists are not regular expressions: `Matcher` looks each
word of the text up once in a dict of phrases by first word (~0.1 ms for 1k tokens), and the
detectors run small anchored expressions only where a phrase was found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

WORD = re.compile(r"\w+(?:['\-]\w+)*")
SENTENCE_END = re.compile(r"[.!?;\n]")


def sentence(text: str, start: int, end: int, left: int = 200, right: int | None = 200) -> tuple[int, int]:
    """Offsets of the sentence around text[start:end]: bounded by . ! ? ; or a newline, and by `left`
    characters before and `right` after (None: the text's end)."""
    ends = [m.end() for m in SENTENCE_END.finditer(text, max(0, start - left), start)]
    stop = SENTENCE_END.search(text, end)
    limit = len(text) if right is None else min(len(text), end + right)
    return (ends[-1] if ends else max(0, start - left)), (stop.start() if stop else limit)


def phrases(words: str) -> tuple[tuple[str, ...], ...]:
    """'a | b c | d.' -> (("a",), ("b", "c"), ("d",)): each phrase as the words WORD reads in it."""
    found = (tuple(WORD.findall(w.lower().replace("’", "'"))) for w in words.split("|"))
    return tuple(dict.fromkeys(p for p in found if p))


def lowered(text: str) -> str:
    """text.lower() with ’ read as ' and the same length (offsets stay valid in `text`)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c := ch.lower()) == 1 else ch for ch in text)
    return low.replace("’", "'")


class Reading:
    """One text as the detectors read it: its words (lower case), and where each phrase list matched.
    `get(name)` gives (first word, end word) index pairs; `start`/`end` turn them into offsets. The
    matcher's context lists (words as common as "the" or "that", read only next to a cue) are
    looked up on first use, so a text without cues never pays for them."""

    __slots__ = ("text", "lower", "words", "hits", "_matcher", "_context", "_spans")

    def __init__(self, text: str, matcher: "Matcher") -> None:
        self.text = text
        self.lower = lowered(text)
        self.words = WORD.findall(self.lower)
        self.hits = matcher.find(self.words)
        self._matcher = matcher
        self._context: dict[str, list[tuple[int, int]]] | None = None
        self._spans: list[tuple[int, int]] | None = None

    def _span(self, index: int) -> tuple[int, int]:
        if self._spans is None:
            # Between two words stand only characters no word holds, so each word is the first
            # occurrence of its text after the previous one: str.find, not a second regex pass.
            spans, at, find = [], 0, self.lower.find
            for word in self.words:
                at = find(word, at)
                spans.append((at, at + len(word)))
                at += len(word)
            self._spans = spans
        return self._spans[index]

    def start(self, word: int) -> int:
        """Offset of word `word` in the text."""
        return self._span(word)[0]

    def end(self, word: int) -> int:
        """Offset just after word `word - 1`: the end of a hit (first, end)."""
        return self._span(word - 1)[1]

    def get(self, name: str) -> list[tuple[int, int]]:
        if name in self._matcher.context:
            if self._context is None:
                self._context = self._matcher.find(self.words, context=True)
            return self._context.get(name, [])
        return self.hits.get(name, [])

    def has(self, name: str) -> bool:
        return bool(self.get(name))


class Matcher:
    """Finds every phrase of several named lists in a word sequence, in one pass (`context` lists
    in a pass of their own, on demand)."""

    def __init__(self, lists: Mapping[str, Iterable[tuple[str, ...]]], context: frozenset[str] = frozenset()) -> None:
        self.context = context
        # first word -> second word ("" for a one-word phrase) -> [(the words after the first, list name)]:
        # "the" starts a few phrases and stands 80 times in a page, so each is tried by its next word.
        indexes: tuple[dict, dict] = (defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list)))
        for name, entries in lists.items():
            for phrase in entries:
                indexes[name in context][phrase[0]][phrase[1] if len(phrase) > 1 else ""].append((phrase[1:], name))
        self._index, self._context_index = ({first: dict(by_next) for first, by_next in index.items()}
                                            for index in indexes)

    def find(self, words: list[str], context: bool = False) -> dict[str, list[tuple[int, int]]]:
        """name -> (first, end) word indexes of each phrase of that list found in `words`, in order:
        the cue lists, or with `context` the context lists."""
        hits: dict[str, list[tuple[int, int]]] = {}
        index = self._context_index if context else self._index
        present = index.keys() & set(words)  # in C: most words of most texts start no phrase
        if not present:
            return hits
        last = len(words) - 1
        for i in _positions(words, present):
            by_next = index[words[i]]
            for _, name in by_next.get("", ()):
                hits.setdefault(name, []).append((i, i + 1))
            for rest, name in by_next.get(words[i + 1], ()) if i < last else ():
                end = i + 1 + len(rest)
                if len(rest) == 1 or tuple(words[i + 1:end]) == rest:
                    hits.setdefault(name, []).append((i, end))
        return hits


def _positions(words: list[str], present: set[str]) -> list[int]:
    """Indexes of the words in `present`, in order: list.index runs in C, a comprehension over every
    word of a long text would not."""
    found: list[int] = []
    for word in present:
        at = words.index(word)
        while True:
            found.append(at)
            try:
                at = words.index(word, at + 1)
            except ValueError:
                break
    return sorted(found)
