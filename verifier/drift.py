"""Turn an alignment into the word-level changes an editor reads, each with a kind.

Kinds: replaced, inserted, deleted, moved (plain wording changes), negation and number
(meaning flips: errors), spelling (a typo fixed, a contraction spelled out:
minor), elided (an ellipsis standing for omitted words) and bracketed (the
writer's words in [brackets]); the last two are not drift.
"""

from __future__ import annotations

from .align import Op, Token, similar_spelling
from .models import Change
from .normalize import Word

# Contractions are split into their words when tokenised ("don't" -> "do not");
# the apostrophe-less spellings here are typos a draft may still hold.
NEGATIONS = frozenset(
    "not no never nor neither none nobody nothing nowhere without cannot "
    "dont doesnt didnt wont wouldnt cant couldnt shouldnt isnt arent wasnt werent hasnt havent hadnt".split()
)
NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion dozen half twice percent".split()
)
NOT_DRIFT = frozenset({"elided", "bracketed"})
MEANING_FLIPS = frozenset({"negation", "number"})


def _negation_count(keys: list[str]) -> int:
    return sum(k in NEGATIONS for k in keys)


def _numbers(keys: list[str]) -> list[str]:
    return [k for k in keys if k.isdigit() or k in NUMBER_WORDS]


def classify(draft_keys: list[str], original_keys: list[str]) -> str:
    """Return the kind of one change, from the draft's and the original's words in it."""
    if _negation_count(draft_keys) != _negation_count(original_keys):
        return "negation"
    if _numbers(draft_keys) != _numbers(original_keys):
        return "number"
    if not draft_keys or not original_keys:
        return "inserted" if draft_keys else "deleted"
    if "".join(draft_keys) == "".join(original_keys):
        return "spelling"  # "health care" for "healthcare", "do not" for "don't"
    if len(draft_keys) == len(original_keys) == 1 and similar_spelling(draft_keys[0], original_keys[0]):
        return "spelling"
    return "replaced"


def changes(ops: list[Op], tokens: list[Token], original_text: str, original: list[Word]) -> list[Change]:
    """Return the changes an alignment holds, consecutive edits grouped into one; words the draft
    put in another order are one `moved` change, not an insertion plus a deletion."""
    out: list[Change] = []
    keys: list[tuple[list[str], list[str]]] = []  # each change's draft and original words
    pending_draft: list[int] = []
    pending_original: list[int] = []

    def original_span(first: int, last: int) -> str:
        return original_text[original[first].start:original[last].end]

    def flush() -> None:
        if not pending_draft and not pending_original:
            return
        d_keys = [tokens[i].key for i in pending_draft]
        o_keys = [original[j].key for j in pending_original]
        # the parts of a contraction share its text and place: once each place, not once each spelling
        draft_text = " ".join({(tokens[i].start, tokens[i].end): tokens[i].text for i in pending_draft}.values())
        original_text_ = original_span(pending_original[0], pending_original[-1]) if pending_original else ""
        out.append(Change(classify(d_keys, o_keys), draft_text, original_text_))
        keys.append((d_keys, o_keys))
        pending_draft.clear()
        pending_original.clear()

    for op in ops:
        if op.kind == "match" and tokens[op.draft].form != original[op.original[0]].form:
            # same words, other form: "we are" for "we're"
            if op.draft not in pending_draft:
                pending_draft.append(op.draft)
            if op.original[0] not in pending_original:
                pending_original.append(op.original[0])
        elif op.kind == "match":
            flush()
        elif op.kind == "gap":
            flush()
            token = tokens[op.draft]
            first, last = op.original
            if last > first or token.kind == "bracketed":
                omitted = original_span(first, last - 1) if last > first else ""
                out.append(Change(token.kind, token.text, omitted))
                keys.append(([], []))
        else:
            if op.draft is not None:
                pending_draft.append(op.draft)
            if op.original is not None:
                pending_original.extend(range(*op.original))
    flush()
    return _moves(out, keys, original_text, original)


MOVE_MIN_WORDS = 3  # a run this long found elsewhere in the original was moved, not written anew


def _moves(found: list[Change], keys: list[tuple[list[str], list[str]]], original_text: str,
           original: list[Word]) -> list[Change]:
    """Return the changes with each inserted run that stands elsewhere in the original as `moved`
    (and the deletion of the same words, if the window holds it, dropped)."""
    words = [w.key for w in original]
    out: list[Change] = []
    moved: list[list[str]] = []
    for change, (d_keys, _) in zip(found, keys, strict=True):
        at = _run_at(words, d_keys) if change.kind == "inserted" and len(d_keys) >= MOVE_MIN_WORDS else -1
        if at < 0:
            out.append(change)
            continue
        moved.append(d_keys)
        span = original_text[original[at].start:original[at + len(d_keys) - 1].end]
        out.append(Change("moved", change.draft, span))
    if not moved:
        return found
    return [c for c, (_, o_keys) in zip(out, keys, strict=True)
            if not (c.kind == "deleted" and o_keys in moved)]


def _run_at(words: list[str], run: list[str]) -> int:
    """Return where `run` stands as consecutive words in `words`, or -1."""
    n = len(run)
    for i in range(len(words) - n + 1):
        if words[i:i + n] == run:
            return i
    return -1


def is_drift(change: Change) -> bool:
    """Return True when a change alters the speaker's words (not an ellipsis or bracket)."""
    return change.kind not in NOT_DRIFT


def severity_of(found: list[Change]) -> str:
    """Return the severity of a set of changes: error for meaning flips, info for spelling only."""
    kinds = {c.kind for c in found if is_drift(c)}
    if kinds & MEANING_FLIPS:
        return "error"
    if kinds - {"spelling"}:
        return "warning"
    return "info" if kinds else "ok"
