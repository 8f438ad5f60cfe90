"""What a prompt asks of a model, as a fixed vector of numbers: the learned scorer's input.

Features say what makes a small model fail where a flagship succeeds, in terms that hold across kinds
of task (not one benchmark's format): how much arithmetic and how many quantities (multi-step
calculation), how long and how many constraints (long multi-constraint tasks), which domains' words
and how technical the vocabulary is (domain depth), and what is asked (a proof, a design, a plan, a
calculation versus a translation, a summary or a poem).

`FEATURES` names every position of the vector `extract` returns; a model file records the list it was
trained on and must match it (`VERSION` changes whenever a feature's meaning changes). Pure and O(1)
in the prompt's length: like the heuristic scorer, only the first and last 768 characters are read (instructions
sit at the start or the end of a prompt), while the length counts whole.
"""

from __future__ import annotations

import math
import re

VERSION = 5  # 2: log_ask_chars and log_option_chars; 3: code syntax, the question before its options, the
# options' digits, and what a task is (algorithms, structured output, deduction, role-play); 4: the asks of
# other kinds of task (evaluation and argument, security, legal analysis, estimation, research design, data
# analysis, strategy, routine edits), extract/convert/format apart from output under a schema, and sorting
# alphabetically as an edit, not a schema; 5: an ask that opens as a lookup question (lead_lookup)

_SEPARATORS = bytes(32 if chr(c) in "\t\n\r.,;:!?()[]{}<>\"'`/\\=+*&^%$#@~|_" else c for c in range(256))
_HEAD_CHARS, _TAIL_CHARS = 768, 768
_DIGIT_BYTES = b"0123456789"
_DIGITS_ONLY = bytes(c if 48 <= c <= 57 else 32 for c in range(256))  # every non-digit byte -> space
_NOT_MARKS = bytes(c for c in range(256) if chr(c) not in "+*/^<>=$%?([{;_")  # deleted before counting marks
# The marks counted together, each class as one byte: operators as "+", brackets as "(", code syntax as "{".
_MARK_CLASS = bytes.maketrans(b"*/^<>[;_", b"+++++({{")


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


