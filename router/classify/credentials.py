"""Secrets: API keys and tokens, credentials in assignments, URLs and auth headers; private keys; JWTs.

What counts (kind "secret" unless noted):

- Tokens of a known format (AWS AKIA/ASIA ids, GitHub ghp_/gho_/ghu_/ghs_/ghr_/github_pat_,
  GitLab glpat-, Slack xox?- and webhooks, Stripe sk_/rk_ live and test, OpenAI sk-/sk-proj-,
  Anthropic sk-ant-, Google AIza/GOCSPX-/ya29., Azure AccountKey=/SAS sig=, SendGrid SG.,
  Twilio SK, npm_, PyPI pypi-, Hugging Face hf_, and more in `_KNOWN`), learnt from
  detect-secrets' plugins. A filler body (no digit, "xxxx", "****", "...") is a placeholder,
  not a secret. There is no bare high-entropy rule: git SHAs, UUIDs and base64 images are not
  secrets.
- Assignments: a password-like name (password, passwd, pwd, passphrase, secret, Passwort,
  contraseña, mot de passe, ...) or a token-like name (token, api_key, access_key, credentials,
  ...; "key" needs a qualifier such as api, access, secret, private, client) followed by =, :,
  =>, or "is" ("the password for root is ...") and a value. Password values count when quoted,
  written config-style (`KEY=value`, `key:value`, or `key: value` alone on its line), or when
  they look like a password (5+ characters, letters with digits or symbols: "password is
  hunter2"); token values need 12+ characters mixing letters and digits. Placeholders
  (`${VAR}`, `<password>`, `your_token_here`, `None`, `os.environ[...]`, calls) never count.
- scheme://user:password@host, `Authorization: Bearer <token>` and `Authorization: Basic <b64>`.
- private_key: a PEM/OpenSSH/PGP "-----BEGIN ... PRIVATE KEY-----" header or a PuTTY key file.
- jwt: three base64url segments whose first decodes to a JSON object with "alg".

Every trigger is a substring or a regular expression that starts with a literal, so a prompt
without any of them costs a few substring searches.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import string

SECRET_KINDS = ("secret", "private_key", "jwt")

_KNOWN = re.compile(
    r"(?:(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"  # AWS access key id
    r"|AIza[0-9A-Za-z_\-]{35}"  # Google API key
    r"|AccountKey=[A-Za-z0-9+/]{40,}={0,2}"  # Azure storage connection string
    r"|ATATT[A-Za-z0-9_\-=]{50,}"  # Atlassian API token
    r"|SK[0-9a-fA-F]{32}"  # Twilio API key
    r"|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,}"  # GitHub
    r"|gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|oas|agent)-[A-Za-z0-9_\-]{20,}|GR1348941[A-Za-z0-9_\-]{20,}"  # GitLab
    r"|xox[abposre]-[A-Za-z0-9\-]{10,}"  # Slack
    r"|[sr]k_(?:live|test)_[A-Za-z0-9]{20,}|whsec_[A-Za-z0-9+/=]{24,}"  # Stripe
    r"|sk-[A-Za-z0-9_\-]{20,}"  # OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-), DeepSeek, ...
    r"|GOCSPX-[A-Za-z0-9_\-]{20,}|ya29\.[A-Za-z0-9_\-]{20,}"  # Google OAuth
    r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"  # SendGrid
    r"|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_\-]{50,}"  # package registries
    r"|hf_[A-Za-z0-9]{30,}|gsk_[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}"  # AI platforms
    r"|lin_api_[A-Za-z0-9]{30,}|dop_v1_[a-f0-9]{64}|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"  # Linear, DO, Shopify
    r"|hvs\.[A-Za-z0-9_\-]{24,}|sq0(?:atp|csp)-[A-Za-z0-9_\-]{22,}|glsa_[A-Za-z0-9_]{32,}"  # Vault, Square, Grafana
    r"|sig=[A-Za-z0-9%+/]{30,}={0,2}"  # Azure SAS signature
    r"|hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}"  # Slack incoming webhook
    r")(?![A-Za-z0-9_\-])"
)
# Where a known token can start. Each trigger is a regular expression led by a literal, which
# `re` finds with a fast substring scan; one alternation of them all would test every position.
_TOKEN_STARTS = tuple(re.compile(p) for p in (
    r"A(?:KIA|SIA|BIA|CCA|3T|Iza|ccountKey=|TATT)", r"SK[0-9a-fA-F]", r"SG\.", r"ya29\.", r"hvs\.", r"sig=",
    r"hooks\.slack\.com/"))
_TOKEN_INNER = (re.compile(r"-(?=[A-Za-z0-9_\-]{12})"), re.compile(r"_(?=[A-Za-z0-9_\-]{12})"))
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
_NAME_CHARS = _TOKEN_CHARS | {"."}
_FILLER = re.compile(r"x{5,}|X{5,}|\*{3,}|\.\.\.|[<>{}]|0{8,}")

# Where a credential name can be found, and the endings that make it one. A name counts when it
# ends in an ending (DB_PASSWORD, clientSecret, x-api-key); "key" also needs a qualifier before it.
_PASSWORD_NAMES = (
    ("pass", ("pass", "password", "passwd", "passphrase", "passcode", "passwort", "passe")),
    ("pwd", ("pwd",)), ("secret", ("secret",)), ("kennwort", ("kennwort",)), ("wachtwoord", ("wachtwoord",)),
    ("contrase", ("contraseña", "contrasena")), ("senha", ("senha",)), ("haslo", ("haslo",)), ("hasło", ("hasło",)),
    ("salasana", ("salasana",)), ("lösenord", ("lösenord",)), ("пароль", ("пароль",)),
    ("パスワード", ("パスワード",)), ("密码", ("密码",)), ("비밀번호", ("비밀번호",)),
)
_TOKEN_NAMES = (("token", ("token",)), ("credential", ("credential", "credentials")), ("key", ("key",)))
_OPERATOR = (r"[\"']?\]?(?P<op>[ \t]*(?:=>|:=|==?|:)[ \t]*"
             r"|(?:[ \t]+(?:for|of|to|on)(?:[ \t]+[\w.@-]+){1,2})?[ \t]+(?:is|was|ist|est|es|é|è|:)[ \t]+)")
# Per name stem: the stem, the rest of the name, then an assignment operator. Led by the stem (a
# literal), so `re` skips to the stem's occurrences; only names followed by an operator come back.
_NAMES = tuple((stem, re.compile(re.escape(stem) + r"[\w.\-]*(?=" + _OPERATOR + ")"), endings, kind)
               for names, kind in ((_PASSWORD_NAMES, "password"), (_TOKEN_NAMES, "token"))
               for stem, endings in names)
_ASCII_NAMES = tuple(name for name in _NAMES if name[0].isascii())
_KEY_QUALIFIERS = frozenset({
    "api", "access", "secret", "private", "auth", "client", "app", "service", "master", "signing", "encryption",
    "account", "subscription", "license", "session", "admin", "deploy", "webhook", "consumer", "integration",
    "openai", "anthropic", "stripe", "aws", "azure", "gcp", "google", "github", "gitlab", "slack", "twilio",
    "sendgrid", "mailgun", "cohere", "mistral", "groq", "huggingface", "hf",
})
_NAME_TAIL = re.compile(r"[\w.\-]*")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_ASSIGNMENT = re.compile(
    _OPERATOR + r"(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|`(?P<bq>[^`\n]{1,200})`"
    r"|(?P<bare>[^\s\"'`,;&)\]}]{1,200}))(?P<rest>[^\n]{0,80})"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(?:null|none|nil|true|false|undefined|n/?a|tbd|todo|empty|required|optional|string|str|secret|"
    r"password|passwd|pass|token|key|redacted|hidden|masked|changeme|placeholder|example\w*|\*+)$"
    r"|^(?:your|my|insert|enter|replace|put|add)[\W_]|[\W_]here$|x{5,}|\*{3,}|\.\.\.|[<>{}]|^\$|%s|%\("
)
# Bare values that are code, not literals: calls, indexing, attributes, constants, snake_case variables.
_CODE = re.compile(r"[()\[\]@$]|^[A-Za-z_]\w*(?:\.\w+)+$|^[A-Z][A-Z0-9]*_[A-Z0-9_]+$|^[a-z]+(?:_[a-z0-9]+)+$")
_URL_CREDENTIALS = re.compile(r"[A-Za-z0-9._~%!$&'*+,;=\-]*:(?P<password>[^\s/?#@\[\]]+)@[A-Za-z0-9\[]")
# Matched on the lower-cased text, led by a literal; values are read back from the original text.
_BEARER = re.compile(r"bearer[ \t]+(?P<value>[a-z0-9\-._~+/]{16,}=*)")
_BASIC = re.compile(r"authorization[\"']?\s*[:=]\s*[\"']?basic[ \t]+(?P<value>[a-z0-9+/]{8,}={0,2})")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-[0-9]+:")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*(?![A-Za-z0-9_\-])")


def _mixed(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def find_secrets(text: str, lowered: str, wanted: frozenset[str]) -> set[str]:
    """The kinds among `wanted` (a subset of SECRET_KINDS) present in `text`; `lowered` is `text`
    lower-cased with the same length (offsets found in one are valid in the other)."""
    found: set[str] = set()
    if "private_key" in wanted and ("PRIVATE KEY" in text or "PuTTY-User-Key-File" in text) \
            and _PRIVATE_KEY.search(text):
        found.add("private_key")
    if "jwt" in wanted and "eyJ" in text and _jwt(text):
        found.add("jwt")
    if "secret" in wanted and (_known_token(text) or _assignment(text, lowered) or _header_or_url(text, lowered)):
        found.add("secret")
    return found


def _known_token(text: str) -> bool:
    for trigger in _TOKEN_STARTS:
        for hit in trigger.finditer(text):
            if text[hit.start() - 1:hit.start()] not in _TOKEN_CHARS:
                match = _KNOWN.match(text, hit.start())
                if match and _plausible_token(match.group()):
                    return True
    for trigger in _TOKEN_INNER:  # sk-proj-..., ghp_...: each token is tried once, from its start
        pos = 0
        while (hit := trigger.search(text, pos)) is not None:
            match = _KNOWN.match(text, _name_start(text, hit.start(), _TOKEN_CHARS))
            if match and _plausible_token(match.group()):
                return True
            pos = _NAME_TAIL.match(text, hit.end()).end() + 1
    return False


def _assignment(text: str, lowered: str) -> bool:
    for stem, trigger, endings, kind in _ASCII_NAMES if text.isascii() else _NAMES:
        if stem not in lowered:  # a substring test is cheaper than even a failing regular expression call
            continue
        for hit in trigger.finditer(lowered):
            pos, tail = hit.span()
            if not lowered.endswith(endings, pos, tail):
                continue
            head = _name_start(text, pos, _NAME_CHARS)
            if endings == ("key",) and not _qualified_key(text[max(0, head - 16):tail - 3]):
                continue
            match = _ASSIGNMENT.match(text, tail)
            if match and _assigns_credential(kind, match, text[max(0, head - 120):head].rpartition("\n")[2]):
                return True
    return False


def _header_or_url(text: str, lowered: str) -> bool:
    for match in _BEARER.finditer(lowered) if "bearer" in lowered else ():
        value = text[match.start("value"):match.end("value")]
        if not lowered[match.start() - 1:match.start()].isalnum() and _mixed(value) and not _FILLER.search(value):
            return True
    for match in _BASIC.finditer(lowered) if "basic" in lowered else ():
        if _plausible_password(text[match.start("value"):match.end("value")]):
            return True
    pos = text.find("://")
    while pos >= 0:
        match = _URL_CREDENTIALS.match(text, pos + 3)
        if match and _plausible_password(match["password"]):
            return True
        pos = text.find("://", pos + 3)
    return False


def _jwt(text: str) -> bool:
    pos = text.find("eyJ")
    while pos >= 0:
        match = _JWT.match(text, pos) if text[pos - 1:pos] not in _TOKEN_CHARS else None
        if match:
            header = match.group().split(".", 1)[0]
            try:
                decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
            except (binascii.Error, ValueError):
                decoded = None
            if isinstance(decoded, dict) and "alg" in decoded:
                return True
        pos = text.find("eyJ", pos + 3)
    return False


def _name_start(text: str, pos: int, chars: frozenset[str]) -> int:
    """Start of the run of `chars` that ends at `pos`, looking back at most 64 characters."""
    start, limit = pos, max(0, pos - 64)
    while start > limit and text[start - 1] in chars:
        start -= 1
    return start


def _plausible_token(token: str) -> bool:
    """A known-format token that is not a placeholder: past its short prefix (ghp_, sk-p, AKIA) it
    mixes letters and digits, and it has no filler."""
    return _mixed(token[4:]) and not _FILLER.search(token)


def _plausible_password(value: str) -> bool:
    return len(value) >= 3 and not _PLACEHOLDER.search(value)


def _qualified_key(before: str) -> bool:
    """Whether the words before "key" make it a secret key: api_key, secretKey, OPENAI_API_KEY, "access key"."""
    words = _WORD.findall(_CAMEL.sub(r"\1 \2", before).lower())
    return bool(words) and words[-1] in _KEY_QUALIFIERS


def _assigns_credential(kind: str, match: re.Match[str], line_before: str) -> bool:
    """Whether the value in `match` (an _ASSIGNMENT after a `kind` name) is a real credential."""
    quoted = match["dq"] or match["sq"] or match["bq"]
    value = quoted.strip() if quoted else match["bare"].rstrip(".!?:")
    if _PLACEHOLDER.search(value) or (not quoted and _CODE.search(value)):
        return False
    if kind == "token":
        return len(value) >= 12 and _mixed(value)
    op = match["op"]
    alone_on_line = not line_before.strip() and not match["rest"].strip()
    if quoted or op in ("=", ":") or (op.strip() in ("=", ":") and alone_on_line):
        return len(value) >= 4  # quoted, or config style: KEY=value, key:value, "key: value" on its own line
    return len(value) >= 5 and (_mixed(value) or not value.isalnum())
