"""Word alignment and drift kinds: what counts as a change, and what kind of change."""

import pytest

from verifier.align import align, draft_tokens, original_words
from verifier.drift import changes, classify, severity_of


def drift_of(draft: str, original: str) -> list[tuple[str, str, str]]:
    tokens = draft_tokens(draft)
    words, optional = original_words(original)
    ops, _ = align(tokens, words, optional)
    return [(c.kind, c.draft, c.original) for c in changes(ops, tokens, original, words)]


@pytest.mark.parametrize(
    "draft, original, expected",
    [
        ("are not going to change", "are not going to change", []),
        ("Are Not going to change.", "are not going to change,", []),  # case and end punctuation
        ("We’re aware", "We're aware", []),  # quote-mark style
        ("the need to respect due process", "the need to follow due process",
         [("replaced", "respect", "follow")]),
        ("are going to change", "are not going to change", [("negation", "", "not")]),
        ("are now going to change", "are not going to change", [("negation", "now", "not")]),
        ("arrested 212 people", "arrested 121 people", [("number", "212", "121")]),
        ("implementation of the policies", "implementation of  the polices",
         [("spelling", "policies", "polices")]),
        ("I do not want any problems", "I don't want any problems", [("spelling", "do not", "don't")]),
        ("concerned. … We have made contact", "concerned. Truly so. We have made contact",
         [("elided", "…", "Truly so")]),
        ("[The administration] has articulated", "that they have articulated",
         [("bracketed", "[The administration]", "that they"), ("replaced", "has", "have")]),
        ("I don't want any problems and I'm not backing off",
         "I don't want any problems [with comprehensive reform] and I'm not backing off", []),
        ("The mothers and children are the subjects",
         "The mothers and children — and it's overwhelmingly us — they are the subjects",
         [("deleted", "", "and it's overwhelmingly us — they")]),
        ("back off until we can find a better way", "back off till we can find out a better way",
         [("replaced", "until", "till"), ("deleted", "", "out")]),
    ],
)
def test_changes_and_their_kinds(draft, original, expected):
    assert drift_of(draft, original) == expected


def test_a_fragment_of_a_longer_original_has_no_changes():
    assert drift_of("extremely concerned", "A number of us are extremely concerned. We called DHS") == []


@pytest.mark.parametrize(
    "draft, original, kind",
    [(["never"], ["always"], "negation"), (["two"], ["three"], "number"), (["healthcare"], ["health", "care"],
                                                                          "spelling"),
     (["cannot"], ["can", "not"], "spelling"), (["big"], ["large"], "replaced"), ([], ["very"], "deleted"),
     (["very"], [], "inserted")],
)
def test_classify(draft, original, kind):
    from verifier.normalize import word_key

    assert classify([word_key(w) for w in draft], [word_key(w) for w in original]) == kind


def test_severity_ranks_meaning_flips_above_wording_above_spelling():
    from verifier.models import Change

    assert severity_of([Change("negation", "", "not"), Change("spelling", "a", "b")]) == "error"
    assert severity_of([Change("replaced", "a", "b")]) == "warning"
    assert severity_of([Change("spelling", "a", "b")]) == "info"
    assert severity_of([Change("elided", "…", "x")]) == "ok"