# (feature name, words): the feature counts distinct words of the set that occur (log1p).
_LEXICONS: tuple[tuple[str, frozenset[str]], ...] = (
    ("quantities", _words("total each per how many much percent percentage times twice half thrice double "
                          "triple remaining remain left average ratio rate profit loss cost costs price prices "
                          "earn earns earned spend spends spent sum difference fraction quarter dozen hours "
                          "minutes miles km meters kilograms pounds dollars cents discount interest salary "
                          "sells sold buys bought pays paid increase increased decrease decreased altogether")),
    ("compute", _words("calculate compute find solve determine evaluate estimate simplify approximate "
                       "convert value result answer")),
    ("mathematics", _words("equation equations integral integrals derivative derivatives polynomial polynomials "
                           "matrix matrices prime primes probability function functions variable theorem lemma "
                           "group groups ring rings field vector vectors eigenvalue eigenvalues modulo sin "
                           "cos tan limit series sequence integer integers real rational root roots sqrt "
                           "exponent factor factors divisible remainder permutation combinatorics graph "
                           "inequality expected variance deviation median mean distribution homomorphism "
                           "isomorphic subgroup abelian")),
    ("physical_science", _words("velocity acceleration force energy mass charge electron electrons voltage current "
                                "resistance magnetic wavelength frequency momentum temperature pressure mole moles "
                                "reaction acid base ph molecule molecules atom atoms ion ions bond entropy "
                                "kinetic potential circuit capacitor photon nucleus gravitational friction "
                                "density joules newton watts ohm kelvin")),
    ("law", _words("court plaintiff defendant statute contract liable liability negligence constitutional "
                   "jurisdiction evidence testimony appeal tort breach prosecution hearsay trial jury lawsuit "
                   "sued damages ownership property tenant landlord deed conveyance mortgage felony "
                   "misdemeanor crime convicted guilty statute amendment")),
    ("medicine_biology", _words("patient patients diagnosis symptoms disease treatment cell cells gene genes "
                                "protein proteins dna rna blood clinical dose mg infection chronic syndrome "
                                "enzyme tissue organ receptor hormone mutation chromosome")),
    ("economics", _words("demand supply inflation gdp market monetary fiscal tax taxes elasticity equilibrium "
                         "unemployment marginal revenue consumer producer tariff deficit")),
    ("logic", _words("statement statements true false valid invalid argument premise premises conclusion "
                     "implies entails contradiction consistent tautology fallacy predicate")),
    ("negation", _words("not except never least incorrect unless neither nor cannot false")),
    ("proof", _words("prove proof proofs rigorous rigorously derive derivation theorem lemma qed formally "
                     "induction")),
    ("multi_step", _words("step steps multistep multi-step justify reasoning reason first then finally "
                          "afterwards subsequently")),
    ("design", _words("design architecture architect distributed scalable scalability sharded sharding "
                      "microservice microservices consistency idempotent idempotency concurrency concurrent "
                      "latency throughput replication fault-tolerant failover deadlock multi-region "
                      "exactly-once schema protocol algorithm optimize optimise")),
    ("analysis", _words("compare contrast analyze analyse analysis evaluate trade-off trade-offs tradeoff "
                        "tradeoffs critique assess implications pros cons strategy plan rollback migration "
                        "risks")),
    ("constraints", _words("must should exactly without ensure require required requirements constraint "
                           "constraints only every all")),
    ("code", _words("code function functions class def return python javascript typescript java rust golang sql "
                    "query bug bugs debug compile runtime api implement implementation recursion complexity "
                    "program script regex regular expression refactor parser parse unit tests")),
    # What an algorithm works on and how fast: a program that is more than boilerplate.
    ("algorithm", _words("array arrays list lists tree trees binary graph graphs node nodes linked heap queue "
                         "stack hash subarray subarrays subsequence substring string strings sorted sort sorting "
                         "search recursive iterative linear logarithmic quadratic constant space time thread "
                         "threads threaded asynchronous async lock pointer pointers cycle element elements cache")),
    # Output under a schema: several fields, normalised.
    ("structured", _words("json csv yaml xml table column columns field fields key keys schema normalise "
                          "normalize iso")),
    # Take out or reshape what a text holds: one value is routine, a schema (above) is not.
    ("reshape", _words("extract convert format")),
    # Premises to reason over: orderings, comparisons, who said what.
    ("deduction", _words("than taller shorter older younger heavier faster slower left right next between "
                         "behind exactly lies lying liar truth suppose assume follows puzzle riddle clue clues "
                         "order label labels")),
    # The verb of an ask that is work, not prose: build, solve, show.
    ("heavy_verbs", _words("implement prove derive solve integrate differentiate optimise optimize reverse "
                           "refactor deduce validate detect balance factor factorise factorize minimise minimize "
                           "maximise maximize")),
    # Rules on the form of a text: a weak model drifts from them.
    ("form_rules", _words("acrostic palindrome syllable syllables rhyme rhyming letters begins begin "
                          "starts start exactly words under exceed")),
    # Play a part: the weak model's strength, whatever the persona.
    ("roleplay", _words("pretend roleplay role-play act character persona imagine play playing")),
    ("routine_writing", _words("translate translation summarize summarise summary rewrite paraphrase poem "
                               "haiku story email letter reply greeting caption tweet slogan list names "
                               "describe draft thank thanks hello hi blog post speech essay review headline "
                               "limerick card note quote motivate welcome")),
    # Weigh and argue: competing explanations, evidence, objections, a verdict.
    ("evaluation", _words("evaluate evaluating assess assessing critique critically weigh weighing judge justify "
                          "defend refute rebut rebuttal steelman counterargument objection evidence competing "
                          "verdict persuasive weakest strongest assumption undermine undermines flaw enumerate "
                          "explanation explanations comparing analysing analyzing fallacy defensible")),
    # An adversary's view of a system: attacks, exploits and their mitigations.
    ("security", _words("threat threat-model attack attacker adversary adversarial exploit exploited "
                        "vulnerability vulnerable mitigation mitigate spoofing tampering replay escalation "
                        "privilege exfiltrate exfiltration injection malicious insider harden hardening "
                        "compromised blast revocation stride owasp")),
    # Reading law against a case: who bears what, what a court would hold.
    ("legal_analysis", _words("clause enforceable enforceability ambiguity ambiguous litigate litigated "
                              "litigation indemnify indemnification loophole counterparty prevails remedy "
                              "remedies defence defences defenses drafter construe interpretation advise "
                              "reasonableness")),
    # Numbers built from assumptions rather than read off.
    ("estimation", _words("estimate estimating estimation fermi magnitude back-of-the-envelope sanity "
                          "sanity-check plausible uncertainty uncertainties sizing")),
    # A study to design: hypotheses, controls, metrics, validity.
    ("research", _words("hypothesis hypotheses experiment experimental methodology ablation baseline "
                        "metric confounder confounding randomisation randomization randomised randomized "
                        "placebo validity replicate replication proposal identification")),
    # What data supports: causation, significance, trends, cohorts.
    ("data_analysis", _words("correlation causation causal regression cohort churn retention forecast "
                             "trend statistically significant significance variant dataset outlier paradox "
                             "confidence")),
    # Options and their consequences over time.
    ("strategy", _words("strategic roadmap phase phased milestone stakeholder prioritise prioritize scenario "
                        "go-to-market positioning competitor second-order recommend dependencies")),
    # Edits to a text that keep its content: order, case, wording, layout.
    ("routine_edit", _words("alphabetically alphabetical alphabetise alphabetize alphabetic capitalise "
                            "capitalize uppercase lowercase reword rephrase shorten tidy reformat typo typos "
                            "spelling grammar punctuation comma-separated bullet ascending descending "
                            "stand acronym abbreviation")),
    ("everyday", _words("you your my me we our people person family friend friends home good best like "
                        "favorite feel think")),
)

