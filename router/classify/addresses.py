"""Street addresses: personal data with a shape but no checksum, in the forms of many countries.

Every form holds a number, so each pattern is tried at or around the text's digit runs only:

- a house number next to a street name with a street-type word, in the order each country writes
  it ("4821 Maple Ridge Drive", "18 rue des Tanneurs", "Lindenstraße 14,", "Via Roma 12",
  "Calle Mayor 5", "ul. Marszałkowska 10", "Jl. Rajiman No. 1", "ул. Невского, д. 92");
- a US "City, ST 43215", a UK postcode next to a house number, a post box, a US military address
  ("PSC 4022, Box 8970, APO AP 87703");
- the structure shared by most countries' postal addresses: a house number or a street word, then
  after a comma or a line break a locality with a postcode of one of the common shapes (4-7 digits,
  12345-678, 1234-567, 12-345, 123 45, H-1234, 1234 AB, A1A 1A1), led by a comma, a line break, a
  capitalised place or region word or a hyphen ("80 Joseph Port, Alisontown, WA, 8459",
  "H.No. 50, Dutta Ganj, Jalandhar-496436", "Szabadság út 48., H-2407 Györgyfalu");
- the forms of scripts without spaces: Japanese (...市...丁目/番/号), Chinese (...省/市...路/街...号/座, and
  Taiwan's ...路37號2樓),
  Korean (...시/구 ...로/길 12-3), Thai (12/3 ถ./ถนน ..., ต. ... อ. ... 59200), and Georgian, Armenian and
  Azerbaijani street forms (გოგაშენის ქ. 49; ք. Վանաձոր, Թումանյան 326; ... küçəsi, b. 6).

In lower case, as chat writes it, a house number and street count only right after words that
give an address ("i live at 4821 maple ridge drive", "deliver to 221 elm st"), or as a whole US or
UK address from house number to ZIP or postcode ("7103 joseph shoal, lake natashaberg, tn 30259.").

A street type without a number is a place, not an address ("Main Street businesses"), and so is a
landmark: famous addresses (FAMOUS_ADDRESSES: "10 Downing Street", "221B Baker Street")
are not read as anyone's, nor is an address in a text about sights and history (public cues) that
says nothing of anyone living, staying or receiving mail there.
"""

from __future__ import annotations

import re

from router.classify import lexicon as lx
from router.classify.lexicon import Reading, phrases
from router.classify.normalize import digit_runs
from router.classify.names import CASELESS, TOKEN, UPPER
from router.classify.records import alternation

# Addresses everyone knows: seats of government, landmarks, fiction. Their numbers are no one's home.
FAMOUS_ADDRESSES = tuple(a.strip() for a in """
10 downing street | 11 downing street | 221b baker street | 1600 pennsylvania avenue | 1600 pennsylvania ave |
350 fifth avenue | 350 5th avenue | 4 privet drive | 742 evergreen terrace | 1 infinite loop | 1 apple park way |
1600 amphitheatre parkway | 1 microsoft way | 30 rockefeller plaza | 11 wall street | 405 lexington avenue |
24 sussex drive | 12 grimmauld place | 1313 mockingbird lane | 55 rue du faubourg saint-honoré |
platz der republik 1 | willy-brandt-straße 1 | 1 hacker way | 2311 north los robles avenue | 124 conch street
""".split("|"))
FAMOUS_STREETS = tuple(sorted({" ".join(a.split()[1:]) if a[0].isdigit() else a.split()[0] for a in FAMOUS_ADDRESSES}))

