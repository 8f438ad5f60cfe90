"""Web pages and voice memos for bench/media_wild_eval.py: app screens as HTML a real browser renders,
and memos in several voices and languages, filled with Faker's people of several countries.

Each positive says which kinds of personal data it plants (`email`, `person`, `address`, `phone`,
`iban`, `payment_card`, `date_of_birth`, `health`), so the bench can say which of them the look
found, not only whether it raised the class. Decoys (dashboards, settings, a code editor, a revenue
table, a docs page; memos about meetings, builds and sales) hold none.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from faker import Faker

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "nl_NL", "it_IT", "pl_PL")

CSS = """
body{margin:0;font-family:%(font)s;font-size:%(size)spx;background:%(bg)s;color:%(fg)s}
.bar{background:%(bar)s;padding:8px 14px;display:flex;gap:22px;color:%(muted)s}
.main{display:flex}.side{width:190px;padding:12px;color:%(muted)s;border-right:1px solid %(line)s}
.side div{padding:4px 0}.content{padding:16px 22px;flex:1}
h1{font-size:1.35em;margin:0 0 10px}h2{font-size:1.1em;margin:14px 0 6px}
table{border-collapse:collapse}td,th{border:1px solid %(line)s;padding:5px 9px;text-align:left}
th{background:%(bar)s}.kv td:first-child{color:%(muted)s;width:170px}
label{display:block;margin:8px 0 2px;color:%(muted)s}
input,textarea{font:inherit;color:inherit;background:%(field)s;border:1px solid %(line)s;padding:5px 7px;width:340px}
.msg{margin:8px 0;max-width:560px;padding:8px 12px;border-radius:12px;background:%(field)s}
.me{margin-left:auto;background:%(accent)s;color:#fff}.who{font-size:.8em;color:%(muted)s}
.btn{display:inline-block;background:%(accent)s;color:#fff;padding:6px 14px;border-radius:4px;margin-top:10px}
pre{font-family:'DejaVu Sans Mono',monospace;background:%(field)s;padding:10px}
"""
LIGHT = {"bg": "#ffffff", "fg": "#1d1d1f", "bar": "#eef1f5", "muted": "#5f6672", "line": "#d5d9e0",
         "field": "#f6f7f9", "accent": "#2f6fdf"}
DARK = {"bg": "#1e1f22", "fg": "#dcdde0", "bar": "#2b2d31", "muted": "#9aa0a8", "line": "#3c3f45",
        "field": "#2b2d31", "accent": "#4a7fe0"}


@dataclass(frozen=True)
class Look:
    """How a page is drawn: CSS font stack, size in px, dark mode, device scale factor, JPEG quality (0: PNG)."""

    name: str
    font: str
    size: int
    dark: bool = False
    scale: int = 1
    jpeg: int = 0


LOOKS = (
    Look("sans13", "'Liberation Sans',Arial,sans-serif", 13),
    Look("dejavu11-jpeg", "'DejaVu Sans',sans-serif", 11, jpeg=60),
    Look("serif15-dark", "'Liberation Serif',serif", 15, dark=True),
    Look("mono12-2x", "'DejaVu Sans Mono',monospace", 12, scale=2),
    Look("sans16-dark-2x-jpeg", "'Liberation Sans',sans-serif", 16, dark=True, scale=2, jpeg=70),
    Look("narrow12-jpeg", "'Liberation Sans Narrow','DejaVu Sans Condensed',sans-serif", 12, jpeg=50),
)


def _person(locale: str, seed: int) -> dict:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return {"name": fake.name(), "address": fake.address().replace("\n", ", "), "phone": fake.phone_number(),
            "iban": fake.iban(), "email": fake.email(), "card": fake.credit_card_number(),
            "expiry": fake.credit_card_expire(), "dob": fake.date_of_birth(minimum_age=18, maximum_age=90),
            "company": fake.company(), "city": fake.city(), "other": fake.name(), "other_email": fake.email()}


def _kv(rows: list[tuple[str, str]]) -> str:
    return "<table class=kv>" + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                                        for k, v in rows) + "</table>"


def _frame(title: str, nav: list[str], body: str) -> str:
    side = "".join(f"<div>{html.escape(n)}</div>" for n in nav)
    return (f"<div class=bar><b>{html.escape(title)}</b><span>Search</span><span>Help</span></div>"
            f"<div class=main><div class=side>{side}</div><div class=content>{body}</div></div>")


def email_client(p: dict) -> tuple[str, tuple[str, ...]]:
    body = (f"<h1>Re: delivery of order 20419</h1><div class=who>From: {html.escape(p['name'])} "
            f"&lt;{html.escape(p['email'])}&gt; &nbsp; To: support@acme.example &nbsp; 09:41</div>"
            "<p>Hello, the parcel still has not arrived. Could you check where it is?</p>"
            f"<p>Kind regards,<br>{html.escape(p['name'])}</p>")
    return _frame("Mail", ["Inbox (3)", "Sent", "Drafts", "Archive"], body), ("email", "person")


def crm_record(p: dict) -> tuple[str, tuple[str, ...]]:
    body = "<h1>Customer record</h1>" + _kv([
        ("Customer ID", "C-204918"), ("Full name", p["name"]), ("Company", p["company"]),
        ("Postal address", p["address"]), ("Phone", p["phone"]), ("Status", "Active")])
    return _frame("Acme CRM", ["Accounts", "Contacts", "Deals", "Reports"], body), ("person", "address", "phone")


def web_form(p: dict) -> tuple[str, tuple[str, ...]]:
    fields = [("First and last name", p["name"]), ("Date of birth", p["dob"].strftime("%d/%m/%Y")),
              ("Street address", p["address"]), ("Email", p["email"])]
    inputs = "".join(f"<label>{html.escape(k)}</label><input value=\"{html.escape(v)}\">" for k, v in fields)
    body = f"<h1>Open an account</h1>{inputs}<div class=btn>Continue</div>"
    return _frame("Sign up", ["Step 1 of 3", "Personal details"], body), ("person", "date_of_birth", "address", "email")


def chat_app(p: dict) -> tuple[str, tuple[str, ...]]:
    msgs = [("Support", "Hi! How can I help you today?", False),
            ("You", "My new router keeps dropping the connection.", True),
            ("Support", "Sorry about that. What is the best number to call you back on?", False),
            ("You", f"Please call {p['phone']}, I am home after six.", True),
            ("You", f"And ship the replacement to {p['address']}", True)]
    body = "".join(f"<div class=\"msg{' me' if me else ''}\"><div class=who>{who}</div>{html.escape(text)}</div>"
                   for who, text, me in msgs)
    return _frame("Chat", ["Conversations", "Archived"], body), ("phone", "address")


def bank_transfer(p: dict) -> tuple[str, tuple[str, ...]]:
    body = "<h1>New transfer</h1>" + _kv([
        ("From account", "Main current account"), ("Beneficiary", p["name"]), ("IBAN", p["iban"]),
        ("Amount", "1,250.00 EUR"), ("Reference", "Invoice 2026-118"), ("Execution date", "2026-12-03")])
    return _frame("Online Banking", ["Accounts", "Transfers", "Cards"], body), ("person", "iban")


def card_checkout(p: dict) -> tuple[str, tuple[str, ...]]:
    fields = [("Name on card", p["name"]), ("Card number", p["card"]), ("Expiry", p["expiry"]), ("CVC", "•••")]
    inputs = "".join(f"<label>{html.escape(k)}</label><input value=\"{html.escape(v)}\">" for k, v in fields)
    body = f"<h1>Payment</h1><p>Total due: 89.90 EUR</p>{inputs}<div class=btn>Pay now</div>"
    return _frame("Checkout", ["Cart", "Shipping", "Payment"], body), ("person", "payment_card")


def patient_portal(p: dict) -> tuple[str, tuple[str, ...]]:
    body = (f"<h1>Patient summary</h1>" + _kv([
        ("Patient", p["name"]), ("Date of birth", p["dob"].isoformat()), ("Diagnosis", "Type 2 diabetes mellitus"),
        ("Medication", "Metformin 500 mg twice daily"), ("Allergies", "Penicillin")]) +
        "<h2>Latest lab results</h2><table><tr><th>Test</th><th>Value</th></tr>"
        "<tr><td>HbA1c</td><td>7.9 %</td></tr><tr><td>Blood pressure</td><td>148/92</td></tr></table>")
    return _frame("MyHealth Portal", ["Summary", "Appointments", "Messages"], body), ("person", "date_of_birth", "health")


def spreadsheet(p: dict, q: dict) -> tuple[str, tuple[str, ...]]:
    rows = "".join(f"<tr><td>{i}</td><td>{html.escape(r['name'])}</td><td>{html.escape(r['email'])}</td>"
                   f"<td>{html.escape(r['phone'])}</td><td>{html.escape(r['city'])}</td></tr>"
                   for i, r in ((2, p), (3, q)))
    body = ("<table><tr><th></th><th>A: Name</th><th>B: Email</th><th>C: Phone</th><th>D: City</th></tr>"
            f"{rows}</table>")
    return _frame("customers.xlsx", ["Sheet1", "Sheet2"], body), ("person", "email", "phone")


POSITIVE_PAGES = {"email_client": email_client, "crm_record": crm_record, "web_form": web_form,
                  "chat_app": chat_app, "bank_transfer": bank_transfer, "card_checkout": card_checkout,
                  "patient_portal": patient_portal, "spreadsheet": spreadsheet}


def dashboard() -> str:
    body = ("<h1>Service health</h1>" + _kv([("API p99 latency", "182 ms"), ("Error rate", "0.04 %"),
                                             ("Requests today", "4,812,330"), ("Uptime (30 d)", "99.97 %")]) +
            "<h2>Deploys</h2><table><tr><th>Version</th><th>When</th><th>By</th></tr>"
            "<tr><td>v2.41.0</td><td>2026-11-30 14:02</td><td>ci-bot</td></tr>"
            "<tr><td>v2.40.3</td><td>2026-11-27 09:15</td><td>ci-bot</td></tr></table>")
    return _frame("Grafana", ["Dashboards", "Alerts", "Explore"], body)


def settings_page() -> str:
    body = "<h1>Settings</h1>" + _kv([("Theme", "Dark"), ("Language", "English (United Kingdom)"),
                                      ("Time zone", "Europe/Berlin (UTC+01:00)"), ("Notifications", "Weekly digest"),
                                      ("Two-factor authentication", "Enabled"), ("Session timeout", "30 minutes")])
    return _frame("Preferences", ["General", "Security", "Billing plan"], body)


def code_editor() -> str:
    code = html.escape("def monthly_revenue(rows):\n    total = 0\n    for row in rows:\n"
                       "        if row.status == 'paid':\n            total += row.amount\n"
                       "    return round(total, 2)\n\nassert monthly_revenue([]) == 0\n")
    return _frame("editor - revenue.py", ["src/", "  revenue.py", "  report.py", "tests/"], f"<pre>{code}</pre>")


def revenue_table() -> str:
    rows = "".join(f"<tr><td>{r}</td><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for r, a, b, c in (
        ("EMEA", "1,204,000", "1,310,500", "+8.8 %"), ("APAC", "980,200", "1,021,000", "+4.2 %"),
        ("AMER", "2,311,900", "2,450,100", "+6.0 %"), ("Total", "4,496,100", "4,781,600", "+6.3 %")))
    body = ("<h1>Revenue by region (EUR)</h1><table><tr><th>Region</th><th>Q2 2026</th><th>Q3 2026</th>"
            f"<th>Change</th></tr>{rows}</table>")
    return _frame("Finance", ["Overview", "Regions", "Forecast"], body)


def docs_page() -> str:
    body = ("<h1>Configuring retries</h1><p>The client retries idempotent requests up to three times with "
            "exponential backoff starting at 200 ms. Set <code>max_retries</code> to 0 to disable it.</p>"
            "<h2>Example</h2><pre>client = Client(timeout=30, max_retries=5)</pre>"
            "<p>See also: timeouts, connection pools, proxies.</p>")
    return _frame("Docs v3.2", ["Getting started", "Configuration", "API reference"], body)


DECOY_PAGES = {"dashboard": dashboard, "settings": settings_page, "code_editor": code_editor,
               "revenue_table": revenue_table, "docs": docs_page}


def page_html(body: str, look: Look) -> str:
    css = CSS % {"font": look.font, "size": look.size, **(DARK if look.dark else LIGHT)}
    return f"<!doctype html><html><head><meta charset=utf-8><style>{css}</style></head><body>{body}</body></html>"


def positive_pages() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(page kind, look name, html, planted kinds): every page in every look, a different country each."""
    out = []
    for i, (kind, make) in enumerate(POSITIVE_PAGES.items()):
        for j, look in enumerate(LOOKS):
            locale = LOCALES[(i + j) % len(LOCALES)]
            p = _person(locale, 100 * i + j)
            body, planted = make(p, _person(LOCALES[(i + j + 3) % len(LOCALES)], 100 * i + j + 50)) \
                if kind == "spreadsheet" else make(p)
            out.append((kind, f"{look.name}:{locale}", page_html(body, look), planted))
    return out


def decoy_pages() -> list[tuple[str, str, str]]:
    return [(kind, look.name, page_html(make(), look)) for kind, make in DECOY_PAGES.items()
            for look in LOOKS[::2] + LOOKS[3:4]]


@dataclass(frozen=True)
class Memo:
    """A voice memo: what espeak-ng says, in which voice and speed, and the container it arrives in."""

    kind: str
    voice: str
    speed: int
    fmt: str
    text: str
    planted: tuple[str, ...] = ()


_VOICES = ("en-us", "en-gb+f3", "en-us+m3", "en-gb-scotland", "en-029+f2", "en-us+klatt", "en-gb-x-rp+f4")
_FORMATS = ("wav", "mp3", "ogg")


def _english_memos() -> list[Memo]:
    out = []
    specs = [
        ("name_address", lambda p: f"Hi, this is {p['name']}. Please send the new contract to {p['address']}.",
         ("person", "address")),
        ("phone", lambda p: f"Hello, it's {p['name']}, please call me back on {p['phone'].split('x')[0]}.",
         ("person", "phone")),
        ("iban", lambda p: f"The refund should go to my account, IBAN {' '.join(p['iban'][i:i + 4] for i in range(0, len(p['iban']), 4))}.",
         ("iban",)),
        ("card", lambda p: f"I'd like to pay by card, the number is {' '.join(p['card'][i:i + 4] for i in range(0, len(p['card']), 4))}, "
                           f"expiry {p['expiry']}.", ("payment_card",)),
        ("health", lambda p: f"This is {p['name']}. I was diagnosed with depression last spring and I'm on sertraline, "
                             "so I can't do the night shifts.", ("person", "health")),
        ("email", lambda p: f"My email is {p['email'].replace('@', ' at ').replace('.', ' dot ')}, write to me there.",
         ("email",)),
        ("dob", lambda p: f"My name is {p['name']} and my date of birth is {p['dob'].strftime('%d %B %Y')}.",
         ("person", "date_of_birth")),
    ]
    n = 0
    for kind, say, planted in specs:
        for locale in ("en_US", "en_GB"):
            p = _person(locale, 700 + n)
            out.append(Memo(kind, _VOICES[n % len(_VOICES)], 130 + (n * 23) % 71, _FORMATS[n % 3], say(p), planted))
            n += 1
    return out


_FOREIGN = {
    "de": [("name_address", "Hallo, hier spricht {name}. Bitte schicken Sie die Unterlagen an {address}.", ("person", "address")),
           ("iban", "Meine IBAN lautet {iban_spaced}.", ("iban",)),
           ("health", "Hier ist {name}, ich habe Diabetes und brauche neues Insulin.", ("person", "health"))],
    "fr": [("name_address", "Bonjour, c'est {name}. Envoyez le colis au {address}, s'il vous plaît.", ("person", "address")),
           ("phone", "Vous pouvez me rappeler au {phone}.", ("phone",)),
           ("health", "Je m'appelle {name}, je suis enceinte et j'ai une hypertension.", ("person", "health"))],
    "es": [("name_address", "Hola, soy {name}. Mi dirección es {address}.", ("person", "address")),
           ("iban", "Mi número de cuenta IBAN es {iban_spaced}.", ("iban",)),
           ("card", "El número de mi tarjeta es {card_spaced}.", ("payment_card",))],
}
_FOREIGN_LOCALE = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


def _groups(text: str) -> str:
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def _foreign_memos() -> list[Memo]:
    out, n = [], 0
    for lang, specs in _FOREIGN.items():
        for kind, template, planted in specs:
            p = _person(_FOREIGN_LOCALE[lang], 900 + n)
            text = template.format(name=p["name"], address=p["address"], phone=p["phone"],
                                   iban_spaced=_groups(p["iban"]), card_spaced=_groups(p["card"]))
            voice = lang if n % 2 == 0 else f"{lang}+f3"
            out.append(Memo(f"{kind}_{lang}", voice, 140 + (n * 17) % 50, _FORMATS[n % 3], text, planted))
            n += 1
    return out


MEMO_DECOYS = [
    Memo("meeting", "en-us+f3", 160, "wav", "Quick reminder, the roadmap review moved to Thursday at two in the big room."),
    Memo("build", "en-gb", 180, "mp3", "The nightly build failed again on the integration tests, please look at the flaky cache test."),
    Memo("sales", "en-us", 140, "ogg", "Sales grew eleven percent in the third quarter, mostly from the new enterprise plan."),
    Memo("recipe", "en-gb-scotland", 150, "wav", "Preheat the oven to two hundred degrees and bake the bread for forty minutes."),
    Memo("support", "en-029", 170, "mp3", "Customers report the export button is slow on large reports since version three point two."),
    Memo("meeting_de", "de", 150, "ogg", "Die Teambesprechung ist morgen um zehn Uhr im Raum drei."),
    Memo("weather_fr", "fr+f3", 150, "wav", "Demain il fera beau avec vingt degrés l'après-midi."),
    Memo("release_es", "es", 160, "mp3", "La nueva versión sale la semana que viene, revisad las notas por favor."),
]


def memos() -> list[Memo]:
    return _english_memos() + _foreign_memos()
