"""The index text of a quote: `index_text` (cached, a whitespace-separated piece at a time) must equal the
keys of `words` joined by spaces, byte for byte, for any text: the checker tokenises drafts with `words`."""

from __future__ import annotations

import random
import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier import normalize
from verifier.normalize import WORD_RE, index_text, index_words, keys


def reference(text: str) -> str:
    """The index text as `words` defines it."""
    return " ".join(keys(text))


TRICKY = [
    "We’re here, don't panic — it’s 410,000.5% “ok” cannot… won't",
    "Café naïve ﬁne José’s Müller Nuñez Jiménez",
    "İstanbul ǅemal ᴬbc ﷺ ² ½ ⑴ Ⅻ ㎏",  # case and compatibility forms that change length or letters
    "3rd 1990s '90s 90's a3.5 3.5 3.5.1 10:30 10% %10 a10% 1,000,000 ,5 5, .5",
    "rock'n'roll 'tis dogs' don''t can't'nt o'clock shan't ain't let's it's he's y'all I'm you'd we'll they've",
    "CAN'T WON'T Cannot CANNOT LET'S It’S",
    "well-known state-of-the-art self- -minded — – ‒ ― hyphen‐ated",
    "[sic] [the president] (laughs) {x} <y> ... . . . …and… [...]",
    "non\u00a0breaking\u2009thin\u202fnarrow\u3000ideographic\u2028line\u2029para\x1cfile\x85nel",
    "tab\there\nnew\r\nline\x0bvt\x0cff",
    "snake_case __dunder__ under_score_",
    "zero\u200bwidth\u200djoiner\ufeffbom\u00adsoft",
    "combining e\u0301 a\u0308 \u0301alone",
    "",
    "   ",
    "...",
    "'",
    "’’’",
    "🙂 emoji 🙂words🙂",
    "ΑΘΗΝΑ Ελλάδα Москва 東京 日本語の文章 مرحبا",
]


def test_index_text_equals_the_keys_of_words_on_tricky_strings():
    for text in TRICKY:
        assert index_text(text) == reference(text), text
        assert index_words(text) == keys(text), text


def test_index_text_equals_the_keys_of_words_on_random_strings():
    rng = random.Random(5)
    alphabet = "ab cD'’.,:%—“”‘…12é’sn't-İᴬ\u00a0\u2009\t\n[]()_ﬁ²\u0301"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert index_text(text) == reference(text), text


ASCIIISH = st.lists(st.sampled_from(list("aAzZ019 .,:;%'’-_\t\n\"()[]!?—\u00a0")
                                    + ["cannot", "CanNot", "n't", "3rd", "1,000", "2.5", "I'm", "word"]),
                    max_size=40).map("".join)


@settings(deadline=None, database=None, max_examples=400)
@given(st.one_of(st.text(max_size=120), ASCIIISH))
def test_index_text_equals_the_keys_of_words_on_any_text(text):
    assert index_text(text) == reference(text)
    assert index_words(text) == keys(text)


def test_no_word_spans_a_character_str_split_splits_at():
    # what makes computing the index text a whitespace-separated piece at a time exact: a word is made of
    # letters, digits, [.,:%] and apostrophes (WORD_RE), none of which str.split() splits at
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(spaces) > 20
    assert not [ch for ch in spaces if re.fullmatch(r"[^\W_]|\d|[.,:%'’]", ch)]
    assert all(WORD_RE.findall(f"a1{ch}b2 3{ch}4") == ["a1", "b2", "3", "4"] for ch in spaces)


def test_characters_made_spaces_are_never_part_of_a_word():
    made_spaces = [chr(c) for c in range(128) if normalize._ASCII_SPACES[c] == 32 and chr(c) != " "]
    made_spaces += list(normalize._SPACES)
    assert "%" in made_spaces and "'" not in made_spaces and "." not in made_spaces
    assert not [ch for ch in made_spaces if ch != "%" and re.fullmatch(r"[^\W_]|\d|[.,:%'’]", ch)]


def test_the_piece_cache_is_bounded_and_still_exact_when_it_is_cleared(monkeypatch):
    small = normalize._ChunkKeys(limit=3)
    monkeypatch.setattr(normalize, "_CHUNK_KEYS", small)
    text = "One two, three; four don't five’s 6.5 seven"
    for _ in range(3):
        assert index_text(text) == reference(text)
        assert len(small) <= 3