_STREET_EN = alternation("""
street | st | road | rd | avenue | ave | drive | dr | lane | ln | boulevard | blvd | court | ct | way | place | pl |
terrace | close | crescent | parkway | pkwy | highway | hwy | circle | cir | square | sq | trail | row | grove |
gardens | hill | mews | walk | park | parade | esplanade | causeway | alley | crossing | junction | heights | ridge |
turnpike | tollway | expressway | freeway | motorway | loop | bypass | route | station | village | estate | estates |
meadow | meadows | point | shores | springs | valley | view | vista | wells | brook | creek | crest | dale | cove |
harbor | harbour | landing | manor | orchard | plaza | port | heights | pike | run | spur | summit | trace | track |
green | glen | knoll | forest | forks | mills | stream | haven | mount | plateau | nook | dell | tor | flats | falls | rise |
roads | streets | lanes | drives | courts | circles | squares | trails | groves | ridges | crossings | junctions |
valleys | brooks | creeks | cliffs | coves | crests | glens | harbors | harbours | islands | knolls | landings |
manors | mountains | orchards | pines | rapids | shoals | summits | villages | vistas | burgs""")
_NUMBER_FIRST = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?,?[ \t]+(?:[NSEW]\.?[ \t]+)?(?:{TOKEN}[ \t]+){{1,3}}"
    rf"(?i:{_STREET_EN})\b\.?")
# The same in lower case, as chat writes it ("i live at 4821 maple ridge drive"), only right after
# words that give an address: a lower-case "3 big road trips" is no one's street.
_LOWER_NUMBER_FIRST = re.compile(
    rf"\d{{1,5}}[a-z]?(?:[-/]\d{{1,4}})?,?[ \t]+(?:[nsew]\.?[ \t]+)?(?:[a-z][a-z'’\-]*[ \t]+){{1,3}}(?:{_STREET_EN})\b")
_UNIT_BEFORE = re.compile(r"(?:(?:flat|apt\.?|apartment|suite|unit|studio)[ \t]+)?\Z")
_ADDRESS_GIVEN = re.compile(
    r"(?i)\b(?:live[sd]?|living|stay(?:s|ing)?|moved?|moving|ship(?:ped)?|send|sent|deliver(?:ed|y)?|mail(?:ed)?|"
    r"post(?:ed)?|reside[sd]?|address(?:[ \t]+is)?)(?:[ \t]+(?:it|this|that|them|him|her|me|us|everything|"
    r"(?:the|my|our|his|her|their)[ \t]+\w+))?[ \t]*(?:at|to|is|:)[ \t]*\Z")
# An address announced as one ("my new address is 71 Russellville, New Annabelle", as speech-to-text
# writes a street it did not know): a number, a capitalised name, a comma and a capitalised place.
# A postcode shape that ends an IBAN's groups ("IT40 N033 5900 981H GZOG TK12 4PT") is part of it.
_IBAN_GROUPS_BEFORE = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ][A-Z0-9]{4}){2,}[ ]\Z")
_ADDRESS_SAID = re.compile(r"(?i)\b(?:my|his|her|their|our|your|new|home|postal|delivery|billing|shipping)[ \t]+"
                           r"(?:(?:new|home|postal)[ \t]+)?address(?:[ \t]+(?:is|was))?[ \t]*:?[ \t]*\Z")
_NUMBER_NAME_PLACE = re.compile(rf"\d{{1,5}}[A-Za-z]?,?[ \t]+{TOKEN}(?:[ \t]+{TOKEN}){{0,2}}[ \t]*,[ \t]*{TOKEN}")
_STREET_ROMANCE_FIRST = alternation("""
rue | avenue | av. | boulevard | bd | chemin | place | allée | impasse | quai | route | cours | passage | square |
calle | c/ | avenida | avda. | plaza | paseo | camino | carrera | ronda | travesía | rua | travessa | praça | largo""")
_NUMBER_THEN_ROMANCE = re.compile(
    rf"\b\d{{1,4}}(?:[ \t]?(?:bis|ter|[A-Za-z]))?,?[ \t]+(?i:{_STREET_ROMANCE_FIRST})[ \t]+"
    rf"(?:(?:de la|de l'|du|des|de|d'|l'|del|de los|de las|da|do|dos|das)[ \t]*)?{TOKEN}")
