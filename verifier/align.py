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
from functools import lru_cache
from itertools import accumulate

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
FREE = (0.0, 0.0, 0.0, 0.0)  # in the traceback: no extra cost for coming from any state


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


SPELLING_MIN_LETTERS = 4  # shorter words are never read as a respelling of one another...
SPELLING_MAX_GAP = 2  # ...nor are words whose lengths differ by more than this


@lru_cache(maxsize=100_000)
def similar_spelling(a: str, b: str) -> bool:
    """Return True when two different words look like spellings of one word (a typo fixed)."""
    if a == b or min(len(a), len(b)) < SPELLING_MIN_LETTERS or a.isdigit() or b.isdigit():
        return False
    return Indel.normalized_similarity(a, b) >= 0.8 and abs(len(a) - len(b)) <= SPELLING_MAX_GAP


def _match_costs(key: str, keys: list[str]) -> list[float]:
    """Return `_sub_cost(key, k)` for each of `keys` (spellings compared once per distinct word)."""
    size = len(key)
    cost_of = {}
    for other in set(keys):
        if other == key:
            cost_of[other] = MATCH_COST
        elif min(size, len(other)) < SPELLING_MIN_LETTERS or abs(len(other) - size) > SPELLING_MAX_GAP:
            # never `similar_spelling`: told without a look-up in its cache
            cost_of[other] = MISMATCH_COST
        else:
            cost_of[other] = SPELLING_COST if similar_spelling(key, other) else MISMATCH_COST
    return list(map(cost_of.__getitem__, keys))


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
    if all(t.kind == "word" for t in tokens) and not any(optional):
        quick = _align_anchored(tokens, original)
        if quick is not None:
            return quick
    lo, hi = _region(tokens, original)
    if hi - lo < m:
        ops, cost = _align_dp(tokens, original[lo:hi], optional[lo:hi])
        shifted = [Op(op.kind, op.draft, (op.original[0] + lo, op.original[1] + lo) if op.original else None)
                   for op in ops]
        return shifted, cost
    return _align_dp(tokens, original, optional)


def _region(tokens: list[Token], original: list[Word]) -> tuple[int, int]:
    """Return the stretch of the original worth aligning: where the draft's words match, with a margin
    as wide as the draft so left-out words and wildcards still fit."""
    draft = [t.key for t in tokens if t.kind == "word"]
    keys = [w.key for w in original]
    matched = [(b0, b1) for tag, _, _, b0, b1 in Indel.opcodes(draft, keys) if tag == "equal"]
    if not matched:
        return 0, len(keys)
    margin = len(tokens) + 2
    return max(0, matched[0][0] - margin), min(len(keys), matched[-1][1] + margin)


def _align_dp(tokens: list[Token], original: list[Word], optional: list[bool]) -> tuple[list[Op], float]:
    """Return the affine-gap alignment of draft tokens to a window of `original` (see `align`)."""
    n, m = len(tokens), len(original)
    keys = [w.key for w in original]
    inf = float("inf")
    go, ge = GAP_OPEN, GAP_EXTEND
    # States per cell: "M" draft word i against original word j, "X" original word j left out,
    # "Y" draft word i not in the original, "G" a wildcard swallowing original words. The forward
    # pass keeps costs only, row by row (whole rows at once where a cell does not depend on its
    # left neighbour); the traceback works out which state each step came from.
    unreachable = [inf] * (m + 1)
    best_prev = [0.0] * (m + 1)  # row 0: the window may start anywhere for free
    floors: list[list[float]] = []  # best_prev before each row
    rows: list[tuple[list[float], list[float], list[float], list[float]]] = []
    # Leaving out original word j costs nothing when the original bracketed it: opening (go) and
    # extending (ge) a deletion there are free.
    open_cost = [0.0 if free else go for free in optional]
    extend_cost = [0.0 if free else ge for free in optional]
    match_costs: dict[str, list[float]] = {}  # per draft key: the cost of matching it with each word
    for token in tokens:
        floors.append(best_prev)
        if token.kind != "word":
            G = list(accumulate(best_prev, min))
            M = X = Y = unreachable
        else:
            # Plain loops with comparisons: CPython runs them faster than min() or map() over rows.
            Y = []
            if rows:
                pM, pX, pY, pG = rows[-1]
                for a, b, c, d in zip(pM, pX, pY, pG, strict=True):  # min(a, b, d) + go or c + ge
                    if b < a:
                        a = b
                    if d < a:
                        a = d
                    a += go
                    c += ge
                    Y.append(a if a < c else c)
            else:
                Y = [b + go for b in best_prev]
            costs = match_costs.get(token.key)
            if costs is None:
                costs = match_costs[token.key] = _match_costs(token.key, keys)
            # the best way into the cell diagonally up-left is the previous row's best state
            M = [inf]
            M += [base + cost for base, cost in zip(best_prev, costs, strict=False)]  # best_prev[m] unused
            # X[j] = min(X[j - 1] + extend, min(M[j - 1], Y[j - 1]) + open): a running minimum
            X = [inf]
            x = inf
            for mj, yj, opening, extending in zip(M, Y, open_cost, extend_cost, strict=False):
                if yj < mj:
                    mj = yj
                mj += opening
                x += extending
                if mj < x:
                    x = mj
                X.append(x)
            G = unreachable
        rows.append((M, X, Y, G))
        if G is unreachable:
            best_prev = []
            for a, b, c in zip(M, X, Y, strict=True):
                if b < a:
                    a = b
                if c < a:
                    a = c
                best_prev.append(a)
        else:
            best_prev = G  # a wildcard row: only G is reachable
    M, X, Y, G = rows[-1]
    last = {"M": M, "Y": Y, "G": G}
    end = min(range(m + 1), key=lambda j: (min(M[j], Y[j], G[j]), -j))
    state = min("MYG", key=lambda s: last[s][end])
    total = last[state][end]
    ops: list[Op] = []
    i, j = n, end
    while i > 0:
        M, X, Y, G = rows[i - 1]
        prev = rows[i - 2] if i > 1 else None
        if state == "G":
            floor = floors[i - 1]
            k = min(range(j + 1), key=floor.__getitem__)  # where the cheapest start left of j is
            ops.append(Op("gap", i - 1, (k, j)))
            i, j = i - 1, k
            state = _first_cheapest(rows[i - 1], j, FREE) if i > 0 else "S"
        elif state == "M":
            same = tokens[i - 1].key == keys[j - 1]
            ops.append(Op("match" if same else "sub", i - 1, (j - 1, j)))
            came = "S" if prev is None else _first_cheapest(prev, j - 1, FREE)
            i, j, state = i - 1, j - 1, came
        elif state == "Y":
            ops.append(Op("ins", i - 1, None))
            came = "S" if prev is None else _first_cheapest(prev, j, (go, go, ge, go))
            i, state = i - 1, came
        else:  # X
            if not optional[j - 1]:
                ops.append(Op("del", None, (j - 1, j)))
                came = _first_cheapest((M, X, Y), j - 1, (go, ge, go))
            else:
                came = _first_cheapest((M, X, Y), j - 1, FREE)
            j, state = j - 1, came
        if state == "S":
            break
    ops.reverse()
    return ops, total


