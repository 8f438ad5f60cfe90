"""A held-out test set of task kinds no other labelled set has, written for Turnout in session 17 (not
taken from any benchmark or RouteLLM file), each labelled by one rule written down before any scorer was
run on it: does a weak (local-class) model fail where a flagship succeeds?

    python bench/routing/unseen_kinds.py > bench/routing/unseen_kinds.jsonl

NEVER TRAIN ON THIS FILE. It is a test: `turnout scorer eval` and `bench/scorer_groups.py` read it only
to judge a model that never saw it (its rows are never in `turnout scorer train`'s input, the shipped
model's provenance, or a feature's word list). Once a change has been judged on it, the file has been
seen by the person making the change; a later session that wants a fresh judgement writes a new one.

The kinds (one `source` per kind, `unseen-kinds/<kind>`): debugging (code and its error output), SQL
and data wrangling, science calculations, translation and localisation, lay explanations of medical and
legal matters, product and business writing, puzzles and logic, planning with constraints, spreadsheet
formulas, and operations (incidents, shell, configuration). Each kind holds heavy asks and routine
counterparts in the same vocabulary (a stack trace to explain next to one to reformat), short heavy asks
and long routine ones.

The rule (written first, a judgement; no model was run). A prompt is `heavy` (weak fails, flagship
succeeds) when a correct answer needs two or more dependent steps of inference or calculation that the
prompt does not spell out, such that a slip in one step makes the answer wrong:
- tracing what code or a command does to state, to find a cause not on the line that fails, or to fix
  it without breaking another case;
- composing a query or a transformation from a given schema that needs joins, grouping, windows or
  conditions that interact;
- a calculation of more than one step (units carried through, a rate then a total, a formula then a
  comparison);
- satisfying three or more interacting constraints at once (a schedule, a seating, a route, a puzzle);
- applying a rule with conditions or exceptions to given facts and concluding (eligibility, which
  clause or which dose band applies, what follows from the premises);
- a translation or localisation that must keep several stated conventions at once (a length limit plus
  a register plus a unit or date format), or judge which of two translations keeps the meaning and why.
Otherwise it is `routine` (both succeed): a definition or a fact, a single lookup in given text, a
one-step calculation or conversion, a boilerplate snippet or command, reformatting or sorting,
translating or summarising a given text with no further rule, and writing to a loose brief (a product
description, an e-mail, a tagline) however long the brief. These are one engineer's judgements, not
measured outcomes.
"""