# Streets named before their number (es, it, pt, pl); the short ones only as abbreviations ("C/", "ul.").
_STREET_FIRST_WORDS = phrases("""
calle | c | avenida | avda | av | plaza | paseo | camino | carrera | ronda | travesía | glorieta | alameda | rua |
travessa | praça | largo | via | viale | piazza | corso | vicolo | ul | ulica | al | aleja | os | pl | plac | rynek |
pasaje | psje""")
_ABBREVIATED = frozenset({"c", "av", "avda", "ul", "al", "os", "pl", "psje"})
_AFTER_STREET_WORD = re.compile(
    rf"[ \t]+(?:(?:de la|de los|de las|del|de|dei|della|delle|di|da|do|dos|das)[ \t]+)?{TOKEN}(?:[ \t]+{TOKEN}){{0,3}},?"
    r"[ \t]+(?:n[º°o.]?[ \t]*)?\d{1,4}[A-Za-z]?(?:[-/]\d{1,4})?"
    r"(?=[ \t]*(?:[,\n.]|$|\d{4,5}\b|(?i:piso|puerta|planta|appartamento|piano|interno|scala|apt|lok|m|of|oficina|depto|dpto|departamento|local)\b))")
# After a comma or line break: a postcode of one of the common shapes (5 digits, 4 digits + 2 letters,
# 00-000, 000 00, 8 digits, 4 digits), then a city, or 5 digits alone ("Granada, 35674").
_POSTCODE_AT = re.compile(
    rf"(?:\d{{5}}(?:-\d{{3}})?|\d{{4}}[ \t]?[A-Z]{{2}}|\d{{2}}-\d{{3}}|\d{{3}}[ \t]\d{{2}}|\d{{8}}|\d{{4}})(?:[ \t,]+[{UPPER}]|(?<=\d{{5}})\b)")
_NUMBER_BEFORE = re.compile(rf"{TOKEN}(?:[ \t]+[\w'’\-]+){{0,4}}?,?[ \t]+(?P<n>\d{{1,4}})[A-Za-z]?(?:[-/]\d{{1,4}})?\b")
_STREET_WORD_BEFORE = re.compile(
    r"(?i)\b(?:rue|avenue|boulevard|chemin|allée|impasse|quai|calle|avenida|plaza|paseo|via|viale|piazza|corso|rua|"
    r"travessa|praça|ulica|aleja|street|road|lane|drive|avenue)\b|(?:straße|strasse|weg|gasse|allee|platz|straat|laan|"
    r"gatan|vägen|torget|gade|vej)\b")
_SUFFIXES = ("torget|stigen|gränd|backen|straße|strasse|str\\.|gasse|allee|platz|weg|damm|ufer|chaussee|straat|laan|plein|gracht|singel|kade|"
             "gatan|vägen|gränd|gade|vej|veien|veg|gata|katu|tie|utca|baan|pad|hof|dreef|steeg|dijk")
_SUFFIX_STREET = re.compile(
    rf"(?<![\w])(?:[{UPPER}][\w\-]*(?:{_SUFFIXES})|{TOKEN}[ \t]+(?:Straße|Strasse|Str\.|Weg|Platz|"
    rf"Allee|Gasse))[ \t]+\d{{1,4}}[ \t]?[a-zA-Z]?(?:[-/]\d{{1,4}})?(?=[ \t]*(?:,|\n|$|\d{{4,5}}|in[ \t]))")
_US_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
              "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|VI|GU|AS|MP")
_US_CITY_STATE_ZIP = re.compile(rf"\b{TOKEN}(?:[ \t]+{TOKEN}){{0,2}},[ \t]*(?:{_US_STATES})[ \t]+\d{{5}}(?:-\d{{4}})?\b")
# A whole US or UK address in lower case, house number to ZIP or postcode, ending its clause:
# "7103 joseph shoal, lake natashaberg, tn 30259.", "flat 98r, naylor knoll, allenfort, g5j 0hz".
_LOWER_WORDS = r"[a-z][a-z'’\-]*(?:[ \t]+[a-z][a-z'’\-]*){0,3}"
_LOWER_FULL = re.compile(
    rf"(?:(?:flat|apt\.?|apartment|suite|unit|studio)[ \t]+)?\d{{1,6}}[a-z]?,?[ \t]+{_LOWER_WORDS}"
    rf"(?:[ \t]+(?:apt\.?|suite|unit)[ \t]+\d{{1,5}}[a-z]?)?(?:,[ \t]*{_LOWER_WORDS}){{1,2}},[ \t]*"
    rf"(?:(?:{_US_STATES.lower()})[ \t]+\d{{5}}(?:-\d{{4}})?|[a-z]{{1,2}}\d[a-z\d]?[ \t]*\d[a-z]{{2}})"
    r"(?=[ \t]*(?:[.,;:!?)\n]|\Z|(?:on|and|by|before|please)\b))")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}\b")