FEATURES: tuple[str, ...] = (
    "log_chars", "log_words", "log_numbers", "log_distinct_numbers", "digit_share",
    "log_operators", "log_equals", "log_currency", "log_percent", "log_questions",
    "mean_word_length", "log_variables", "log_list_items", "log_brackets", "log_math_symbols",
    "code_block", "log_ask_chars", "log_option_chars", "log_stem_chars", "log_option_digits", "log_code_syntax",
    "big_o", "lead_lookup", *(f"lex_{name}" for name, _ in _LEXICONS),
)

_LEXICON_OF: dict[bytes, tuple[int, ...]] = {}  # word -> the lexicons (0-based) that hold it
for _index, (_, _lexicon) in enumerate(_LEXICONS):
    for _word in _lexicon:
        _LEXICON_OF[_word.encode()] = _LEXICON_OF.get(_word.encode(), ()) + (_index,)
_LOG1P = tuple(math.log1p(n) for n in range(max(len(words) for _, words in _LEXICONS) + 1))  # per lexicon count
_MATH_SYMBOLS = "∫∑√≤≥≠±×÷πθλμσΔ∞∂"
_VARIABLES = frozenset(bytes([c]) for c in b"bcdefghjklmnpqrstuvwxyz")  # single letters rarely English words
_KNOWN_WORDS = frozenset(_LEXICON_OF) | _VARIABLES | {b"o"}
# A list item: a line that starts, after blanks, with "- ", "* ", "• " or "1." to "9)". `[^\S\n]` is
# what str.lstrip() strips, less the line's end.
_ITEM = r"[^\S\n]*+(?:[-*\u2022] |[1-9][.)])"
_FIRST_ITEM, _NEXT_ITEM = re.compile(_ITEM), re.compile("\n" + _ITEM)
_OPTION_MARKS = frozenset({"A. ", "B. ", "C. ", "D. ", "E. "})
_INSTRUCTION_CHARS = 200  # an instruction that ends (":" or a new line) this early may be followed by material
_MATERIAL_CHARS = 300  # ... when at least this much (and twice the instruction) follows
_MIN_INSTRUCTION = 8  # "Note:" or "Q:" heads the text itself, not an instruction about it
# An ask that opens as a lookup: a fact, a definition, a name ("What is ...", "Who wrote ...", "Define ...").
# The shape of the question, not its topic: it says "recall", where the word families say which domain.
# Read at the start only (matched on the head window, so bounded), after an optional polite opener.
_LOOKUP = re.compile(r"\s*(?:please |can you |could you )?(?:what (?:is|are|was|were|does|do) |who |when |where "
                     r"|which \w+ (?:is|was|are) |name |define |tell me )", re.IGNORECASE)


