"""Decide whether two written names are the same person.

One module that every path uses: checking a credit against the corpus
speaker, finding the corpus speakers a credited name can mean, storing a
speaker's surname for look-ups, and resolving names inside a draft.

A name is read as given names, a surname and a suffix, after titles and role
words ("Sen.", "House Minority Leader", "Obama spokesman") and lowercase words
("that Carson") are dropped. Accents are folded, apostrophes ignored
(O’Malley = O'Malley), and surnames are compared as written (DeBoer, McCain,
Smith-Jones). Two names are the same person when their surnames agree and
their given names do not contradict: a bare surname, a middle name or initial
more or less, a nickname for a given name ("Bill" for "William") or an
initial for it all agree; "Ron Johnson" and "Jeh Johnson" do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import lexicon as lx
from .normalize import fold

SUFFIXES = frozenset("jr sr ii iii iv v".split())
PARTICLES = frozenset("de del della der di da dos du la le van von bin ibn al el st".split())
_EXTRA_ROLES = frozenset("""donor whip alderman alderwoman councilor councillor delegate assemblyman
assemblywoman assemblymember trooper constable superintendent provost dean chancellor rabbi cardinal
archbishop bishop pastor reverend dr doctor nurse pollster economist analyst strategist consultant
activist organizer organiser lobbyist candidate nominee reporter correspondent anchor host commentator
pundit blogger columnist writer journalist producer director actor actress singer comedian rapper
moderator panelist interviewer narrator
businessman businesswoman billionaire mogul developer investor entrepreneur banker owner
""".split())
ROLE_WORDS = lx.TITLES | lx.ROLE_NOUNS | _EXTRA_ROLES
_WORD = re.compile(r"[^\W\d_](?:[\w'’.\-]*[^\W_])?\.?")
_PAREN = re.compile(r"\([^()]*\)")
# Two names run together by a scraper ("ReidHarry"): a lowercase letter then a capitalised word, after
# three or more letters that are not a surname prefix (McCain, DeBoer, MacArthur, VanDyke stay whole).
_GLUED = re.compile(r"(?<![^\W\d_])(?!(?:Mac|Van|Von|Des|Del|Fitz|Della|Dela)[A-Z])[A-Z][a-z]{2,}(?=[A-Z][a-z])")


@dataclass(frozen=True)
class PersonName:
    """A person's name read into its parts, folded (lower case, no accents or apostrophes)."""

    given: tuple[str, ...]  # given and middle names or initials, in order ("harry", "j")
    surname: str  # "" when the name holds no person's name at all
    suffix: str = ""


def _fold_word(word: str) -> str:
    return fold(word).replace("'", "").replace("’", "").rstrip(".")


def _is_role(word: str) -> bool:
    low = word.lower().rstrip(".")
    return low in ROLE_WORDS or word.lower() in ROLE_WORDS


@lru_cache(maxsize=65_536)
def parse_name(name: str) -> PersonName:
    """Return the parts of a written name ("Sen. Harry M. Reid (D-Nev.)" -> given (harry, m), surname reid).

    Titles and role words before the name are dropped, so are lowercase words
    (other than particles such as "van"), a possessive 's, a parenthesis, and a
    suffix (Jr., III). A name with no capitalised word has no surname.
    """
    text = _PAREN.sub(" ", name.replace("\u00a0", " "))
    glued = _GLUED.search(text)
    if glued:
        text = text[:glued.end()]  # "Harry ReidHarry Mason", words a scraper ran together: the first name
    words = _WORD.findall(text)
    words = [w[:-2] if w.endswith(("'s", "’s")) else w for w in words]
    suffix = ""
    while words and _fold_word(words[-1]) in SUFFIXES and len(words) > 1:
        suffix = _fold_word(words[-1])
        words = words[:-1]
    # Role words lead a name ("Chicago Alderman Jason C. Ervin"): keep what follows the last one.
    cut = 0
    for i, word in enumerate(words[:-1]):
        if _is_role(word):
            cut = i + 1
    kept: list[tuple[str, bool]] = []  # (folded word, written in lower case: a particle such as "van")
    for word in words[cut:]:
        low = _fold_word(word)
        if not low:
            continue
        lower = word[:1].islower()
        if lower and low not in PARTICLES:
            kept = []  # "former Obama adviser": what leads a lowercase word is not the name
            continue
        kept.append((low, lower))
    while kept and kept[0][1]:
        kept = kept[1:]
    if not kept:
        return PersonName((), "", suffix)
    given = tuple(low for low, lower in kept[:-1] if not lower)
    return PersonName(given, kept[-1][0], suffix)