_HOUSE_NUMBER = re.compile(r"\b(?:\d{1,4}[A-Za-z]?,?\s+[A-Z]|(?i:flat|apt\.?|apartment|suite|unit|studio)[ \t]+\d)")
_PO_BOX = re.compile(r"(?i)\b(?:p\.?\s?o\.?\s?box|postfach|boîte postale|apartado de correos|casella postale)[ \t]+\d{1,6}\b")


_BOX_WORD = re.compile(r"(?i)box|postfach|postale|apartado|casella")


# -- the structure most postal addresses share ------------------------------------------------------

_POSTCODE = (r"(?:[A-Z]{1,2}-)?[0-9]{4,6}(?:-[0-9]{3,4})?|[0-9]{3}[ \t][0-9]{2}|[0-9]{2}-[0-9]{3}|[0-9]{4}[ \t]?[A-Z]{2}"
             r"|[A-Z][0-9][A-Z][ \t]?[0-9][A-Z][0-9]|[0-9]{7}|[0-9]{3}-[0-9]{4}")
# A postcode led by a comma, a line break, a capitalised word (a region "WA", "Q. ROO", or a city)
# or a hyphen glued to a place ("Lucknow-335915"), and not followed by a unit or more digits.
_LOCALITY = re.compile(
    rf"(?:(?<=,)|(?<=\n)|(?<=[{UPPER}{CASELESS}][^\W\d_][ \t])|(?<=[A-Z]\.[ \t])|(?<=[A-Z]{{2}}[ \t])"
    rf"|(?<=[^\W\d_]-)|(?<=[{CASELESS}]-)|(?<=,[ \t])|(?<=[{CASELESS}][ \t]))[ \t]*(?P<code>{_POSTCODE})"
    r"(?![\w\-/.,]\d|[ \t]?(?:%|km|kg|m²|m2|cm|mm|ml|units|people|euros?|dollars?|usd|eur|items|pcs|times|years)\b)(?!\w)")
_HOUSE = re.compile(r"(?<![\w.,/\-])(?:(?:n[º°o]\.?|nr\.?|no\.?|h\.no\.?|д\.|буд\.|number|num\.?)[ \t]*)?"
                    r"[0-9]{1,5}[A-Za-z]?(?:[/\-][0-9]{1,4}[A-Za-z]?){0,2}\.?(?=[\s,]|$)", re.I)
_STREET_WORDS = re.compile(
    r"(?i)(?<!\w)(?:strada|str\.|bulevardul|bd\.|calea|aleea|drumul|intrarea|soseaua|șoseaua|splaiul|piața|utca|út|útja|tér|"
    r"körút|köz|sor|ulica|ul\.|ulice|třída|nám\.|náměstí|cesta|katu|tie|polku|kuja|gata|gatan|vägen|gade|vej|veien|"
    r"gate|jalan|jl\.|gg\.|gang|đường|phố|ngõ|hẻm|sokak|sokağı|cadde|caddesi|mahallesi|mah\.|cad\.|sk\.|οδός|λεωφόρος|"
    r"ул\.|улица|пр\.|просп\.|проспект|пер\.|переулок|ш\.|шоссе|шосе|наб\.|бул\.|бульвар|пл\.|площадь|вул\.|вулиця|"
    r"провулок|узвіз|парк|алл\.|мкр\.|marg|nagar|chowk|ganj|path|privada|circuito|calzada|retorno|continuación|"
    r"callejón|cerrada|prolongación|andador|periférico|esplanada|rua|r\.|travessa|avenida|av\.?|alameda|largo|praça|"
    r"rodovia|estrada|ladeira|via|viale|piazza|corso|vicolo|stretto|borgo|contrada|cañada|calle|camino|paseo|plaza|"
    r"ronda|urbanización|rue|chemin|allée|impasse|quai|straße|strasse|str\.|weg|gasse|platz|straat|laan|plein|"
    r"street|road|avenue|lane|drive|boulevard)(?!\w)|(?:straße|strasse|str\.|weg|gasse|platz|straat|laan|gatan|vägen|"
    r"gade|vej|veien|katu|tie|utca|boulevard|ring|baan|pad|hof|dreef|steeg|dijk)(?!\w)")
