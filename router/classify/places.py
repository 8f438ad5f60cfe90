"""Whether a full name stands where a place would: after a preposition of place ("Travel to Elizabeth City",
"Flights from San Jose"), unless what comes before makes it someone (router/classify/people.py reads it).
"""

from __future__ import annotations

import re

PLACE_BEFORE = re.compile(r"(?i:\b(?:in|near|from|to|at|visit|visiting|towards|via|nach|aus|bei|en|à|a|di|da|w|z|do|v|ve))[ \t]+\Z")
# "to" / "from" / "at" before a full name reads as a place ("Travel to Elizabeth City", "Flights from San Jose")
# unless what comes before makes it someone: something handed, sent or said to a person ("Send the report to
# Maria Keller", "Give the keys to Anna Schmidt"), a message from one ("Summarise the message from Jonas
# Becker"), or the name is a possessive ("We met at Maria Keller's house").
_TO_SOMEONE = re.compile(r"(?i:\b(?:send|sends|sent|forward|forwards|forwarded|give|gives|gave|hand|hands|handed|"
                         r"pass|passes|passed|deliver|delivers|delivered|mail|mailed|e-?mail|e-?mailed|ship|ships|"
                         r"shipped|return|returned|refund|refunded|reply|replied|write|wrote|report|reported|"
                         r"assign|assigned|reassign|reassigned|escalate|escalated|delegate|delegated|introduce|"
                         r"introduced|explain|explained|show|showed|present|presented|submit|submitted|pay|paid|"
                         r"transfer|transferred|owe|owed|lend|lent|offer|offered|apologi[sz]e|talk|talked|speak|"
                         r"spoke|say|said|it|this|that|them|these|those)\b[^.!?\n]{0,60}?\bto)[ \t]+\Z")
_FROM_SOMEONE = re.compile(r"(?i:\b(?:message|messages|e-?mail|e-?mails|mail|letter|letters|call|calls|note|notes|"
                           r"request|requests|complaint|complaints|feedback|reply|replies|answer|answers|invoice|"
                           r"invoices|order|orders|text|texts|memo|ticket|tickets|update|updates|approval|"
                           r"voicemail|comment|comments|report|reports|quote|offer|application|cv|resume|"
                           r"résumé|notice|question|questions)[ \t]+from)[ \t]+\Z")


def a_place_before(text: str, start: int, name: str) -> bool:
    """Whether a preposition of place before the full name at `start` makes it read as a place."""
    if not PLACE_BEFORE.search(text, max(0, start - 12), start):
        return False
    if name.endswith(("'s", "’s")):
        return False
    before = text[max(0, start - 80):start]
    return not (_TO_SOMEONE.search(before) or _FROM_SOMEONE.search(before))
