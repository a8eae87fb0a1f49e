"""Line a draft quotation's words up with the best stretch of an original.

Draft quotations become tokens: words, plus wildcards for an ellipsis (stands
for omitted words) and for [square brackets] (the writer's own words in place
of the speaker's). A semi-global word alignment then finds the window of the
original that costs the fewest edits: words before and after the window are
free (a fragment of a longer quote is not drift), wildcards swallow any run of
original words for free, and words the original itself bracketed may be left
out for free.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Indel, Levenshtein

from .normalize import BRACKET_RE, ELLIPSIS_RE, Word, words

# Costs (lower is better). Matches earn a reward so the window anchors on the
# draft's words instead of treating them as insertions beside a free window.
MATCH_COST = -2.0
SPELLING_COST = 0.2
MISMATCH_COST = 1.0
GAP_OPEN = 1.5
GAP_EXTEND = 0.3
MAX_DP_CELLS = 250_000


@dataclass(frozen=True)
class Token:
    """One unit of a draft quotation: a word, or an ellipsis/bracket wildcard."""

    kind: str  # "word", "elided" or "bracketed"
    key: str
    text: str
    start: int
    end: int
    form: str = ""  # for a part of a contraction: the contraction's key


@dataclass(frozen=True)
class Op:
    """One step of an alignment: match, sub, ins (draft only), del (original only) or gap."""

    kind: str
    draft: int | None  # index into the draft tokens
    original: tuple[int, int] | None  # [start, end) indexes into the original words


def draft_tokens(text: str) -> list[Token]:
    """Return the tokens of a draft quotation, in order."""
    wild: list[tuple[int, int, str]] = []
    for match in BRACKET_RE.finditer(text):
        wild.append((match.start(), match.end(), "bracketed"))
    for match in ELLIPSIS_RE.finditer(text):
        if not any(s <= match.start() < e for s, e, _ in wild):
            wild.append((match.start(), match.end(), "elided"))
    wild.sort()
    tokens: list[Token] = []
    position = 0
    for start, end, kind in wild + [(len(text), len(text), "")]:
        for word in words(text, position, start):
            tokens.append(Token("word", word.key, text[word.start:word.end], word.start, word.end, word.form))
        if kind:
            tokens.append(Token(kind, "", text[start:end], start, end))
        position = end
    return tokens


def original_words(text: str) -> tuple[list[Word], list[bool]]:
    """Return the words of an original and, for each, whether the original bracketed it."""
    found = words(text)
    spans = [(m.start(), m.end()) for m in BRACKET_RE.finditer(text)]
    bracketed = [any(s <= w.start < e for s, e in spans) for w in found]
    return found, bracketed


def similar_spelling(a: str, b: str) -> bool:
    """Return True when two different words look like spellings of one word (a typo fixed)."""
    if a == b or min(len(a), len(b)) < 4 or a.isdigit() or b.isdigit():
        return False
    return Indel.normalized_similarity(a, b) >= 0.8 and abs(len(a) - len(b)) <= 2


def _sub_cost(a: str, b: str) -> float:
    if a == b:
        return MATCH_COST
    return SPELLING_COST if similar_spelling(a, b) else MISMATCH_COST


def align(tokens: list[Token], original: list[Word], optional: list[bool]) -> tuple[list[Op], float]:
    """Return the cheapest alignment of draft tokens to a window of the original, and its cost.

    Gaps are affine (opening one costs more than making it longer), so a draft
    that leaves out a long aside reads as one deletion, not as a run of
    replaced words.
    """
    n, m = len(tokens), len(original)
    if n * m > MAX_DP_CELLS or n == 0 or m == 0:
        return _align_long(tokens, original)
    keys = [w.key for w in original]
    inf = float("inf")
    # States per cell: "M" draft word i against original word j, "X" original word j left out,
    # "Y" draft word i not in the original, "G" a wildcard swallowing original words.
    best_prev = [0.0] * (m + 1)  # row 0: the window may start anywhere for free
    rows: list[dict[str, list]] = []
    for i in range(1, n + 1):
        token = tokens[i - 1]
        M, X, Y, G = ([inf] * (m + 1) for _ in range(4))
        bM, bX, bY, bG = ([""] * (m + 1) for _ in range(4))
        prev = rows[-1] if rows else None
        if token.kind != "word":
            run, run_k = inf, 0
            for j in range(m + 1):
                if best_prev[j] < run:
                    run, run_k = best_prev[j], j
                G[j], bG[j] = run, str(run_k)
        else:
            key = token.key
            for j in range(m + 1):
                # Y: this draft word is not in the original
                if prev is None:
                    Y[j], bY[j] = best_prev[j] + GAP_OPEN, "S"
                else:
                    Y[j], bY[j] = _pick(prev, j, {"M": GAP_OPEN, "X": GAP_OPEN, "Y": GAP_EXTEND, "G": GAP_OPEN})
                if j == 0:
                    continue
                # M: draft word against original word j
                if prev is None:
                    M[j], bM[j] = best_prev[j - 1] + _sub_cost(key, keys[j - 1]), "S"
                else:
                    base, label = _pick(prev, j - 1, {"M": 0.0, "X": 0.0, "Y": 0.0, "G": 0.0})
                    M[j], bM[j] = base + _sub_cost(key, keys[j - 1]), label
                # X: original word j left out after this draft word
                if optional[j - 1]:
                    here = {"M": 0.0, "X": 0.0, "Y": 0.0}
                else:
                    here = {"M": GAP_OPEN, "X": GAP_EXTEND, "Y": GAP_OPEN}
                X[j], bX[j] = _pick({"M": M, "X": X, "Y": Y}, j - 1, here)
        row = {"M": M, "X": X, "Y": Y, "G": G, "bM": bM, "bX": bX, "bY": bY, "bG": bG}
        rows.append(row)
        best_prev = [min(M[j], X[j], Y[j], G[j]) for j in range(m + 1)]
    last = rows[-1]
    end = min(range(m + 1), key=lambda j: (min(last[s][j] for s in "MYG"), -j))
    state = min("MYG", key=lambda s: last[s][end])
    total = last[state][end]
    ops: list[Op] = []
    i, j = n, end
    while i > 0:
        row = rows[i - 1]
        came = row["b" + state][j]
        if state == "G":
            k = int(came)
            ops.append(Op("gap", i - 1, (k, j)))
            i, j = i - 1, k
            state = _best_state(rows[i - 1], j) if i > 0 else "S"
        elif state == "M":
            same = tokens[i - 1].key == keys[j - 1]
            ops.append(Op("match" if same else "sub", i - 1, (j - 1, j)))
            i, j, state = i - 1, j - 1, came
        elif state == "Y":
            ops.append(Op("ins", i - 1, None))
            i, state = i - 1, came
        else:  # X
            if not optional[j - 1]:
                ops.append(Op("del", None, (j - 1, j)))
            j, state = j - 1, came
        if state == "S":
            break
    ops.reverse()
    return ops, total


def _pick(row: dict[str, list], j: int, extra: dict[str, float]) -> tuple[float, str]:
    """Return the cheapest (cost + extra[state], state) among a row's states at column j."""
    best, label = float("inf"), ""
    for state, add in extra.items():
        value = row[state][j] + add
        if value < best:
            best, label = value, state
    return best, label