# A postcode right after a capitalised place of any length ("Danapur 052762", "Bengkulu 86737", "Tokyo 150-0002").
_CODE_AFTER_PLACE = re.compile(r"(?P<code>[0-9]{5,6}|[0-9]{3}-[0-9]{4})(?![\w\-/.,]\d|[ \t]?(?:%|km|kg|units|people|euros?|dollars?|usd|eur|items|pcs|times|years)\b)(?!\w)")
_YEAR = re.compile(r"(?:1[89]|20)[0-9]{2}\Z")
_TWO_LETTERS = re.compile(r"(?:[^\W\d_]|[\u0900-\u097f]){2}")  # Devanagari's vowel signs are marks, not letters
_CAPITALISED_AFTER = re.compile(rf"[ \t]+[{UPPER}{CASELESS}]")
_REGION_BEFORE = re.compile(r"[A-Z]{2,3}\.?[ \t]*\Z|[A-Z]\.[ \t][A-Z]{2,4}[ \t]*\Z")


def _place_before(text: str, start: int) -> bool:
    """Whether a capitalised word of 3+ letters and one space or tab end right before `start` (read
    backwards from `start`: this runs at every digit run)."""
    if start < 4 or text[start - 1] not in " \t":
        return False
    end = first = start - 1
    while first > 0 and text[first - 1].isalpha():
        first -= 1
    return end - first >= 3 and text[first].isupper() and not (first and (text[first - 1].isalnum() or text[first - 1] == "_"))


def _locality(text: str, start: int) -> str | None:
    """"street and postcode" when a postcode-led locality starts near digit run `start` and a house
    number or a street word comes before it, with a comma or a line break in between."""
    match = _LOCALITY.match(text, start) or (_LOCALITY.match(text, start - 2) if text[start - 2:start - 1].isupper() else None)
    if match is None and _place_before(text, start):
        match = _CODE_AFTER_PLACE.match(text, start)
    if match is None or match.start("code") > start:
        return None
    code, begin = match["code"], match.start("code")
    if match.re is _CODE_AFTER_PLACE and len(code) < 6 and not _STREET_WORDS.search(text, max(0, begin - 100), begin):
        return None  # "Build 12345": a 5-digit code after a bare capitalised word needs a street word too
    before = text[max(0, begin - 100):begin]
    if _YEAR.fullmatch(code) and not (_REGION_BEFORE.search(before) or _CAPITALISED_AFTER.match(text, match.end())):
        return None  # "Berlin, 1989" is history
    cut = max(before.rfind(","), before.rfind("\n"))
    if cut <= 0:
        return None
    head = before[:cut]
    for house in _HOUSE.finditer(head):
        number = house.group().rstrip(".")
        if not _YEAR.search(number) and _TWO_LETTERS.search(head[house.end():] + before[cut:]):
            return "street and postcode"
    if _STREET_WORDS.search(head):
        return "street and postcode"
    return None