def _same_given(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]  # an initial stands for any name it starts
    return lx.NICKNAMES.get(a, a) == lx.NICKNAMES.get(b, b)


def _given_fit(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Return True when every name of `short` stands, in order, for one of `long`'s."""
    k = 0
    for word in short:
        while k < len(long) and not _same_given(word, long[k]):
            k += 1
        if k == len(long):
            return False
        k += 1
    return True


def same_name(a: PersonName, b: PersonName) -> bool:
    """Return True when two parsed names can be the same person."""
    if not a.surname or a.surname != b.surname:
        return False
    if a.suffix and b.suffix and a.suffix != b.suffix:
        return False
    # a different first name is a different person ("Ron" / "Jeh"); a missing middle name is not
    return _given_fit(a.given, b.given) or _given_fit(b.given, a.given)


def same_person(written: str, known: str) -> bool:
    """Return True when a written name and a known name can be the same person.

    "Warren", "Sen. Warren", "Elizabeth A. Warren" are all "Elizabeth Warren";
    "Ron Johnson" is not "Jeh Johnson"; "DeBoer" is "Peter DeBoer".
    """
    if _key(written) and _key(written) == _key(known):
        return True
    return same_name(parse_name(written), parse_name(known))


@lru_cache(maxsize=65_536)
def _key(name: str) -> str:
    return " ".join(_fold_word(w) for w in _WORD.findall(name))


def surname_key(name: str) -> str | None:
    """Return the key a name is found by from its surname alone, or None (no surname, or a body's name).

    "Elizabeth Warren" -> "warren"; "the Department of Homeland Security" -> None.
    """
    words = name.split()
    if words and words[-1].lower().strip(".,") in lx.INSTITUTION_HEADS:
        return None
    parsed = parse_name(name)
    if not parsed.surname or not parsed.given:
        return None  # a one-word name is found by its name key already
    return parsed.surname


def names_person(written: str, name: str, aliases: tuple[str, ...] | list[str] = ()) -> bool:
    """Return True when a written name can mean the person called `name` (also known by `aliases`).

    An alias that is a surname alone does not override a full name that
    contradicts the person's: "Ron Johnson" is not Jeh Johnson because his
    corpus record has the alias "Johnson".
    """
    if same_person(written, name):
        return True
    credited = parse_name(written)
    full = parse_name(name)
    for alias in aliases:
        if _key(alias) and _key(alias) == _key(written):
            return True
        known = parse_name(alias)
        if credited.given and not known.given and full.given:
            continue
        if same_name(credited, known):
            return True
    return False


_BODY_WORDS = lx.INSTITUTION_HEADS | frozenset("""league alliance society federation fund trust network newspaper
channel station radio television tv magazine outlet website blog site forum caucus council ministry embassy
agency commission board bureau police army navy""".split())


def is_body(name: str | None) -> bool:
    """Return True when a credited name is an organisation rather than a person: "the Anti-Defamation
    League", "CBS", "The Israeli newspaper Haaretz", "the Department of Homeland Security"."""
    if not name:
        return False
    words = name.replace("\u00a0", " ").split()
    if not words:
        return False
    if words[0].lower() in lx.DETERMINERS and any(w[:1].isupper() for w in words[1:]):
        return True
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6:
        return True  # an acronym: CBS, DHS, NATO
    return any(w.lower().strip(".,") in _BODY_WORDS for w in words)