def _best_state(row: dict[str, list], j: int) -> str:
    return min("MXYG", key=lambda s: row[s][j])


def _align_long(tokens: list[Token], original: list[Word]) -> tuple[list[Op], float]:
    """Return a plain edit-script alignment for inputs too large for the windowed one."""
    word_tokens = [i for i, t in enumerate(tokens) if t.kind == "word"]
    a = [tokens[i].key for i in word_tokens]
    b = [w.key for w in original]
    ops: list[Op] = []
    cost = 0.0
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(a, b):
        if tag == "equal":
            ops += [Op("match", word_tokens[a0 + k], (b0 + k, b0 + k + 1)) for k in range(a1 - a0)]
        elif tag == "replace":
            pairs = min(a1 - a0, b1 - b0)
            ops += [Op("sub", word_tokens[a0 + k], (b0 + k, b0 + k + 1)) for k in range(pairs)]
            ops += [Op("ins", word_tokens[k], None) for k in range(a0 + pairs, a1)]
            ops += [Op("del", None, (k, k + 1)) for k in range(b0 + pairs, b1)]
            cost += max(a1 - a0, b1 - b0)
        elif tag == "insert":
            ops += [Op("del", None, (b0 + k, b0 + k + 1)) for k in range(b1 - b0)]
            cost += b1 - b0
        else:
            ops += [Op("ins", word_tokens[a0 + k], None) for k in range(a1 - a0)]
            cost += a1 - a0
    while ops and ops[0].kind == "del":  # words outside the window are not edits
        ops.pop(0)
        cost -= 1
    while ops and ops[-1].kind == "del":
        ops.pop()
        cost -= 1
    return ops, cost