_BR_POSTCODE_CITY_STATE = re.compile(rf"\b[0-9]{{5}}-?[0-9]{{3}}[ \t]+{TOKEN}[^\n/]{{0,40}}/[ \t]*[A-Z]{{2}}\b")
_VI_UPPER = UPPER + "".join(c for c in map(chr, range(0x1EA0, 0x1EFA)) if c.isupper()) + "ƯƠ"
_CA_PROVINCE_POSTCODE = re.compile(r",[ \t]*(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)[ \t]+[A-Z][0-9][A-Z][ \t]?[0-9][A-Z][0-9]\b")
_MILITARY = re.compile(r"\b(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+[0-9]{5}\b")
_SCRIPT_FORMS = (
    re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]{1,12}[市区町村郡][\u3040-\u30ff\u4e00-\u9fff]{0,16}[0-9０-９]+(?:丁目|番地?|号)"),
    re.compile(r"[\u4e00-\u9fff]{1,10}[省市县縣區区][\u4e00-\u9fff]{0,16}[路街道巷][\u4e00-\u9fff0-9]{0,6}?(?:[0-9]+[号號]|[A-Za-z0-9]座)"),
    # Taiwan and Hong Kong write the traditional characters: "...路37號2樓", "...街8段70號" (section, number, floor).
    re.compile(r"[\u4e00-\u9fff]{2,12}[路街道巷](?:[0-9]+[段弄])?[0-9]+[号號](?:之[0-9]+)?(?:[0-9]+[楼樓])?"),
    re.compile(r"[\uac00-\ud7af]{1,8}(?:시|도|구|군)[ \t][^\n]{0,30}?(?:로|길|가|거리)[ \t]?(?:지하)?[0-9]{1,5}(?:-[0-9]{1,5})?"),
    # Vietnamese: "Số 8/38 Hẻm 54 ...", "14/943 đường số 1 xã An Bình", "36 Phố Cộng Hòa phường ..." (a plain
    # number only right before a street word, so "có 12 quận" — twelve districts — is no address).
    re.compile(rf"(?:(?i:số)[ \t]+[0-9]{{1,4}}(?:/[0-9]{{1,4}})*|[0-9]{{1,4}}(?:/[0-9]{{1,4}})+)[ \t]+[^\n.]{{0,60}}?"
               r"(?i:phố|đường|hẻm|ngõ|khu|khóm|phường|xã|quận|huyện|tỉnh|thành phố|tp\.)(?!\w)"
               rf"|\b[0-9]{{1,4}}[ \t]+(?:(?i:phố|đường|hẻm|ngõ|khu|khóm)[ \t]+(?:(?i:số)[ \t]+)?[0-9{_VI_UPPER}]"
               rf"|(?:[{_VI_UPPER}][^\W\d_]*[ \t]+){{1,4}},?[ \t]*(?i:phường|xã|quận|huyện|tỉnh)[ \t]+[{_VI_UPPER}])"),
    re.compile(r"[0-9]{1,4}(?:/[0-9]{1,4})?[ \t]+(?:ถ\.|ถนน|ซ\.|ซอย|หมู่)"),
    # Thai by subdistrict, district and postcode: "ต.โนนศิลา อ.วังยาง ตาก 59200" (ตำบล/แขวง, อำเภอ/เขต).
    re.compile(r"(?:ต\.|ตำบล|แขวง)[ \t]?[\u0e00-\u0e7f]+[ \t]+(?:อ\.|อำเภอ|เขต)[ \t]?[\u0e00-\u0e7f]+[^\n]{0,30}?[0-9]{5}\b"),
    # Georgian: a street (ქ. / ქუჩა, გამზ. / გამზირი) and its number: "გოგაშენის ქ. 49".
    re.compile(r"[\u10d0-\u10ff]+[ \t]+(?:ქ\.|ქუჩა|გამზ\.|გამზირი|შესახვ\.|ჩიხი)[ \t]?[0-9]{1,4}\b"),
    # Armenian: a city (ք.) then a street and its number: "ք. Վանաձոր, Թումանյան 326".
    re.compile(r"ք\.[ \t]?[\u0531-\u0587\-]+,[ \t]*(?:[0-9]{4},[ \t]*)?[\u0531-\u0587\- ]{2,40}?[ \t][0-9]{1,4}\b"),
    # Azerbaijani: a street or avenue, then the building or flat: "S.S. AXUNDOV küçəsi, b. 6, m. 38".
    re.compile(r"(?i:küç\.|küçəsi|prospekti|pr\.|döngəsi|dalanı)[ \t]*,[ \t]*(?:b\.|bina|ev|m\.)[ \t]?[0-9]{1,4}\b"),
)
_PERSONAL_ADDRESS = re.compile(
    r"(?i)\b(?:my|his|her|their|our|your|home|lives?|living|lived|stays?|moved?|moving|ship|shipped|send|sent|deliver|"
    r"delivery|mail|post|invoice|bill|billing|tenant|customer|client|resident|registered|address|adresse|dirección|"
    r"indirizzo|endereço|adres|anschrift|wohnhaft|domicile|domicilio)\b")