def _first_cheapest(states: tuple[list[float], ...], j: int, extra: tuple[float, ...]) -> str:
    """Return the first of the states M, X, Y(, G) whose cost at column j plus its extra is least."""
    return "MXYG"[min(range(len(states)), key=lambda s: states[s][j] + extra[s])]


def _edit_script(draft: list[str], keys: list[str], draft_index: list[int],
                 offset: int = 0) -> tuple[list[Op], int, int]:
    """Return Levenshtein opcodes between draft keys and original keys as Ops (draft positions mapped
    through `draft_index`, original ones shifted by `offset`), the number of edited words, and the
    longest run of words on one side only. Deletions at either end are dropped: words outside the
    window are not edits."""
    ops: list[Op] = []
    edits = longest_gap = 0
    for tag, a0, a1, b0, b1 in Levenshtein.opcodes(draft, keys):
        b0, b1 = b0 + offset, b1 + offset
        if tag == "equal":
            ops += [Op("match", draft_index[a0 + k], (b0 + k, b0 + k + 1)) for k in range(a1 - a0)]
            continue
        pairs = min(a1 - a0, b1 - b0)
        ops += [Op("sub", draft_index[a0 + k], (b0 + k, b0 + k + 1)) for k in range(pairs)]
        ops += [Op("ins", draft_index[k], None) for k in range(a0 + pairs, a1)]
        ops += [Op("del", None, (k, k + 1)) for k in range(b0 + pairs, b1)]
        edits += max(a1 - a0, b1 - b0)
        longest_gap = max(longest_gap, abs((a1 - a0) - (b1 - b0)))
    while ops and ops[0].kind == "del":
        ops.pop(0)
        edits -= 1
    while ops and ops[-1].kind == "del":
        ops.pop()
        edits -= 1
    return ops, edits, longest_gap


def _align_anchored(tokens: list[Token], original: list[Word]) -> tuple[list[Op], float] | None:
    """Return a fast alignment for a draft with no wildcards, or None when it looks too messy to trust.

    The window is anchored on the original words a longest common subsequence
    matches (widened by the draft's unmatched words at either end, so a
    changed first word reads as replaced), then aligned with C-speed
    Levenshtein opcodes. Messy results (many edits, long gaps) are left to the
    affine alignment.
    """
    draft = [t.key for t in tokens]
    keys = [w.key for w in original]
    matched = [(b0, b1, a0, a1) for tag, a0, a1, b0, b1 in Indel.opcodes(draft, keys) if tag == "equal"]
    if not matched:
        return None
    first_a, last_a = matched[0][2], matched[-1][3]
    lo = max(0, matched[0][0] - first_a)
    hi = min(len(keys), matched[-1][1] + (len(draft) - last_a))
    ops, edits, longest_gap = _edit_script(draft, keys[lo:hi], list(range(len(draft))), lo)
    if edits > max(2, len(draft) // 4) or longest_gap > 3:
        return None
    cost = sum(_sub_cost(tokens[op.draft].key, keys[op.original[0]]) for op in ops if op.kind in ("match", "sub"))
    cost += sum(GAP_OPEN for op in ops if op.kind in ("ins", "del"))
    return ops, cost


def _align_long(tokens: list[Token], original: list[Word]) -> tuple[list[Op], float]:
    """Return a plain edit-script alignment for inputs too large for the windowed one."""
    word_tokens = [i for i, t in enumerate(tokens) if t.kind == "word"]
    ops, edits, _ = _edit_script([tokens[i].key for i in word_tokens], [w.key for w in original], word_tokens)
    return ops, float(edits)
