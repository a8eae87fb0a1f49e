"""Finding quotations: what counts as a quotation and exactly which words it holds."""

import time

import pytest

from verifier.find import find_quotations


def texts(text: str) -> list[str]:
    return [q.text for q in find_quotations(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Reid said they should "back off" now.', ["back off"]),
        ("“We’re aware of these concerns,” Earnest said.", ["We’re aware of these concerns,"]),
        ('He said:"yes" and then "no".', ["yes", "no"]),
        ('"Mixed marks,” she said.', ["Mixed marks,"]),
        ("« Nous sommes prêts », a-t-il dit.", ["Nous sommes prêts"]),
        ("„Wir schaffen das“, sagte sie.", ["Wir schaffen das"]),
        ("Trump: Cruz Has ‘To Come a Long Way’ On Ethanol", ["To Come a Long Way"]),
        ("'It is not a radical idea,' Sanders said.", ["It is not a radical idea,"]),
    ],
)
def test_quotation_texts_for_each_mark_style(text, expected):
    assert texts(text) == expected


def test_split_quotation_is_two_quotations():
    assert texts("“We’re aware,” he said, “and it won’t change.”") == ["We’re aware,", "and it won’t change."]


@pytest.mark.parametrize(
    "text",
    [
        "The ’90s were the students’ best years.",
        "They don't like rock 'n' roll, and 'em neither.",
        "In the '16 race, O'Brien's team won.",
        'He is 6\'2" tall and ate a 12" pizza.',
        "A 6' fence and a 3′ board.",
        "The players' union met the owners' group.",
    ],
)
def test_apostrophes_and_measurements_are_not_quotations(text):
    assert texts(text) == []


def test_apostrophes_inside_a_quotation_do_not_end_it():
    assert texts("“I don’t think the ’90s were the students’ best years,” she said.") == [
        "I don’t think the ’90s were the students’ best years,"]


def test_single_quotes_inside_double_are_nested_with_parent():
    text = "“He told me, ‘I don’t want any problems,’ and left,” she said."
    outer, inner = find_quotations(text)
    assert (outer.depth, outer.parent) == (0, None)
    assert inner.text == "I don’t want any problems,"
    assert (inner.depth, inner.parent) == (1, 0)


def test_double_quotes_inside_british_single_are_nested():
    text = "'He called it \"a farce\" on Monday,' she said."
    outer, inner = find_quotations(text)
    assert outer.text == 'He called it "a farce" on Monday,'
    assert (inner.text, inner.depth, inner.parent) == ("a farce", 1, 0)


def test_parent_index_points_into_the_returned_list():
    text = '"First." Then "second with \'inner\' words," he said.'
    quotes = find_quotations(text)
    assert [q.text for q in quotes] == ["First.", "second with 'inner' words,", "inner"]
    assert quotes[2].parent == 1


def test_a_quotation_over_several_paragraphs_is_one_quotation_per_paragraph_marked_as_going_on():
    text = "“The first paragraph goes on\n\n“the second too\n\n“and the third one ends here,” he said."
    quotes = find_quotations(text)
    assert [q.text for q in quotes] == ["The first paragraph goes on", "the second too",
                                        "and the third one ends here,"]
    assert [(q.close_mark, q.continues) for q in quotes] == [("", True), ("", True), ("”", False)]


def test_a_paragraph_that_runs_on_is_no_unbalanced_mark():
    from verifier.check import quotations_in, unbalanced_marks
    from verifier.read import document_from_text

    text = "“The first paragraph goes on\n\n“and the second one ends here,” he said."
    assert unbalanced_marks(text, quotations_in(document_from_text(text))) == []


def test_unclosed_quotation_stops_at_its_paragraph():
    text = '"An unclosed quotation\n\nA new paragraph with "a real one" in it.'
    quotes = find_quotations(text)
    assert [q.text for q in quotes] == ["An unclosed quotation", "a real one"]
    assert quotes[0].close_mark == ""


@pytest.mark.parametrize("invisible", ["\u202a", "\u200e", "\u200b", "\ufeff"])
def test_an_invisible_direction_mark_before_a_quotation_is_as_blank_as_a_space(invisible):
    # pasted from a social post: a direction mark, then a closing-shaped mark that opens the comment
    text = f"Readers replied.\n\n{invisible}\u201dKeep going, Sarah,\u201d posted one reader."
    assert texts(text) == ["Keep going, Sarah,"]


def test_stray_closing_mark_is_ignored():
    assert texts("He said” nothing, then “something.”") == ["something."]


def test_quotation_ordered_by_start():
    quotes = find_quotations('"a" and "b" and \'c\' and "d"')
    assert [q.start for q in quotes] == sorted(q.start for q in quotes)


@pytest.mark.parametrize(
    "text",
    [
        "",
        '"',
        "'",
        '""',
        '""""""""""',
        "“‘’”",
        "”“",
        "'\"'\"'\"",
        '"a\n"b\n"c',
        "\"'“”„‟«»‘’‚‛\n" * 20,
        "“unclosed ‘nested",
        'He said "hello',
        "«»«»«",
        "'" * 50,
        "\n\n\"\n\n",
        'x"y"z',
    ],
)
def test_text_equals_slice_on_odd_input(text):
    for q in find_quotations(text):
        assert text[q.start:q.end] == q.text
        assert q.start <= q.end
        assert q.parent is None or q.parent < len(find_quotations(text))


def test_text_equals_slice_on_every_mark_combination():
    marks = "\"'“”‘’«» a\n"
    for a in marks:
        for b in marks:
            for c in marks:
                text = f"{a}x{b} y{c}z{a}"
                for q in find_quotations(text):
                    assert text[q.start:q.end] == q.text


def test_one_megabyte_is_fast():
    text = ('Reid said the raids should "back off" and “stop,” he said. ' * 20_000)[:1_000_000]
    started = time.perf_counter()
    quotes = find_quotations(text)
    assert time.perf_counter() - started < 3
    assert len(quotes) > 30_000


def test_long_line_without_marks_is_fast():
    text = "word " * 2_000_000  # 10 MB on one line
    started = time.perf_counter()
    assert find_quotations(text) == []
    assert time.perf_counter() - started < 3
