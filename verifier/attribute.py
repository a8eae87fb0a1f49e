"""Work out who a text credits each quotation to.

For each outer quotation the rules are tried in this order:

1. a cue right after the closing mark: `"...," Reid said`, `"...," said the
   spokesman`, `"...," Nancy Pelosi, the House minority leader, said`,
   `"...," according to X`;
2. a cue earlier in the same sentence: `Reid said the raids should "..."`,
   `Cruz continued: "..."`, `according to X, "..."`, a bare colon after a
   subject (`Trump: "..."`);
3. a cue later in the same sentence;
4. another quotation in the same paragraph that has a speaker (split quotes);
5. a paragraph that opens with a quotation and has no cue continues the last
   speaker (floating quotes).

When both the sentence's own cue and "according to X" are present, the cue's
subject is the speaker and X is `relayed_by`. Mentions are resolved to names
with a registry of the people the text names: surnames to full names, titles
stripped, pronouns to the most recent person of a compatible gender, role
nouns ("the spokesman") to the person the text described that way.

Quotations inside quotations are credited to whoever the outer speaker's own
words name as saying them, or to no one.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, field, replace

from . import lexicon as lx
from .models import Attribution, Quotation
from .names import ROLE_WORDS, parse_name, same_person

_ABBREV = (r"(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Prof|Rev|St|Jr|Sr|Sec|Atty|Maj"
           r"|Cmdr|Supt|Pres|Calif|Fla|Nev|Ill|Mass|Conn|Penn|Wis|Mich|Minn|Ariz|Tenn|Ky|Va|Ga|Ala|Colo"
           r"|Okla|Ore|Wash|Ind|Md|Mo|La|Miss|Kan|Neb|Del|Ark|Vt|Wyo|Tex|Mont|Nebr|Ida|Wisc|Tenn)\.")
_TOKEN = re.compile(_ABBREV + r"|(?:[A-Z]\.){2,}|[A-Za-z0-9][\w'’\-]*|[,:;()\u2014\u2013\x01]")
_PHRASES_BY_FIRST: dict[str, list[list[str]]] = {}
for _phrase in sorted(lx.CUE_PHRASES, key=lambda p: -len(p.split())):
    _PHRASES_BY_FIRST.setdefault(_phrase.split()[0], []).append(_phrase.split())
_ENDS_ABBREV = re.compile(r"(?:\b[A-Z]|" + _ABBREV[3:-3] + r")\.$")
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+")
# A run of capitalised words (a name, possibly with titles); bounded, so linear.
_NAME_RUN = re.compile(
    r"(?<![\w'’])(?:(?:" + _ABBREV + r"|[A-Z]\.|[A-Z][\w'’\-]*)[ \u00a0]+"
    r"(?:(?:de|van|von|der|bin|al|del|la|le|da)[ \u00a0]+)?){0,5}"
    r"[A-Z][\w’'\-]*[a-z0-9]")
_PAREN_PARTY = re.compile(r"\s*\(([DRI])[-–]([A-Z][A-Za-z. ]{1,15})\)")
_APPOSITIVE = re.compile(r",\s+(?:the|a|an)\s+([^,.;:\"“”\n]{2,60}?)\s*[,.;]")

_QMARK = "\x01"
_MASK = "\x00"
_WINDOW = 500  # how far back (characters) a sentence may start
_RIGHT_WINDOW = 300  # how far a speaker tag may run after a closing mark
_SUBJECT_PRONOUNS = {"he", "she", "they", "i", "we", "it", "you"}
_STOP_AFTER_NP = frozenset("""who whom whose which that in at on during after before when as to of for with from
by about while because if said says told added is was are were has have had will would could should
and or but than said, says""".split())
# Cues that may come before their speaker in a lead-in: `said Trump, "..."`.
_INVERTING = frozenset("said says wrote writes added asked continued explained replied".split())
_AGENT_SUFFIXES = ("er", "or", "ist", "ian", "man", "woman")
_HONOR_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr)\.?\s*$")
_ORG_CAPS = frozenset(w.capitalize() for w in lx.INSTITUTION_HEADS)
_ABBR_STATES = {"nev": "nevada", "calif": "california", "fla": "florida", "ill": "illinois", "mass": "massachusetts",
                "tex": "texas", "ny": "new york", "n.y": "new york", "ohio": "ohio", "ky": "kentucky",
                "ariz": "arizona", "wis": "wisconsin", "s.c": "south carolina", "n.j": "new jersey",
                "iowa": "iowa", "va": "virginia", "pa": "pennsylvania", "mich": "michigan", "ga": "georgia"}


@dataclass
class _Tok:
    text: str
    start: int
    end: int
    low: str = ""

    def __post_init__(self) -> None:
        self.low = self.text.lower()


@dataclass
class _Person:
    name: str
    gender: str | None = None
    descriptors: set[str] = field(default_factory=set)


@dataclass
class _NP:
    """A noun phrase found next to a cue: the words as written and where they are."""

    mention: str
    start: int
    kind: str  # pronoun name role who span group
    name_hint: str | None = None  # for "who": the phrase it stands for

    @property
    def end(self) -> int:
        """Return where the phrase ends in the text."""
        return self.start + len(self.mention)


def _determiner_before(toks: list[_Tok], k: int) -> int | None:
    """Return the index of the nearest determiner among the tokens k, k - 1, ..., k - 3 (the one opening a
    short noun phrase ending at token k: "a spokesman", "The Florida senator's"), or None."""
    return next((n for n in range(k, max(-1, k - 4), -1) if toks[n].low in lx.DETERMINERS), None)


def _index_at(toks: list[_Tok], pos: int) -> int:
    """Return the index of the first token starting at or after `pos` (len(toks) if none)."""
    return bisect.bisect_left(toks, pos, key=lambda t: t.start)


_SPEAKS_AFTER = re.compile(r"(?:,)? (?:also |later |then )?(?:said|says|told|tells|added|wrote|asked|argued)\b")


class _Registry:
    """The people a text names, and where each is mentioned."""

    def __init__(self, text: str, inside: list[tuple[int, int]]) -> None:
        self.by_surname: dict[str, _Person] = {}
        self.by_full: dict[str, _Person] = {}
        self.mentions: list[tuple[int, _Person, bool]] = []  # (position, person, outside quotes)
        self.positions: list[int] = []
        starts = [a for a, _ in inside]
        pending: list[tuple[int, list[str], str, int]] = []
        newlines = [m.start() for m in re.finditer("\n", text)]
        headline: dict[int, bool] = {}
        for m in _NAME_RUN.finditer(text):
            line = bisect.bisect_left(newlines, m.start())
            if line not in headline:
                lo = newlines[line - 1] + 1 if line else 0
                hi = newlines[line] if line < len(newlines) else len(text)
                headline[line] = _is_headline(text[lo:hi]) if hi - lo <= 200 else False
            if headline[line]:
                continue
            words = m.group().replace("\u00a0", " ").split()
            while words and (words[0] in lx.STOP_CAPS or words[0].rstrip(".") in lx.STOP_CAPS):
                words = words[1:]
            if not words:
                continue
            pending.append((m.start(), words, text[max(0, m.start() - 25):m.start()], m.end()))
        # First pass: full names define people; second: every run is a mention.
        for _, words, before, end in pending:
            titles, name = _split_titles(words)
            titled = bool(titles) or bool(_HONOR_BEFORE.search(before))
            # a lone surname is someone when titled ("Sen. Warren") or when it speaks: "Pelosi said", "Pelosi
            # told reporters" (a pasted paragraph may never give the full name)
            speaks = len(name) == 1 and _SPEAKS_AFTER.match(text, end) is not None and not name[0].isupper()
            if _is_org(words) or not name or len(name) > 3 or len(name) < 2 and not (titled or speaks):
                continue
            full = " ".join(name)
            person = self.by_full.get(full) or self.by_surname.get(name[-1])
            if person is None or len(person.name.split()) < len(name) and person.name.split()[-1] != name[-1]:
                person = _Person(full)
            elif len(name) > 1 and not same_person(full, person.name):
                person = _Person(full)  # a namesake: "Chelsea Clinton" is not "Bill Clinton"
            self.by_full[full] = person
            self.by_surname.setdefault(name[-1], person)
            first = name[0].lower()
            if person.gender is None:
                if first in lx.MALE_FIRST:
                    person.gender = "m"
                elif first in lx.FEMALE_FIRST:
                    person.gender = "f"
            person.descriptors.update(t.lower().rstrip(".") for t in titles)
            honor = next((lx.HONORIFIC_GENDER[t.lower()] for t in titles if t.lower() in lx.HONORIFIC_GENDER), None)
            if person.gender is None and honor:
                person.gender = honor
            prev_word = before.split()[-1].lower() if before.split() else ""
            if prev_word in lx.ROLE_NOUNS or prev_word in lx.HONORIFIC_GENDER:
                person.descriptors.add(prev_word)
            after = text[end:end + 80]
            pm = _PAREN_PARTY.match(after)
            if pm:
                person.descriptors.add(lx.PARTIES[pm.group(1).lower()])
                state = pm.group(2).strip().rstrip(".").lower()
                person.descriptors.update(_ABBR_STATES.get(state, state).split())
            am = _APPOSITIVE.match(after)
            if am:
                person.descriptors.update(w.lower() for w in am.group(1).split())
        for pos, words, _before, _ in pending:
            titles, name = _split_titles(words)
            if not name or _is_org(words):
                continue
            person = self.by_full.get(" ".join(name)) or self.by_surname.get(name[-1].rstrip("’'s").rstrip("'’"))
            if person is None:
                person = self.by_surname.get(_strip_possessive(name[-1]))
            if person is None:
                continue
            honor = next((lx.HONORIFIC_GENDER[t.lower()] for t in titles if t.lower() in lx.HONORIFIC_GENDER), None)
            if person.gender is None and honor:
                person.gender = honor
            k = bisect.bisect_right(starts, pos) - 1
            out = not (k >= 0 and inside[k][0] <= pos < inside[k][1])
            self.mentions.append((pos, person, out))
            self.positions.append(pos)

    def _pick(self, k: int, gender: str | None, known_only: bool, limit: int) -> int:
        """Return the index of the latest compatible mention at or before `k`, or -1."""
        seen = 0
        while k >= 0 and seen < limit:
            _, person, out = self.mentions[k]
            seen += 1
            if out and _compatible(person, gender) and (not known_only or person.gender is not None):
                return k
            k -= 1
        return -1

    def lookup(self, words: list[str]) -> _Person | None:
        """Return the person a cleaned name refers to, if the text named them."""
        if not words:
            return None
        full = " ".join(words)
        return self.by_full.get(full) or self.by_surname.get(_strip_possessive(words[-1]))

    def recent(self, pos: int, gender: str | None, masked: str) -> _Person | None:
        """Return the subject-most person of the latest sentence before `pos` naming a compatible one."""
        k = bisect.bisect_left(self.positions, pos) - 1
        # a person whose gender the text shows beats a nearer name of unknown gender (often a place)
        hit = self._pick(k, gender, gender is not None, 6)
        if hit < 0:
            hit = self._pick(k, gender, False, 40)
        if hit < 0:
            return None
        mpos, person, _ = self.mentions[hit]
        # the earliest compatible person in the same sentence is most often its subject
        lo = max(masked.rfind(". ", max(0, mpos - 400), mpos), masked.rfind("\n", max(0, mpos - 400), mpos),
                 mpos - 400)
        best = person
        j = hit - 1
        while j >= 0 and self.mentions[j][0] > lo:
            other = self.mentions[j][1]
            if self.mentions[j][2] and _compatible(other, gender) and (other.gender or not person.gender):
                best = other
            j -= 1
        return best

    def described(self, words: list[str], pos: int) -> _Person | None:
        """Return the most recent person before `pos` the text described with one of `words`."""
        want = {w.lower() for w in words} - lx.DETERMINERS
        head = words[-1].lower() if words else ""
        k = bisect.bisect_left(self.positions, pos) - 1
        seen = 0
        while k >= 0 and seen < 60:
            person = self.mentions[k][1]
            if head in person.descriptors and (len(want) == 1
                                               or len(want & person.descriptors) >= min(2, len(want))):
                return person
            seen += 1
            k -= 1
        return None


def _is_headline(line: str) -> bool:
    """Return True for a short line in Title Case (a headline, not prose)."""
    words = [w for w in line.split() if w[:1].isalpha()]
    caps = sum(w[:1].isupper() for w in words)
    return len(words) >= 4 and caps >= 0.7 * len(words)


def _is_caps_label(before: str) -> bool:
    """Return True when the words before an opening mark, on its line, are an all-capitals label of two
    to sixteen words (a newsletter's item heading), not prose or a name."""
    words = before.split()
    letters = [c for c in before if c.isalpha()]
    return 2 <= len(words) <= 16 and len(letters) >= 6 and all(c.isupper() for c in letters)


def _strip_possessive(word: str) -> str:
    for suffix in ("'s", "’s", "'", "’"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _compatible(person: _Person, gender: str | None) -> bool:
    return gender is None or person.gender is None or person.gender == gender


def _split_titles(words: list[str]) -> tuple[list[str], list[str]]:
    """Return (title words, name words): "House Minority Leader Nancy Pelosi" -> titles, [Nancy, Pelosi]."""
    cut = 0
    for i, w in enumerate(words[:-1]):
        if w.lower().rstrip(".") in lx.TITLES or w.lower() in lx.TITLES or w.isupper() and len(w) <= 4:
            cut = i + 1
    name = [_strip_possessive(w) for w in words[cut:]]
    return words[:cut], name


def _is_org(words: list[str]) -> bool:
    return any(w in _ORG_CAPS for w in words[1:]) or (len(words) > 0 and words[-1].lower() in lx.INSTITUTION_HEADS)


class _Tokenised:
    """A text's tokens, made once, so each window's tokens are a slice (attribution looks at a
    window around every quotation, and re-scanning made dense quotations cost ~1 ms each)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self.starts = [t.start for t in self.toks]

    def inside_token(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and self.toks[i].start < pos < self.toks[i].end

    def window(self, lo: int, hi: int) -> list[_Tok] | None:
        """Return the tokens `_TOKEN.finditer(text, lo, hi)` would give, or None when an edge cuts a token.

        Exact: the pattern has no look-arounds or anchors, so with both edges outside
        every token a scan of the window finds just the whole text's tokens inside it.
        """
        if self.inside_token(lo) or self.inside_token(hi):
            return None
        return self.toks[bisect.bisect_left(self.starts, lo):bisect.bisect_left(self.starts, hi)]


DENSE_WINDOWS = 20  # windows covering the text this many times over are sliced from one tokenisation
_LOCAL = threading.local()  # .tokenised: this thread's call in progress (its masked text and the original)


def _tokens(text: str, lo: int, hi: int) -> list[_Tok]:
    for done in getattr(_LOCAL, "tokenised", ()):
        if done.text is text:
            found = done.window(lo, hi)
            if found is not None:
                return found
            break
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, lo, hi)]


def _is_cue(tok: _Tok) -> bool:
    return tok.low in lx.CUE_VERBS


def _phrase_at(toks: list[_Tok], i: int) -> int:
    """Return how many tokens a multiword cue starting at `i` spans (0 if none)."""
    for parts in _PHRASES_BY_FIRST.get(toks[i].low, ()):
        if i + len(parts) <= len(toks) and all(toks[i + k].low == p for k, p in enumerate(parts)):
            return len(parts)
    return 0


def _is_cap(tok: _Tok) -> bool:
    return tok.text[:1].isupper()


def _np_before(text: str, toks: list[_Tok], c: int, allow_appositive: bool = True) -> _NP | None:
    """Return the subject noun phrase that ends right before token `c`."""
    if c >= 2 and toks[c - 1].low in {"both", "all"}:
        c -= 1  # "Pelosi and Reid both said"
    np = _single_np_before(text, toks, c, allow_appositive)
    if np is None or np.kind != "name":
        return np
    # "Pelosi and Reid said", "Reid, Schumer and Pelosi said": all of them, not the last alone
    k = _index_at(toks, np.start)
    start = np.start
    for link in range(4):
        joint = toks[k - 1].low if k >= 2 else ""
        if joint != "and" and not (link and joint == ",") or not _is_cap(toks[k - 2]) \
                or toks[k - 2].text.endswith(("'s", "’s")):
            break  # a list ends "..., B and C": its last link is "and"
        earlier = _single_np_before(text, toks, k - 1, allow_appositive=False)
        if earlier is None or earlier.kind != "name" or len(earlier.mention.split()) > 4 \
                or _after_preposition(toks, earlier.start):
            break  # not "In Washington and Paris, Reid said"
        start = earlier.start
        k = _index_at(toks, start)
    if start == np.start:
        return np
    return _NP(text[start:np.end], start, "name")


def _single_np_before(text: str, toks: list[_Tok], c: int, allow_appositive: bool = True) -> _NP | None:
    """Return the one noun phrase that ends right before token `c` (see `_np_before`)."""
    j = c - 1
    while j >= 0 and (toks[j].low in lx.ADVERBS or toks[j].low.endswith("ly")) and not _is_cap(toks[j]):
        j -= 1
    if j < 0:
        return None
    if toks[j].text == ")":
        k = j - 1
        while k >= 0 and toks[k].text != "(" and j - k < 12:
            k -= 1
        if k >= 0 and toks[k].text == "(":
            j = k - 1
    if j >= 0 and toks[j].text == "," and allow_appositive:
        # "Clinton, 35, the daughter of ..., said": the subject heads the chain of appositives, so a name
        # at the farthest comma wins ("Marty West, who worked for Sen. Alexander, one of ..., called it")
        k = j - 1
        commas = 0
        found: list[_NP] = []
        while k >= 0 and (toks[k].text not in {_QMARK, ";", ":"} or _quoted_title(toks, k)) and j - k < 40 \
                and commas < 3:
            if toks[k].text == ",":
                commas += 1
                inner = _np_before(text, toks, k, allow_appositive=False)
                if inner is not None and inner.kind in {"name", "role"}:
                    found.append(inner)
            k -= 1
        names = [np for np in found if np.kind == "name" and not _after_preposition(toks, np.start)]
        if names:
            return names[-1]
        return found[0] if found else None
    if j < 0:
        return None
    tok = toks[j]
    low = tok.low
    base = low
    for suffix in lx.PRONOUN_CONTRACTIONS:
        if low.endswith(suffix):
            base = low[: -len(suffix)]
    if base in _SUBJECT_PRONOUNS:
        return _NP(tok.text if base == low else tok.text[:len(base)], tok.start, "pronoun")
    if low == "which":
        return None  # a thing: "a sign, which read ..."
    if low == "who":
        if j >= 1 and toks[j - 1].text == ",":
            prior = _np_before(text, toks, j - 1, allow_appositive=False)
            if prior is not None:
                return _NP(tok.text, tok.start, "who", prior.mention)
        return None
    if _is_cap(tok) and tok.text.endswith(("'s", "’s")):
        return None  # a possessive is no subject: "Clinton's remarks", "Pyongyang's claims"
    if _is_cap(tok) or tok.text[:1].isdigit() and False:
        k = j
        while k - 1 >= 0 and (_is_cap(toks[k - 1]) or toks[k - 1].low in {"de", "van", "von", "der", "bin", "al"}) \
                and toks[k - 1].text not in {_QMARK} \
                and not (toks[k - 1].text.isupper() and len(toks[k - 1].text) > 4 and not toks[k].text.isupper()):
            k -= 1  # (an all-capitals heading before a name is not part of it: "... EXPLOSION Turkish President")
        while k < j and (toks[k].text in lx.STOP_CAPS or toks[k].text.rstrip(".") in lx.STOP_CAPS):
            k += 1
        if toks[k].text in lx.STOP_CAPS:
            return None
        # "Obama spokesman Josh Earnest", "the White House": take a role word and what leads it
        s = k
        if s - 1 >= 0 and toks[s - 1].low in lx.ROLE_NOUNS:
            s -= 1
            while s - 1 >= 0 and _is_cap(toks[s - 1]) and toks[s - 1].text not in lx.STOP_CAPS:
                s -= 1
        if s - 1 >= 0 and toks[s - 1].low in lx.DETERMINERS:
            s -= 1
        if s >= 3 and toks[s - 1].low in {"for", "of", "to"} and toks[s - 2].low in lx.ROLE_NOUNS \
                and toks[s - 2].low not in lx.INSTITUTION_HEADS:
            # "a spokesman for Bernie Sanders", "an aide to Pelosi": the spokesman speaks, not Sanders
            d = _determiner_before(toks, s - 2)
            if d is not None:
                role = text[toks[d].start:toks[s - 2].end]
                return _NP(text[toks[d].start:tok.end], toks[d].start, "span", role)
        kind = "role" if toks[s].low in lx.DETERMINERS else "name"
        if kind == "name":
            owner = _person_of_body(text, toks, s) or _relative_clause_subject(text, toks, s)
            if owner is not None:
                return owner
        return _NP(text[toks[s].start:tok.end], toks[s].start, kind)
    # a lowercase noun phrase back to its determiner: "the spokesman", "a senior official"
    k = j
    while k >= 0 and j - k < 7:
        if toks[k].low in lx.DETERMINERS or (_is_cap(toks[k]) and toks[k].text.endswith(("'s", "’s"))):
            if low in lx.ROLE_NOUNS or low in lx.DOCUMENT_NOUNS or _is_cap(toks[j]) or low.endswith(_AGENT_SUFFIXES) \
                    or low.endswith("s") and low[:-1] in lx.ROLE_NOUNS:
                return _NP(text[toks[k].start:tok.end], toks[k].start, "role")
            return None
        if not toks[k].text[:1].isalpha() or toks[k].low in _STOP_AFTER_NP:
            break
        k -= 1
    if low in lx.ROLE_NOUNS and low.endswith("s"):
        return _NP(tok.text, tok.start, "role")  # "officials said"
    return None


def _quoted_title(toks: list[_Tok], k: int) -> bool:
    """Return True when the mark at token `k` belongs to a quoted title inside an appositive ("the author
    of "Going Viral," said"): the opening mark follows "of", "on" or a determiner."""
    if k >= 1 and toks[k - 1].text == _QMARK:
        k -= 1  # the closing mark: look at the opening one
    return k >= 1 and toks[k].text == _QMARK and (toks[k - 1].low in {"of", "on", "in"} or
                                                 toks[k - 1].low in lx.DETERMINERS)


def _person_of_body(text: str, toks: list[_Tok], s: int) -> _NP | None:
    """Return the person in `Joel Pollak of Breitbart California observed` when the name run starting
    at token `s` follows "of" and a person's name (two capitalised words, the last two not titles)."""
    if s < 3 or toks[s - 1].low != "of":
        return None
    e = s - 2
    k = e
    while k - 1 >= 0 and _is_cap(toks[k - 1]) and toks[k - 1].text not in lx.STOP_CAPS:
        k -= 1
    if e - k < 1 or not all(_is_cap(t) and t.low.rstrip(".") not in ROLE_WORDS for t in toks[e - 1:e + 1]):
        return None
    return _NP(text[toks[k].start:toks[e].end], toks[k].start, "name")


def _relative_clause_subject(text: str, toks: list[_Tok], s: int) -> _NP | None:
    """Return the subject in `John McCain, who lost the election to Obama -- said` when the name at
    token `s` sits in a relative clause ("who ...") between its subject and the cue."""
    k = s - 1
    while k >= 1 and s - k < 15 and toks[k].text not in {_QMARK, ";", ":", ","}:
        if toks[k].low == "who":
            if toks[k - 1].text == ",":
                prior = _np_before(text, toks, k - 1, allow_appositive=False)
                if prior is not None and prior.kind == "name":
                    return prior
            return None
        k -= 1
    return None


_INDEFINITE = frozenset("a an one another some several two three".split())
_SOURCE_OF = re.compile(r"\b(?:from|by)\s+((?:[A-Z][\w'’.\-]*\s+){0,3}[A-Z][\w'’\-]*)\s*$")
_PREPOSITIONS = frozenset("in at on from for with to of by about under over near after before during".split())


def _after_preposition(toks: list[_Tok], start: int) -> bool:
    """Return True when the phrase starting at `start` is the object of a preposition ("in Washington")."""
    k = _index_at(toks, start) - 1
    return k >= 0 and toks[k].low in _PREPOSITIONS


def _np_after(text: str, toks: list[_Tok], i: int) -> _NP | None:
    """Return the noun phrase that starts at token `i` (the speaker in "said X")."""
    if i >= len(toks):
        return None
    tok = toks[i]
    if tok.low in _SUBJECT_PRONOUNS:
        return _NP(tok.text, tok.start, "pronoun")
    if tok.low in lx.DETERMINERS:
        k = i + 1
        while k < len(toks) and k - i <= 7 and toks[k].text[:1].isalnum() and toks[k].low not in _STOP_AFTER_NP:
            k += 1
            if toks[k - 1].low in lx.ROLE_NOUNS and not (k < len(toks) and toks[k].low in lx.ROLE_NOUNS):
                break  # "A Clinton campaign official | later walked back": the phrase ends at its head
        if k == i + 1:
            return None
        if k + 1 < len(toks) and toks[k].low in {"from", "by"} and toks[k - 1].low in lx.DOCUMENT_NOUNS \
                and _is_cap(toks[k + 1]):
            k += 1  # "a statement from Nancy Pelosi": the document and whose it is
            while k < len(toks) and _is_cap(toks[k]):
                k += 1
        return _NP(text[tok.start:toks[k - 1].end], tok.start, "role")
    if _is_cap(tok) and tok.text not in lx.STOP_CAPS:
        k = i
        while k < len(toks) and (_is_cap(toks[k]) or toks[k].low in {"de", "van", "von", "der", "bin", "al"}):
            k += 1
        # "Obama spokesman Josh Earnest", "Democratic presidential candidate Bernie Sanders"
        m = k
        while m < len(toks) and m - k < 3 and toks[m].text[:1].islower() and toks[m].low not in _STOP_AFTER_NP:
            m += 1
        if m > k and m < len(toks) and _is_cap(toks[m]) and toks[m - 1].low in ROLE_WORDS:
            k = m
            while k < len(toks) and _is_cap(toks[k]):
                k += 1
        else:
            r = k
            while r < m and (toks[r].low in lx.ROLE_NOUNS or toks[r].low in ROLE_WORDS):
                r += 1
            if r > k and toks[r - 1].low in lx.ROLE_NOUNS and toks[r - 1].low not in lx.INSTITUTION_HEADS:
                # "Obama's press secretary", "White House officials": they speak, not Obama or the White House
                return _NP(text[tok.start:toks[r - 1].end], tok.start, "role")
            r = next((n for n in range(k, m) if toks[n].low in lx.ROLE_NOUNS), None)
            if r is not None and toks[k - 1].text.endswith(("'s", "’s")):
                # "Clinton's right-hand woman" speaks, not Clinton (but "Trump's claims" are Trump's)
                return _NP(text[tok.start:toks[r].end], tok.start, "role")
        return _NP(text[tok.start:toks[k - 1].end], tok.start, "name")
    if tok.low in lx.ROLE_NOUNS:
        return _NP(tok.text, tok.start, "role")
    return _modified_name_after(text, toks, i)


def _modified_name_after(text: str, toks: list[_Tok], i: int) -> _NP | None:
    """Return a name led by lowercase modifiers: "said former tech executive Carly Fiorina"."""
    k = i
    while k < len(toks) and k - i < 6 and toks[k].text[:1].isalpha() and toks[k].text[:1].islower():
        if toks[k].low in _STOP_AFTER_NP and not (toks[k].low == "of" and k > i and k + 1 < len(toks)
                                                 and toks[k + 1].text[:1].islower()):
            break
        if toks[k].low in lx.ADVERBS or toks[k].low in lx.DETERMINERS or toks[k].low in _SUBJECT_PRONOUNS:
            break
        k += 1
    if k == i or k >= len(toks) or not _is_cap(toks[k]) or _strip_possessive(toks[k].text) in lx.STOP_CAPS:
        return None
    m = k
    while m < len(toks) and (_is_cap(toks[m]) or toks[m].low in {"de", "van", "von", "der", "bin", "al"}):
        m += 1
    if toks[m - 1].text.endswith(("'s", "’s")):
        return None
    r = m
    while r < len(toks) and r - m < 3 and toks[r].text[:1].islower() and toks[r].low not in _STOP_AFTER_NP:
        r += 1
    if m < r < len(toks) and _is_cap(toks[r]) and toks[r - 1].low in ROLE_WORDS:
        m = r  # "said former Obama adviser David Axelrod": the name follows the role word
        while m < len(toks) and _is_cap(toks[m]):
            m += 1
    return _NP(text[toks[i].start:toks[m - 1].end], toks[i].start, "name")


@dataclass
class _Cue:
    np: _NP
    cue: str
    relayed_by: str | None = None
    via: str = "cue"  # see Attribution.via


def _find_cue_right(text: str, toks: list[_Tok]) -> _Cue | None:
    """Return the speaker tag right after a closing mark: `, Reid said` / `, said Reid` / `, according to X`."""
    i = 0
    while i < len(toks) and toks[i].text in {",", "\u2014", "\u2013"}:
        i += 1
    if i + 1 < len(toks) and toks[i].low == "by":
        agent = _np_after(text, toks, i + 1)
        if agent is not None and agent.kind == "name":
            return _Cue(agent, "by")  # `has been called "..." by Joshua Hendrick, a professor`
    for c in range(i, min(len(toks), i + 28)):
        tok = toks[c]
        if _is_cap(tok) and c + 1 < len(toks) and _is_cue(toks[c + 1]):
            continue  # `"...," Read said`: a name that is also a verb
        if tok.low in _NEW_CLAUSE and (c == i or toks[c - 1].text == ","):
            return None  # `Reid called them "...," while Pelosi said ...`: that cue is the next clause's
        if tok.text in {_QMARK, ";"}:
            return None
        n = _phrase_at(toks, c)
        if n and toks[c].low == "according":
            np = _np_after(text, toks, c + n)
            return _Cue(np, "according to") if np else None
        if _is_cue(tok) or n:
            cue = text[tok.start:toks[c + max(n, 1) - 1].end]
            np = _np_before(text, toks, c) if c > i else None
            if np is not None and (np.start <= toks[i].start + 1 or _between_is_appositive(toks, i, c)):
                return _Cue(np, cue)
            if np is not None and np.kind in {"name", "role"}:
                lead = [t for t in toks[i:c] if t.start < np.start]
                if len(lead) <= 6 and all(t.text[:1].isalpha() and not _is_cue(t) and t.low not in _PREPOSITIONS
                                          for t in lead) and " - " not in text[toks[i].start:tok.start]:
                    # "former presidential candidate Herman Cain said": modifiers belong to the phrase
                    return _Cue(_NP(text[toks[i].start:np.start] + np.mention, toks[i].start, np.kind), cue)
            span = _span_subject(text, toks, i, c)
            if span is not None:
                return _Cue(span, cue)
            inverted_ok = c == i or all(t.low in lx.ADVERBS for t in toks[i:c]) or (
                toks[c - 1].text == "," and tok.low in _INVERTING)
            if inverted_ok:
                np = _np_after(text, toks, c + max(n, 1))
                if np is not None and (tok.low in _INVERTING_RIGHT or n) and _can_speak(np):
                    return _Cue(np, cue)  # `"...," said Reid`; not `"...," thanked Obama`
            return None
    return None


_REPORTING = frozenset("reported reports reporting wrote writes noted notes".split())
_SPEECH_CUES = frozenset("""said says told tells say argued argues wrote writes added adds noted notes insisted
explained recalled declared stated warned""".split())


def _can_speak(np: _NP) -> bool:
    """Return True for a phrase after an inverted cue that can be a speaker: a name, a pronoun or a role,
    not `made clear that the refugee` or `said the days when`."""
    if np.kind != "role":
        return True
    words = np.mention.split()
    head = words[-1].lower()
    return words[0].lower() != "that" and (head in lx.ROLE_NOUNS or head in lx.DOCUMENT_NOUNS
                                           or head.endswith(_AGENT_SUFFIXES)
                                           or any(w[:1].isupper() for w in words[1:]))


_INVERTING_RIGHT = frozenset("""said says wrote writes added adds continued explained replied recalled argued
noted insisted responded countered declared remarked tweeted posted stated warned concluded asked quipped
reacted joked observed announced acknowledged conceded cautioned complained retorted snapped fumed exclaimed
suggested testified wondered mused boasted""".split())
_PASSIVE = frozenset("was were is are been being".split())
_SPEECH_NOUNS = frozenset("""assertion assertions claim claims remark remarks comment comments statement words
promise pledge vow warning insistence argument contention boast quip retort reply answer response""".split())
_NEW_CLAUSE = frozenset("while whereas and whereupon".split())
_SPAN_STOP = frozenset("that which who whom whose because but and or so if as when while than what".split())


def _span_subject(text: str, toks: list[_Tok], i: int, c: int) -> _NP | None:
    """Return the words between a closing mark and its cue as the speaker, when they can only be one.

    `"...," the gambling tycoon told Reuters`, `"...," nuclear experts A and B of the X Institute wrote`.
    """
    j = c
    while j > i and toks[j - 1].low in lx.ADVERBS:
        j -= 1
    if j <= i or j - i > 16 or toks[i].low in _SPAN_STOP or toks[i].low in _SUBJECT_PRONOUNS:
        return None
    if any(not t.text[:1].isalnum() for t in toks[i:j]) or " - " in text[max(0, toks[i].start - 3):toks[c].start]:
        return None  # punctuation or a spaced dash: not one noun phrase
    first = toks[i]
    if not (first.low in lx.DETERMINERS or _is_cap(first) or first.text[:1].isdigit()
            or any(_is_cap(t) for t in toks[i:j])):
        return None
    hint = None
    m = i
    while m < j and not (_is_cap(toks[m]) and toks[m].text not in lx.STOP_CAPS):
        m += 1
    if m < j:
        e = m
        while e < j and (_is_cap(toks[e]) or toks[e].low in {"de", "van", "von", "der", "bin", "al"}):
            e += 1
        hint = text[toks[m].start:toks[e - 1].end]
    else:
        e = i
        while e < j and toks[e].low not in {"and", "of", "for", "from", "with", "at", "in"}:
            e += 1
        hint = text[toks[i].start:toks[e - 1].end]
    return _NP(text[first.start:toks[j - 1].end], first.start, "span", hint)


def _according_to(text: str, toks: list[_Tok], cue: _Cue) -> str | None:
    """Return who relays the words when a speaker tag goes on `..., according to X`, or None."""
    for c in range(len(toks) - 1):
        if toks[c].start > cue.np.start and toks[c].low == "according" and toks[c + 1].low == "to":
            np = _np_after(text, toks, c + 2)
            if np is not None:
                return text[np.start:toks[-1].end].strip(" .,;")
    return None


def _between_is_appositive(toks: list[_Tok], i: int, c: int) -> bool:
    return any(t.text == "," for t in toks[i:c])


_NOUN_LIKE_CUES = frozenset("call calls quip quips joke jokes retort retorts tease teases echo echoes".split())


def _noun_like_cue_before(text: str, toks: list[_Tok]) -> _Cue | None:
    """Return the speaker of a cue that is often a noun, when it comes right before the opening mark with
    its subject before it: `historian John Baick calls "..."`, `a spokesman could only quip: "..."`."""
    end = len(toks)
    if end and toks[end - 1].text in {":", ","}:
        end -= 1
    if end and toks[end - 1].low in {"it", "him", "her", "them", "this"}:
        end -= 1
    if end < 2 or toks[end - 1].low not in _NOUN_LIKE_CUES or toks[end - 2].low in lx.DETERMINERS \
            or toks[end - 2].text.endswith(("'s", "’s")):
        return None
    np = _np_before(text, toks, end - 1, allow_appositive=False)
    if np is None or np.kind not in {"name", "pronoun", "role", "span"}:
        return None
    return _Cue(np, toks[end - 1].text)


def _find_cue_left(text: str, toks: list[_Tok], registry: _Registry | None = None) -> _Cue | None:
    """Return the speaker tag earlier in the sentence: `Reid said the raids should "`, `Cruz continued: "`."""
    noun_like = _noun_like_cue_before(text, toks)
    if noun_like is not None:
        return noun_like
    for c in range(len(toks) - 1, -1, -1):
        tok = toks[c]
        if tok.text == _QMARK and c + 2 < len(toks) and _is_cap(toks[c + 1]) and toks[c + 1].text not in lx.STOP_CAPS:
            np = _np_after(text, toks, c + 1)
            v = _index_at(toks, np.end) if np is not None else len(toks)
            if v < len(toks) and toks[v].text[:1].islower() and not _is_cue(toks[v]):
                # `While X proclaims "...," Clinton fixates on the "pivot" line`: a new clause with no cue;
                # its subject, not X, is whom it is about
                if np is None or np.kind != "name" or np.mention.endswith(("'", "’", "'s", "’s")) \
                        or not _looks_like_verb(toks, v):
                    return None
                return _Cue(np, toks[v].text, via="subject")
        n = _phrase_at(toks, c)
        if n and tok.low == "according":
            np = _np_after(text, toks, c + n)
            if np is not None:
                return _Cue(np, "according to")
            continue
        if tok.low in _SPEECH_NOUNS and c > 0 and toks[-1].low == "that" and len(toks) - c <= 8:
            # the quotation is the noun's content clause: "her assertion during the debate that "...""
            owner = toks[c - 1]
            if owner.low in {"his", "her"}:
                return _Cue(_NP(owner.text, owner.start, "pronoun"), tok.text)  # "her assertion that "...""
            if _is_cap(owner) and owner.text.endswith(("'s", "’s")) and owner.text[:-2] not in lx.STOP_CAPS:
                return _Cue(_NP(owner.text[:-2], owner.start, "name"), tok.text)  # "Clinton's claim that "...""
            if owner.text.endswith(("'s", "’s")) and (owner.low[:-2] in lx.ROLE_NOUNS
                                                        or owner.low[:-2].endswith(_AGENT_SUFFIXES)):
                d = _determiner_before(toks, c - 2)
                if d is not None:  # "The Florida senator's answer was that "...""
                    return _Cue(_NP(text[toks[d].start:owner.end - 2], toks[d].start, "role"), tok.text)
        if _is_cue(tok) or n:
            cue = text[tok.start:toks[c + max(n, 1) - 1].end]
            if tok.low.endswith("ing") and not n and c > 0:
                np = _np_before(text, toks, c, allow_appositive=False)
                if np is not None and np.kind in {"name", "pronoun"}:
                    k = next((m for m in range(c - 1, -1, -1) if toks[m].start < np.start), -1)
                    if k < 0 or toks[k].low == "with" or toks[k].text == ",":
                        return _Cue(np, cue)  # "with Trump reportedly yelling: ..."
                if c >= 3 and toks[c - 1].text == "," and _is_cue(toks[c - 2]):
                    told = _np_before(text, toks, c - 2)
                    if told is not None and told.kind in {"name", "pronoun", "role"}:
                        return _Cue(told, cue)  # `..., Fiorina said, adding that "..."`
                # a participle speaks for the clause's subject: "Trump hit back, saying ...", "X released
                # an ad calling it ..."
                subject = _clause_subject(text, toks[:c]) or _sentence_subject(text, toks[:c], registry)
                if subject is not None:
                    return _Cue(subject.np, cue)
                continue
            if c > 0 and toks[c - 1].low in _PASSIVE and c + 1 < len(toks) and toks[c + 1].low == "by":
                agent = _np_after(text, toks, c + 2)  # "Rubio was asked by moderator Gerard Baker whether ..."
                if agent is not None:
                    return _Cue(agent, cue)
            np = _np_before(text, toks, c)
            if np is not None:
                return _Cue(np, cue)
            after = _np_after(text, toks, c + max(n, 1))
            if after is not None and after.kind in {"name", "pronoun"} and tok.low in _INVERTING:
                return _Cue(after, cue)
    label = next((k for k in range(1, min(4, len(toks))) if toks[k].text == ":"), None)
    if label is not None and toks[-1].text != ":" and all(
            _is_cap(t) and t.text not in lx.STOP_CAPS and t.text != _QMARK for t in toks[:label]):
        # a headline's or a transcript's label: `De Blasio: Trust Bratton, not 'blowhard' Trump`
        return _Cue(_NP(text[toks[0].start:toks[label - 1].end], toks[0].start, "name"), ":")
    if toks and toks[-1].text == ":":
        k = len(toks) - 2
        while k >= 0 and _is_cap(toks[k]) and toks[k].text not in lx.STOP_CAPS:
            k -= 1
        if k < len(toks) - 2 and k >= 0 and (toks[k].text == _QMARK or toks[k].low in ROLE_WORDS):
            # `Clinton: "...". Bush: "..."`, `Former secretary of state Hillary Clinton: "..."`: the label
            # right before the colon names the speaker
            return _Cue(_NP(text[toks[k + 1].start:toks[-2].end], toks[k + 1].start, "name"), ":")
        np = _np_after(text, toks, 0)
        if np is not None and np.kind == "name" and len(np.mention.split()) == 1 and toks[1].text == "," \
                and registry is not None and not _known(registry, np.mention):
            return None  # `Wait, it gets better:` is no one (but `Bush:` labels his words)
        if np is not None and (np.kind != "role" or np.mention.split()[-1].lower() in lx.ROLE_NOUNS):
            return _Cue(np, ":")
    return None


def _clause_subject(text: str, toks: list[_Tok]) -> _Cue | None:
    """Return the named subject of the last clause joined by ", while/and/but X ..." before the quotation
    (`Jindal signed an order, while Mike Huckabee, the former governor, proposed we "..."`), or None."""
    for k in range(len(toks) - 2, 0, -1):
        if toks[k].text == _QMARK:
            return None
        if toks[k].low in _CLAUSE_JOINS and toks[k - 1].text == ",":
            np = _np_after(text, toks, k + 1)
            if np is None or np.kind != "name":
                return None
            verb = _skip_to_verb(toks, _index_at(toks, np.end))
            if verb < len(toks) and toks[verb].text[:1].islower() and toks[verb].low not in _STOP_AFTER_NP:
                return _Cue(np, toks[verb].text)
            return None
    return None


_CLAUSE_JOINS = frozenset("while whereas and but".split())
_SUBORDINATORS = frozenset("before after when because since although though whereas until once".split())


def _subordinate_subject(text: str, toks: list[_Tok], registry: _Registry | None) -> _Cue | None:
    """Return the subject of the subordinate clause the quotation sits in, when no comma closes it first:
    `long before White House officials started to portray it as a "..."`, `when Cruz knocked Rubio and
    called him a "..."`."""
    for k in range(len(toks) - 2, -1, -1):
        if toks[k].text in {",", ";", ":", _QMARK, "(", ")", "\u2014", "\u2013"}:
            return None
        if toks[k].low in _SUBORDINATORS and toks[k + 1].low not in _SUBORDINATORS:
            subject = _sentence_subject(text, toks[k + 1:], registry) \
                or _subject_span(text, toks, k + 1, registry, lowercase=True)
            if subject is not None:
                return subject
    return None


def _sentence_subject(text: str, toks: list[_Tok], registry: _Registry | None = None) -> _Cue | None:
    """Return the subject opening the sentence and its verb: `Trump also embraced ... "..."`.

    An opening conjunction or introductory phrase ("After the attacks, Trump ...") is skipped, and so are
    an appositive or relative clause, a parenthesis and a time phrase between the subject and its verb.
    """
    i = 0
    dash = next((k for k in range(min(len(toks), 12)) if toks[k].text in {"\u2014", "\u2013"}), None)
    if dash is not None and dash >= 2 and all(_is_cap(t) or not t.text[:1].isalpha() for t in toks[:dash]) \
            and any(t.text[:1].isdigit() or t.text.isupper() and len(t.text) > 2 for t in toks[:dash]):
        i = dash + 1  # a wire story's dateline: `WASHINGTON, Dec. 8 (UPI) — In response ...`
    if i < len(toks) and toks[i].low in _CONJUNCTIONS:
        i += 1
    if i + 1 < len(toks) and toks[i].low == "that" and _is_cap(toks[i + 1]) and toks[i + 1].text not in lx.STOP_CAPS:
        i += 1  # a noun clause: `For instance: That Clinton also misjudged Assad, having called him a "..."`
    if i < len(toks) and (toks[i].text.capitalize() in lx.STOP_CAPS and toks[i].low not in _SUBJECT_PRONOUNS
                          and toks[i].low not in lx.DETERMINERS | _GROUP_OPENERS
                          or _opens_participle(toks, i, registry)):
        k = i
        while k < len(toks) and k - i < 25 and toks[k].text not in {",", _QMARK, ":", ";"}:
            k += 1
        if k >= len(toks) or toks[k].text != ",":
            return None  # a sentence opening with a clause has no simple subject
        i = k + 1
    np = _np_after(text, toks, i)
    if np is None:
        return _subject_span(text, toks, i, registry)
    words = np.mention.split()
    if np.kind == "role" and words[-1].lower() not in lx.ROLE_NOUNS and words[-1].lower() not in lx.DOCUMENT_NOUNS:
        return _subject_span(text, toks, i, registry)
    if np.kind == "name" and len(words) == 1 and registry is not None and not words[0].isupper() \
            and not _known(registry, words[0]):
        return _subject_span(text, toks, i, registry)  # not "Ask yourself", but "Proponents of the bill say"
    k = _index_at(toks, np.end)
    k = _skip_to_verb(toks, k)
    if k >= len(toks) or not toks[k].text[:1].islower() or toks[k].low in _STOP_AFTER_NP:
        return _subject_span(text, toks, i, registry)
    return _Cue(np, toks[k].text)


def _opens_participle(toks: list[_Tok], i: int, registry: _Registry | None) -> bool:
    """Return True when the sentence opens with a participial phrase ("Filling in for Sanders, West ...",
    "Reached by POLITICO, Bennett said"), not with its subject ("Fleming said")."""
    first = toks[i]
    return (first.low.endswith(("ing", "ed")) and (len(first.low) > 5 or i + 1 < len(toks) and toks[i + 1].low == "by")
            and i + 1 < len(toks)
            and (toks[i + 1].low in _PREPOSITIONS or toks[i + 1].low in lx.DETERMINERS)
            and not _known(registry, first.text))


def _known(registry: _Registry | None, word: str) -> bool:
    """Return True when a lone capitalised word is a name the text gives someone."""
    return registry is not None and registry.lookup([_strip_possessive(word)]) is not None


_AUXILIARIES = frozenset("has have had is are was were will would could can may might should must did does do".split())
_VERB_OBJECTS = frozenset("that it him her them his their its on about to".split()) | lx.DETERMINERS
_PRESENT_VERBS = frozenset("""makes shows gives takes seems appears suggests argues claims reads quotes calls puts
finds keeps gets goes comes wants needs sees remains becomes""".split())
_IRREGULAR_PASTS = frozenset("""gave took made got went came wrote spoke ran saw put set left kept held brought
thought found felt began became sent led won lost paid met drew struck threw sought fought stood understood""".split())
_MONTHS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec""".split())


def _looks_like_verb(toks: list[_Tok], k: int) -> bool:
    """Return True when token `k`, after a subject, reads as its verb ("voted", "have", "focuses on")."""
    t = toks[k]
    low = t.low
    if not t.text[:1].islower() or toks[k - 1].low in lx.DETERMINERS or toks[k - 1].low in _PREPOSITIONS:
        return False
    if low in _AUXILIARIES or low in lx.CUE_VERBS:
        return True
    if low.endswith("ed") and len(low) > 4 and "-" not in low or low in _IRREGULAR_PASTS or low in _PRESENT_VERBS:
        return True
    # "the Daily News focuses on": a present-tense verb right after a name, before its object
    return (low.endswith("s") and not low.endswith(("ss", "us", "is")) and _is_cap(toks[k - 1])
            and k + 1 < len(toks) and toks[k + 1].low in _VERB_OBJECTS)


def _subject_span(text: str, toks: list[_Tok], i: int, registry: _Registry | None,
                  lowercase: bool = False) -> _Cue | None:
    """Return the noun phrase opening a clause at token `i` and its verb, for subjects no name or role
    word heads: "Proponents of the new bill, however, say", "Nuclear proliferation experts have", "The
    council voted", "A group of 67 artists, writers and actors this week published", "Chrabaszcz, who goes
    by" (the quotation in the relative clause), "Washington, star of "Scandal," thanked"."""
    if i >= len(toks):
        return None
    first = toks[i]
    if not (_is_cap(first) or first.low in lx.DETERMINERS | _GROUP_OPENERS or first.text[:1].isdigit()
            or lowercase and first.text[:1].isalpha() and first.low not in _SPAN_STOP | _PREPOSITIONS) \
            or first.low in {"this", "that", "these", "those", "it", "there", "what", "here"} \
            or first.text in lx.STOP_CAPS and first.low not in lx.DETERMINERS | _GROUP_OPENERS:
        return None
    end = None  # where the subject's own words end (an appositive or aside follows)
    k = i + 1
    verb = None
    relative = None  # "the groups who wrote to her on Thursday say": the relative clause's verb is not it
    relative_verb = False
    while k < len(toks) and k - i < 24:
        t = toks[k]
        if t.text in {";", ":"} or t.text == _QMARK and end is None:
            return None
        if t.text == ",":
            if end is None:
                end = k
            if k + 1 < len(toks) and toks[k + 1].low in {"who", "whose"}:
                break  # the quotation sits in a relative clause about the subject
        elif t.low in {"who", "which", "that", "whose"} and end is None:
            if relative is not None:
                return None
            relative = k
        elif _looks_like_verb(toks, k):
            if relative is not None and not relative_verb:
                relative_verb = True
            else:
                verb = k
                break
        k += 1
    else:
        return None
    if verb is None and (k >= len(toks) or toks[k].text != ","):
        return None
    stop = relative if relative is not None else end if end is not None else k
    while stop - 1 > i and (toks[stop - 1].low in lx.ADVERBS or toks[stop - 1].low.endswith("ly")):
        stop -= 1  # "T-shirts quickly appeared"
    while stop - 2 > i and (toks[stop - 1].low in _TIME_WORDS or toks[stop - 1].low in _MONTHS) \
            and toks[stop - 2].low in {"this", "last", "on", "in", "early", "late", "next"}:
        stop -= 2  # "... scientists this week published": the time is not the subject's
    words = toks[i:stop]
    if not words or len(words) > 12 or words[-1].low in _PREPOSITIONS | lx.DETERMINERS | {"and", "or"} \
            or any(w.low in _SUBORDINATORS or w.low in _TIME_WORDS or w.low in {"ago", "minutes", "hours"}
                   for w in words):
        return None  # "Two years before the public learned", "Minutes later": a time, not a subject
    if any(w.low in _SUBJECT_PRONOUNS for w in words):
        return None
    head = words[-1]
    if len(words) == 1 and _is_cap(head) and (verb is None or head.text.isupper() or _known(registry, head.text)):
        kind = "name"  # "Chrabaszcz, who goes by", "CBS reported", a name the text gives someone
    elif len(words) == 1 and head.low.endswith("s") or len(words) > 1 and head.low in lx.ROLE_NOUNS:
        kind = "group" if len(words) == 1 else "role"  # "Supporters say"; "The Christian leader related"
    elif len(words) > 1 and words[0].low in lx.DETERMINERS and all(_is_cap(w) or w.low == "of" for w in words[1:]):
        kind = "role"  # a body: "the Daily News focuses on", "the Court of Appeals ruled"
    elif len(words) > 1:
        kind = "group"  # "Proponents of the new bill", "A coalition of 40 farmers": no one to name
    else:
        return None  # a lone capitalised word nobody in the text is called ("Ask yourself")
    mention = text[words[0].start:head.end]
    return _Cue(_NP(mention, words[0].start, kind), toks[verb].text if verb is not None else "who")


_GROUP_OPENERS = frozenset("""sources source officials critics supporters democrats republicans americans some
many most all both each other""".split())


_CONJUNCTIONS = frozenset("and but so yet or".split())
_TIME_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday week month year morning
afternoon evening night weekend day""".split())


def _skip_to_verb(toks: list[_Tok], k: int) -> int:
    """Skip what may sit between a subject and its verb; return the index of the verb candidate."""
    for _ in range(4):
        start = k
        while k < len(toks) and toks[k].low in lx.ADVERBS:
            k += 1
        if k < len(toks) and toks[k].text == "(":
            m = k + 1
            while m < len(toks) and m - k < 12 and toks[m].text != ")":
                m += 1
            if m < len(toks) and toks[m].text == ")":
                k = m + 1
        elif k < len(toks) and toks[k].text == ",":
            m = k + 1
            while m < len(toks) and m - k < 30 and toks[m].text not in {",", ";", ":"}:
                m += 1
            if m >= len(toks) or toks[m].text != ",":
                return len(toks)
            k = m + 1
        elif k + 1 < len(toks) and toks[k].low in {"on", "this", "last", "late", "early", "earlier", "in"} \
                and (toks[k + 1].low in _TIME_WORDS or toks[k + 1].text in lx.STOP_CAPS and k + 2 < len(toks)
                     and toks[k + 2].text[:1].islower()):
            k += 2
            if k < len(toks) and toks[k].low in _TIME_WORDS:
                k += 1
        elif k + 2 < len(toks) and toks[k].low == "for" and toks[k + 2].low == "part":
            k += 3
        if k == start:
            break
    return k


# A list item's marker: a bullet glyph, a dash or star, a number, or the "l" a Wingdings bullet becomes in text.
_BULLET = re.compile(r"[ \t]*(?:[\u2022\u00b7\u25aa\u25cf*\-\u2013\u2014]|\d{1,2}[.)]|l(?= [A-Z]))[ \t]+")


_SLOGAN_NOUNS = _SPEECH_NOUNS | frozenset("line mantra slogan refrain catchphrase".split())


def _owner_before(masked: str, left: list[_Tok]) -> _Cue | None:
    """Return whose words a quotation is when a capitalised possessive comes right before its opening mark and a
    speech noun right after its closing one (`Obama's "..." promise`), or None."""
    last = left[-1]
    if not (_is_cap(last) and last.text.endswith(("'s", "’s"))) or last.text[:-2] in lx.STOP_CAPS:
        return None
    k = len(left) - 1
    while k - 1 >= 0 and _is_cap(left[k - 1]) and left[k - 1].text not in lx.STOP_CAPS:
        k -= 1
    return _Cue(_NP(masked[left[k].start:last.end - 2], left[k].start, "name"), "’s")


def _list_lead_in(masked: str, para_lo: int, registry: _Registry) -> _Cue | None:
    """Return the speaker of a list's lead-in (`Soerens argued that:`) for a quotation in one of its items."""
    lo = para_lo
    for _ in range(12):
        if lo <= 1:
            return None
        prev_hi = len(masked[:lo - 1].rstrip("\n "))
        prev_lo = masked.rfind("\n", 0, prev_hi) + 1
        if masked[prev_hi - 1:prev_hi] == ":":
            return _lead_in_cue(masked, lo, registry)
        if not _BULLET.match(masked, prev_lo):
            return None
        lo = prev_lo
    return None


def _lead_in_cue(masked: str, para_lo: int, registry: _Registry) -> _Cue | None:
    """Return the speaker of a paragraph ending in a colon that introduces the quote opening the next one."""
    end = len(masked[max(0, para_lo - _WINDOW):para_lo].rstrip()) + max(0, para_lo - _WINDOW)
    if end <= 0 or masked[end - 1] != ":":
        return None
    lo = masked.rfind("\n", max(0, end - _WINDOW), end) + 1
    toks = _tokens(masked, _sentence_start(masked, lo, end - 1), end)
    return _find_cue_left(masked, toks, registry) or _sentence_subject(masked, toks[:-1], registry)


def _sentence_start(masked: str, lo: int, pos: int, quote_ends: list[int] = ()) -> int:
    """Return where the sentence holding `pos` starts (not before `lo`, nor far back).

    `quote_ends`: where quotations that end a sentence inside their marks close
    (`... he said. “We won.” She ...`): masked, their full stop is invisible.
    """
    start = max(lo, pos - _WINDOW)
    for m in _SENTENCE_END.finditer(masked, max(lo, pos - _WINDOW), pos):
        if _ENDS_ABBREV.search(masked, max(lo, m.start() - 5), m.start() + 1) and not _abbreviation_ends(masked, m):
            continue
        start = m.end()
    k = bisect.bisect_right(quote_ends, pos) - 1
    while k >= 0 and quote_ends[k] > start:
        after = masked[quote_ends[k]:quote_ends[k] + 3].lstrip()
        if quote_ends[k] < pos and after[:1].isupper():
            return quote_ends[k]
        k -= 1
    return start


_PLACE_ABBREV = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:Calif|Fla|Nev|Ill|Mass|Conn|Penn|Wis|Mich|Minn|Ariz|Tenn"
                           r"|Ky|Va|Ga|Ala|Colo|Okla|Ore|Wash|Ind|Md|Mo|La|Miss|Kan|Neb|Del|Ark|Vt|Wyo|Tex|Mont)\.)$")


def _abbreviation_ends(masked: str, m: re.Match) -> bool:
    """Return True when a place or acronym abbreviation also ends its sentence: `... entering the U.S. While
    Clinton ...`, `in Orlando, Fla. The ...` (the next word opens a sentence, not a name)."""
    nxt = masked[m.end():m.end() + 12].split()
    return bool(nxt) and nxt[0] in lx.STOP_CAPS and bool(_PLACE_ABBREV.search(masked, max(0, m.start() - 8),
                                                                            m.start() + 1))


def _sentence_end(masked: str, pos: int, hi: int) -> int:
    """Return where the sentence holding `pos` ends (not after `hi`)."""
    for m in _SENTENCE_END.finditer(masked, pos, min(hi, pos + _RIGHT_WINDOW)):
        if not _ENDS_ABBREV.search(masked, max(pos, m.start() - 5), m.start() + 1) or _abbreviation_ends(masked, m):
            return m.start() + 1
    return min(hi, pos + _RIGHT_WINDOW)


def _mark_bounds(text: str, q: Quotation) -> tuple[int, int]:
    """Return the positions of the opening mark and just after the closing mark."""
    i = q.start - 1
    while i > 0 and text[i].isspace() and text[i] != "\n":
        i -= 1
    j = q.end
    if q.close_mark:
        while j < len(text) and text[j].isspace():
            j += 1
        j += 1
    return max(i, 0), min(j, len(text))


def attribute_quotations(text: str, quotations: list[Quotation]) -> list[Attribution | None]:
    """Return, for each quotation, who the text credits it to (None if no one).

    The list is parallel to `quotations`.
    """
    if not quotations:
        return []
    try:
        return _attribute(text, quotations)
    finally:
        _LOCAL.tokenised = []


def _attribute(text: str, quotations: list[Quotation]) -> list[Attribution | None]:
    outer = [(i, q) for i, q in enumerate(quotations) if q.depth == 0]
    bounds = {i: _mark_bounds(text, q) for i, q in outer}
    pieces = []
    last = 0
    for i, _q in outer:
        a, b = bounds[i]
        if a < last:
            continue
        pieces.append(text[last:a])
        pieces.append(_QMARK + _MASK * max(0, b - a - 2) + (_QMARK if b - a >= 2 else ""))
        last = b
    pieces.append(text[last:])
    masked = "".join(pieces)
    if len(quotations) * (_WINDOW + _RIGHT_WINDOW) > DENSE_WINDOWS * len(text):
        # quotations so dense that their windows overlap many times over: tokenise once, then slice
        _LOCAL.tokenised = [_Tokenised(masked), _Tokenised(text)]
    inside = sorted(bounds.values())
    registry = _Registry(text, inside)
    quote_ends = sorted(bounds[i][1] for i, q in outer if q.text.rstrip(" \"'”’)").endswith((".", "?", "!")))
    newlines = [m.start() for m in re.finditer("\n", masked)]

    result: list[Attribution | None] = [None] * len(quotations)
    para_of: dict[int, int] = {}
    found: dict[int, _Cue] = {}
    sent_of: dict[int, int] = {}
    weak: dict[int, _Cue] = {}  # the sentence's subject, for quotes with no cue at all
    for i, q in outer:
        a, b = bounds[i]
        line = bisect.bisect_left(newlines, a)
        para_lo = newlines[line - 1] + 1 if line else 0
        line = bisect.bisect_left(newlines, b)
        para_hi = newlines[line] if line < len(newlines) else len(masked)
        para_of[i] = para_lo
        cue = None
        s_end = _sentence_end(masked, b, para_hi)
        right = _tokens(masked, b, s_end)
        closing = q.text.rstrip("\"'”’)")
        ends_sentence = closing.endswith(".")
        s_start = _sentence_start(masked, para_lo, a, quote_ends)
        sent_of[i] = s_start
        left = _tokens(masked, s_start, a)
        left_cue = _find_cue_left(masked, left, registry)
        right_cue = None
        if (not ends_sentence or right and right[0].text[:1].islower()) and not (
                closing.endswith(("?", "!")) and left_cue is not None and right and not right[0].text[:1].islower()):
            right_cue = _find_cue_right(masked, right)
        if right_cue is not None and right_cue.cue != "according to":
            relay = _according_to(masked, right, right_cue)
            if relay:
                right_cue = replace(right_cue, relayed_by=relay)
        if right_cue and right_cue.cue == "according to" and left_cue and left_cue.cue != "according to":
            relay = masked[right_cue.np.start:s_end].strip(" .,;")
            cue = _Cue(left_cue.np, left_cue.cue, relay)
        elif right_cue:
            cue = right_cue
        elif left_cue:
            cue = left_cue
        if cue is None and left and right and right[0].low in _SLOGAN_NOUNS:
            cue = _owner_before(masked, left)  # `Obama's "if you like your plan, you can keep it" promise`
        if cue is None and not masked[para_lo:a].strip():
            cue = _lead_in_cue(masked, para_lo, registry)
        if cue is None and _BULLET.match(masked, para_lo):
            cue = _list_lead_in(masked, para_lo, registry)
        if cue is None and _is_caps_label(masked[para_lo:a]):
            # a newsletter's item: `HOW CHINA'S DECLINE AFFECTS THE WORLD "..." [WaPo.]`: the label
            # introduces the words, which no one in the text is credited with
            label = text[para_lo:a].strip()  # as written, with any quotation inside it
            cue = _Cue(_NP(label, para_lo + text[para_lo:a].find(label), "group"), ":", via="headline")
        if cue is not None:
            found[i] = cue
        elif left:
            semicolon = max((k for k, t in enumerate(left[:-1]) if t.text in {";", ":"}), default=-1)
            subject = None
            for clause in (left[semicolon + 1:], left) if semicolon >= 0 else (left,):
                # `...; all the party has to do is repeat "..."`: the clause after a semicolon first
                subject = _subordinate_subject(masked, clause, registry) or _clause_subject(masked, clause) \
                    or _sentence_subject(masked, clause, registry)
                if subject is not None:
                    break
            if subject is not None:
                weak[i] = subject
    # A quotation running over several paragraphs is one speaker's: each paragraph takes the tag found for
    # any of them (it sits before the first paragraph or after the last).
    chain: list[int] = []
    for i, q in outer:
        chain.append(i)
        if q.continues:
            continue
        tags = [found[j] for j in chain if j in found]
        if tags and len(chain) > 1:
            lead = found.get(chain[0])
            for j in chain:
                if j not in found:
                    found[j] = tags[0]
                elif lead is not None and found[j] is not lead and lead.cue.lower() in _REPORTING \
                        and not found[j].relayed_by:
                    # `As the Daily Ledger reported: "...\n\n"... ," Earnest said."`: words quoted inside a
                    # quoted report are relayed by it
                    found[j] = replace(found[j], relayed_by=masked[lead.np.start:lead.np.end])
        chain = []
    # Split quotes and floating quotes take the speaker of a neighbour.
    last_cue: tuple[int, _Cue] | None = None
    order = [i for i, _ in outer]
    for n, i in enumerate(order):
        if i in found:
            last_cue = (i, found[i])
            continue
        same = [j for j in order[max(0, n - 4):n + 5] if j != i and para_of.get(j) == para_of[i] and j in found]
        if same:
            prev = [j for j in same if j < i]
            j = prev[-1] if prev else same[0]
            # a quote whose own sentence has a subject keeps it over a speaker from another sentence
            if i in weak and sent_of[j] != sent_of[i]:
                found[i] = replace(weak[i], via="subject")
            else:
                found[i] = found[j] if sent_of[j] == sent_of[i] else replace(found[j], via="previous")
            last_cue = (i, found[i])
            continue
        a, _ = bounds[i]
        para_lo = para_of[i]
        if last_cue is not None and not masked[para_lo:a].strip() and a - bounds[last_cue[0]][1] < 3000:
            found[i] = replace(last_cue[1], via="previous")
        elif i in weak:
            found[i] = replace(weak[i], via="subject")
        elif sent_of[i] > para_lo:
            # `..., he said. Good information wins only when "the truth is sexier than the lie."`: the speaker
            # of the sentence before, in the same paragraph, goes on
            before = _tokens(masked, _sentence_start(masked, para_lo, sent_of[i] - 1, quote_ends), sent_of[i])
            comma = next((k for k in range(len(before) - 1, max(-1, len(before) - 6), -1) if before[k].text == ","), -1)
            if comma >= 0 and any(_is_cue(t) for t in before[comma + 1:]):
                told = _find_cue_right(masked, before[comma:])  # the sentence ends ", he said."
                if told is not None and told.np.kind in {"name", "pronoun"}:
                    found[i] = replace(told, via="previous")
            else:
                # `Brill has argued that the law was crippled ... As a result, there's still "..."`: the named
                # speaker of the sentence before goes on; and `Quintanilla seemed taken aback and mentioned the
                # site. "Does that not speak to ...?"`: a quotation opening its sentence goes on from the named
                # subject of the sentence before
                told = _find_cue_left(masked, before, registry)
                if told is not None and told.cue.lower() not in _SPEECH_CUES:
                    told = None  # "his paid speaking schedule", "will continue": not what the speaker said
                if (told is None or told.np.kind not in {"name", "pronoun"}) \
                        and not masked[sent_of[i]:bounds[i][0]].strip():
                    told = _sentence_subject(masked, before, registry)
                if told is not None and (told.np.kind in {"name", "pronoun"} or told.np.kind == "role"
                                         and _resolve_name(told.np, registry, masked) is not None):
                    found[i] = replace(told, via="previous")  # a role only when it names someone
    attr_cache: dict[int, Attribution] = {}
    for i, _q in outer:
        cue = found.get(i)
        if cue is None:
            continue
        key = id(cue)
        if key not in attr_cache:
            attr_cache[key] = _resolve(cue, registry, masked)
        result[i] = attr_cache[key]
    for i, q in outer:
        lead = _title_lead(masked, bounds[i][0], q.text)
        a, b = bounds[i]
        line_lo = masked.rfind("\n", 0, a) + 1
        line_hi = masked.find("\n", b)
        line = masked[line_lo:line_hi if line_hi >= 0 else len(masked)]
        headline = lead is None and len(line) <= 200 and _is_headline(
            line.replace(_QMARK, " ").replace(_MASK, "") + " " + q.text)
        if headline and result[i] is None:
            # `John Leguizamo On How U.S. History Makes Latinos Feel “Invisible.”`: a headline opening with the
            # name of someone the story names is about them, weakly
            person = _leading_person(masked, line_lo, a, registry)
            if person is not None:
                result[i] = Attribution(mention=person[0], name=person[1], cue="", via="headline")
        elif headline:
            # a Title Case headline ("Leyva Got Real About Being Called “A Real Woman”"): its name runs
            # are unreliable, so its credit is weak
            result[i] = replace(result[i], via="headline")
        elif lead:
            result[i] = Attribution(mention="", name=None, cue=lead, via="title")
    for i, q in enumerate(quotations):
        if q.depth and q.parent is not None:
            result[i] = _nested(text, q, quotations[q.parent], registry, masked)
    return result


_TITLE_NOUNS = frozenset("""headline story article book film movie song series programme column op-ed essay
album novel episode memoir podcast documentary poem hashtag editorial chapter""".split())
_TITLE_VERBS = frozenset("headlined titled entitled dubbed subtitled".split())
_PROGRAMME_LEADS = frozenset("told on watching".split())
_LEAD_WORDS = re.compile(r"([A-Za-z][\w\-]*)\W*$")


def _leading_person(masked: str, lo: int, hi: int, registry: _Registry) -> tuple[str, str] | None:
    """Return (as written, name) for the person whose full name opens a headline line, or None."""
    toks = _tokens(masked, lo, hi)
    while toks and toks[0].text[:1].isdigit():
        toks = toks[1:]  # a list's number: "1 John Leguizamo On How ..."
    for n in (3, 2):
        words = [t.text for t in toks[:n]]
        if len(words) == n and all(w[:1].isupper() and w not in lx.STOP_CAPS for w in words):
            person = registry.by_full.get(" ".join(words))
            if person is not None:
                return " ".join(words), person.name
    return None


def _title_lead(masked: str, opening: int, quoted: str) -> str | None:
    """Return the word that makes a quotation a title ("headlined", "the story"), or None.

    A quotation right after "headlined"/"titled" or a noun such as "the story" is
    a title however it is capitalised; one in Title Case right after "told" or
    "on" is a programme or paper (`told "Meet the Press"`).
    """
    before = masked[max(0, opening - 40):opening]
    m = _LEAD_WORDS.search(before)
    if not m:
        return None
    word = m.group(1).lower()
    if word in _TITLE_VERBS:
        return word
    rest = before[:m.start()].split()
    if word in _TITLE_NOUNS and rest and rest[-1].lower() in lx.DETERMINERS | {"his", "her", "their", "its"}:
        return word
    words = [w for w in quoted.split() if w[:1].isalpha()]
    major = [w for w in words if len(w) > 3]
    if word in _PROGRAMME_LEADS and major and len(words) <= 6 and all(w[:1].isupper() for w in major):
        return word
    return None


def _resolve(cue: _Cue, registry: _Registry, masked: str) -> Attribution:
    """Return the Attribution for a cue, with the mention resolved to a name when possible."""
    np = cue.np
    mention = np.mention.strip()
    name = _resolve_name(np, registry, masked)
    via = cue.via
    if via == "cue" and np.kind == "pronoun":
        via = "pronoun"
    elif via == "cue" and name and parse_name(mention).surname == "" and np.kind in {"role", "span"}:
        via = "description"
    return Attribution(mention=mention, name=name, cue=cue.cue, relayed_by=cue.relayed_by, via=via)


def _resolve_name(np: _NP, registry: _Registry, masked: str) -> str | None:
    """Return the person or body a mention stands for, or None."""
    mention = np.mention.strip()
    if np.kind == "pronoun":
        gender = lx.PRONOUNS.get(mention.lower()) or ("m" if mention.lower() == "his" else None)
        if gender not in {"m", "f"}:
            return None
        person = _own_subject(masked, np.start, gender, registry) or registry.recent(np.start, gender, masked)
        return person.name if person else None
    if np.kind == "span":
        if mention.split()[0] in _INDEFINITE:  # lower-case "one Democrat familiar with ...": no one named
            return None
        hint = _NP(np.name_hint or "", np.start, "name")
        if hint.mention.split()[0].lower() in lx.DETERMINERS or hint.mention[:1].islower():
            hint.kind = "role"
        return _resolve_name(hint, registry, masked)
    if np.kind == "group":
        return None  # "Proponents of the new bill": shown as written, no one to name
    if np.kind == "name" and " and " in mention and not _is_org(mention.split()):
        return None  # "Pelosi and Reid": several people, each checked by the judge
    if np.kind == "who":
        return _resolve_name(_NP(np.name_hint or "", np.start, "name"), registry, masked) if np.name_hint else None
    words = mention.replace("\u00a0", " ").split()
    if not words:
        return None
    source = _SOURCE_OF.search(mention)
    if source and (words[0].lower() in lx.DETERMINERS or np.kind == "role"):
        # "a statement from Pelosi", "an email by her aide Ana Ruiz": whoever it is from
        return _resolve_name(_NP(source.group(1), np.start + source.start(1), "name"), registry, masked)
    if words[0].lower() in lx.DETERMINERS or np.kind == "role":
        head = words[-1]
        if head.lower() in lx.ROLE_NOUNS and head.lower() not in lx.INSTITUTION_HEADS:
            if words[0].lower() in _INDEFINITE:
                return None  # "one Democrat familiar with the talks", "a spokesman": someone not yet named
            person = registry.described(words[1:] if words[0].lower() in lx.DETERMINERS else words, np.start)
            return person.name if person else None
        if head[:1].isupper() or head.lower() in lx.INSTITUTION_HEADS:
            return mention
        return None
    if _is_org(words):
        return mention
    titles, name = _split_titles(words)
    name = [w for w in name if w.lower() not in lx.ROLE_NOUNS] or name
    while len(name) > 1 and name[0][:1].islower():
        name = name[1:]  # "pollster Frank Luntz": lowercase modifiers lead the name
    # "Obama spokesman Josh Earnest": the name follows the role word
    for k, w in enumerate(words):
        if w.lower() in lx.ROLE_NOUNS and k + 1 < len(words) and words[k + 1][:1].isupper():
            _, name = _split_titles(words[k + 1:])
    person = registry.lookup(name)
    if person is not None and (parse_name(person.name).given or not parse_name(" ".join(name)).given):
        return person.name
    return " ".join(name) if name else None  # given names the text's earlier "Sen. Reid" lacked: "Ron Reid"


def _own_subject(masked: str, pos: int, gender: str, registry: _Registry) -> _Person | None:
    """Return the person named as the subject of the clause a pronoun sits in, a few words before it
    ("De Blasio also repeated his claim that"), or None."""
    lo = max(masked.rfind(". ", 0, pos) + 2, masked.rfind("\n", 0, pos) + 1, pos - 200)
    toks = _tokens(masked, lo, pos)
    k = 0
    while k < len(toks) and _is_cap(toks[k]):
        k += 1
    rest = toks[k:]
    if k == 0 or not 1 <= len(rest) <= 4 or not all(t.text[:1].islower() for t in rest):
        return None
    person = registry.lookup([_strip_possessive(t.text) for t in toks[:k]])
    return person if person is not None and _compatible(person, gender) else None


def _nested(text: str, q: Quotation, parent: Quotation, registry: _Registry, masked: str) -> Attribution | None:
    """Return who the outer speaker's words say spoke a nested quotation, or None."""
    a = q.start - 1
    lo = parent.start
    s_start = max(lo, a - _WINDOW)
    for m in _SENTENCE_END.finditer(text, max(lo, a - _WINDOW), a):
        s_start = m.end()
    toks = _tokens(text, s_start, a)
    cue = _find_cue_left(text, toks)
    if cue is None:
        right = _tokens(text, q.end + 1, min(parent.end, q.end + 200))
        cue = _find_cue_right(text, right)
    if cue is None:
        return None
    return replace(_resolve(cue, registry, masked), via="nested")