def _ask_and_options(text: str) -> tuple[int, float, int, int]:
    """(the length of what is asked, the mean length of the answer options, the length of the question
    before its options, the digits in the options).

    Pasted material ("Translate this note: <600 characters>", "This question refers to the following
    information.\n<passage>") makes a prompt long without making it hard: the ask is the prompt less the
    material that follows a short instruction. Multiple-choice options ("\nA. ...") sit at the end; long
    options are read and weighed against each other. Bounded: options are looked for in the tail window.
    """
    start = text.rfind("\nA. ", max(0, len(text) - _TAIL_CHARS))
    options, digits = 0.0, 0
    if start < 0:
        start = len(text)
    else:
        block = text[start + 1:]
        lengths = [len(line) - 3 for line in block.split("\n") if line[:3] in _OPTION_MARKS]
        options = sum(lengths) / len(lengths)
        encoded = block.encode("utf-8")
        digits = len(encoded) - len(encoded.translate(None, _DIGIT_BYTES))
    head = text[:_INSTRUCTION_CHARS]
    begin = len(head) - len(head.lstrip())  # leading blank lines are not an instruction's end
    cuts = [i for i in (text.find(":", begin, _INSTRUCTION_CHARS), text.find("\n", begin, _INSTRUCTION_CHARS))
            if begin + _MIN_INSTRUCTION <= i < start]
    if cuts:
        material = start - min(cuts)
        if material > _MATERIAL_CHARS and material > 2 * min(cuts):
            return len(text) - material, options, start, digits
    return len(text), options, start, digits


def extract(text: str) -> list[float]:
    """The feature vector of `text` (the request's system and user text), in the order of FEATURES.

    Every step is one pass of a C-level string method or regex over a bounded window (no Python loop over
    characters, lines or tokens, only over the few distinct lexicon words found), so it stays within the
    scorer's microsecond budget whatever the prompt's length.
    """
    window = text if len(text) <= _HEAD_CHARS + _TAIL_CHARS else f"{text[:_HEAD_CHARS]} {text[-_TAIL_CHARS:]}"
    data = window.lower().encode("utf-8")  # bytes: a 256-entry table per pass, not a dict lookup per character
    spaced = data.translate(_SEPARATORS)
    tokens = spaced.split()  # no set(tokens): intersecting the lexicons with the list is cheaper
    n_tokens = len(tokens) or 1
    numbers = data.translate(_DIGITS_ONLY).split()  # runs of digits
    marks = data.translate(_MARK_CLASS, _NOT_MARKS).count  # one pass keeps the marks, by class; tiny counts
    log = math.log1p
    ask, option_chars, stem, option_digits = _ask_and_options(text)
    found = _KNOWN_WORDS.intersection(tokens)  # lexicon words and one-letter variables, one pass
    plain = window.isascii()
    if "\n" in window:
        items = len(_NEXT_ITEM.findall(window)) + (1 if _FIRST_ITEM.match(window) else 0)
    vector = [
        log(len(text)),
        log(len(tokens)),
        log(len(numbers)),
        log(len(set(numbers))),
        len(b"".join(numbers)) / (len(data) or 1),
        log(marks(b"+")),  # + * / ^ < >
        log(marks(b"=")),
        log(marks(b"$") + (0 if plain else window.count("€") + window.count("£"))),
        log(marks(b"%")),
        log(marks(b"?")),
        (len(spaced) - spaced.count(b" ")) / n_tokens,  # mean word length (in bytes)
        log(len(_VARIABLES.intersection(found))),
        log(items) if "\n" in window else 0.0,
        log(marks(b"(")),  # ( [
        0.0 if plain else log(sum(window.count(symbol) for symbol in _MATH_SYMBOLS)),
        1.0 if "```" in window else 0.0,
        log(ask), log(option_chars), log(stem), log(option_digits),
        log(marks(b"{")),  # code syntax: blocks, statements, snake_case names ({ ; _)
        1.0 if b"o" in found else 0.0,  # a complexity bound: "O(n)" leaves the token "o"
        1.0 if _LOOKUP.match(window) else 0.0,
    ]
    hits = [0] * len(_LEXICONS)
    lexicons_of = _LEXICON_OF.get
    for word in found:
        for index in lexicons_of(word, ()):
            hits[index] += 1
    vector += map(_LOG1P.__getitem__, hits)
    return vector