def _after_comma(text: str, start: int) -> bool:
    """Whether the last character before `start` that is not a space or tab is a comma or a newline."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] in ",\n"


def _famous(text: str) -> str:
    """`text` with the digits of famous addresses (landmarks, seats of government, fiction) hidden."""
    lowered = text.lower()
    for address in FAMOUS_ADDRESSES:
        at = lowered.find(address)
        while at >= 0:
            text = text[:at] + re.sub(r"[0-9]", "x", text[at:at + len(address)]) + text[at + len(address):]
            at = lowered.find(address, at + 1)
    return text


def find_address(reading: Reading) -> str | None:
    """Why the text holds someone's street address, or None (see the module docstring)."""
    text = reading.text
    if not any(c in text for c in "0123456789"):
        return None
    why = _find(text, reading)
    if why and any(street in reading.lower for street in FAMOUS_STREETS):
        why = _find(_famous(text), reading)  # hiding digits can only take a match away, never make one
    if why and reading.has("public") and not _PERSONAL_ADDRESS.search(text):
        return None  # a sight or a piece of history: "What happens at 10 Downing Street on budget day?"
    return why


def _find(text: str, reading: Reading) -> str | None:
    uk_postcode = False
    for start, end in digit_runs(text):
        if _NUMBER_FIRST.match(text, start) or _NUMBER_THEN_ROMANCE.match(text, start):
            return "street and number"
        if _LOWER_NUMBER_FIRST.match(text, start) and _ADDRESS_GIVEN.search(text, max(0, start - 40), start):
            return "street and number"
        if _NUMBER_NAME_PLACE.match(text, start) and _ADDRESS_SAID.search(text, max(0, start - 36), start):
            return "street and number"  # "my new address is 71 Russellville, New Annabelle": said to be one
        if _LOWER_FULL.match(text, _UNIT_BEFORE.search(text, max(0, start - 12), start).start()):
            return "street and postcode"
        if _locality(text, start):
            return "street and postcode"
        if _after_comma(text, start) and _POSTCODE_AT.match(text, start):
            window = text[max(0, start - 70):start]
            number = _NUMBER_BEFORE.search(window)
            if (number and not (len(number["n"]) == 4 and number["n"][:2] in ("19", "20"))) \
                    or _STREET_WORD_BEFORE.search(window):
                return "street and postcode"
        if not uk_postcode and (text[start - 1:start].isupper() or text[end:end + 2].isupper()):  # LS6 / 2AX
            postcode = _UK_POSTCODE.search(text, max(0, start - 3), end + 5)
            # the window's end reads as a word boundary: "SG1N 8AXB" (inside an IBAN) is no "SG1N 8AX"
            uk_postcode = postcode is not None and not text[postcode.end():postcode.end() + 1].isalnum() \
                and not _IBAN_GROUPS_BEFORE.search(text, max(0, postcode.start() - 40), postcode.start())
        if text[start - 1:start] not in (" ", "\t") or not text[start - 2:start - 1].isalpha():
            continue  # each form below has a word, then a space, right before the number
        low, high = max(0, start - 80), min(len(text), end + 40)
        if _SUFFIX_STREET.search(text, low, high):
            return "street and number"
        if end - start == 5 and _US_CITY_STATE_ZIP.search(text, low, high):
            return "city, state and ZIP"
        if _BOX_WORD.search(text, max(0, start - 30), start) and _PO_BOX.search(text, low, high):
            return "post box"
    for first, end in reading.get("street_first"):
        stop = reading.end(end)
        abbreviated = reading.words[first] in _ABBREVIATED
        if abbreviated and text[stop:stop + 1] not in "./":
            continue
        if _AFTER_STREET_WORD.match(text, stop + abbreviated):
            return "street and number"
    if uk_postcode and _HOUSE_NUMBER.search(text):
        return "postcode and house number"
    if "," in text and _CA_PROVINCE_POSTCODE.search(text):
        return "city, province and postcode"
    if "/" in text and _BR_POSTCODE_CITY_STATE.search(text):
        return "postcode, city and state"
    if "PO" in text and _MILITARY.search(text):
        return "military address"
    if not text.isascii() and any(form.search(text) for form in _SCRIPT_FORMS):
        return "street and number"
    return None


LISTS: dict[str, tuple[tuple[str, ...], ...]] = {"street_first": _STREET_FIRST_WORDS}

