"""Attributing quotations: who the text credits, as written and resolved."""

import pytest

from verifier.attribute import attribute_quotations
from verifier.find import find_quotations


def credits(text: str):
    quotes = find_quotations(text)
    return list(zip([q.text for q in quotes], attribute_quotations(text, quotes), strict=True))


def only(text: str):
    [(_, attribution)] = credits(text)
    return attribution


@pytest.mark.parametrize(
    ("text", "mention", "name", "cue"),
    [
        ('"We will win," Reid said.', "Reid", "Reid", "said"),
        ('"We will win," said Reid.', "Reid", "Reid", "said"),
        ('Reid said the administration should "back off" the raids.', "Reid", "Reid", "said"),
        ('"We will win," Reid told reporters.', "Reid", "Reid", "told"),
        ('"We will win," Reid added.', "Reid", "Reid", "added"),
        ('"We will win," Reid also tweeted on Monday.', "Reid", "Reid", "tweeted"),
        ('"Why now?" Reid asked.', "Reid", "Reid", "asked"),
        ('"It is over," Reid concluded.', "Reid", "Reid", "concluded"),
        ('"It is over," Reid has long argued.', "Reid", "Reid", "argued"),
        ('Johnson said in a statement Monday that "female agents" took part.', "Johnson", "Johnson", "said"),
        ('Cruz continued: "We will not back down."', "Cruz", "Cruz", "continued"),
        ('According to Reid, the raids are "cruel."', "Reid", "Reid", "according to"),
        ('The raids are "cruel," according to Reid.', "Reid", "Reid", "according to"),
        ('"We will win," the White House said.', "the White House", "the White House", "said"),
    ],
)
def test_cue_and_speaker(text, mention, name, cue):
    attribution = only(text)
    assert (attribution.mention, attribution.name, attribution.cue) == (mention, name, cue)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('"They are desperate," said Nancy Pelosi, the House minority leader.', "Nancy Pelosi"),
        ('"They are desperate," Nancy Pelosi, the House minority leader, said.', "Nancy Pelosi"),
        ("“We are aware,” Obama spokesman Josh Earnest told reporters.", "Josh Earnest"),
        ('"We are aware," DHS Secretary Jeh Johnson said.', "Jeh Johnson"),
        ('"We are aware," said Sen. Harry Reid (D-Nev.).', "Harry Reid"),
        ('"We are aware," former presidential candidate Herman Cain said.', "Herman Cain"),
    ],
)
def test_titles_and_appositives_are_stripped_from_the_name(text, name):
    assert only(text).name == name


def test_both_quotes_in_one_sentence_share_the_speaker():
    text = 'House Minority Leader Nancy Pelosi called them "political refugees" who are "entitled to stay here."'
    got = [(a.mention, a.name) for _, a in credits(text)]
    assert got == [("House Minority Leader Nancy Pelosi", "Nancy Pelosi")] * 2


def test_split_quote_credits_both_halves():
    text = "“We’re aware,” Reid said, “and it won’t change.”"
    assert [a.name for _, a in credits(text)] == ["Reid", "Reid"]


def test_surname_resolves_to_the_full_name_given_earlier():
    text = 'Sen. Harry Reid spoke on Monday. "We will win," Reid said.'
    assert only(text).name == "Harry Reid"


@pytest.mark.parametrize(
    ("text", "mention", "name"),
    [
        ('Hillary Clinton spoke on Monday. "We will win," she said.', "she", "Hillary Clinton"),
        ('Mr. Sanders met Hillary Clinton. "We will win," he said.', "he", "Sanders"),
        ('Hillary Clinton met Mr. Sanders. "We will win," she said.', "she", "Hillary Clinton"),
    ],
)
def test_pronoun_resolves_to_a_compatible_person(text, mention, name):
    attribution = only(text)
    assert (attribution.mention, attribution.name) == (mention, name)


def test_role_noun_resolves_to_the_person_described_that_way():
    text = 'Sen. Harry Reid (D-Nev.) spoke on Monday. "It is wrong," the Nevada Democrat said.'
    attribution = only(text)
    assert (attribution.mention, attribution.name) == ("the Nevada Democrat", "Harry Reid")


def test_unknown_role_noun_keeps_the_mention_and_no_name():
    attribution = only('"He made a compelling case," the advocate said.')
    assert (attribution.mention, attribution.name) == ("the advocate", None)


def test_floating_quote_continues_the_last_speaker():
    text = 'Hillary Clinton spoke.\n\n"We will win," she said.\n\n"And we will keep winning."'
    assert [a.name for _, a in credits(text)] == ["Hillary Clinton", "Hillary Clinton"]


def test_second_hand_quote_names_the_speaker_and_the_relayer():
    text = ('President Obama told the group he was focused on "not easing up on enforcement," '
            "according to an advocate who attended the meeting.")
    attribution = only(text)
    assert attribution.name == "Obama"
    assert attribution.cue == "told"
    assert attribution.relayed_by == "an advocate who attended the meeting"


def test_nested_quote_is_credited_to_whom_the_outer_speaker_names():
    text = ("President Obama met advocates. \"He made a compelling case, and he's made very clear that, "
            "'I don't want any problems,'\" the advocate said.")
    outer, inner = credits(text)
    assert outer[1].mention == "the advocate"
    assert (inner[0], inner[1].mention, inner[1].name) == ("I don't want any problems,", "he", "Obama")


def test_nested_quote_without_a_cue_is_credited_to_no_one():
    text = "\"The word 'pivot' was everywhere,\" Reid said."
    _, inner = credits(text)
    assert inner == ("pivot", None)


def test_quote_with_no_speaker_anywhere_has_no_attribution():
    assert credits('The so-called "deterrence" strategy is failing.') == [("deterrence", None)]


def test_one_attribution_per_quotation_even_on_odd_input():
    for text in ["", '"', '""""', "“‘’”", 'said "x" said "y', "\"'“”„‟«»‘’\n" * 5]:
        quotes = find_quotations(text)
        assert len(attribute_quotations(text, quotes)) == len(quotes)


@pytest.mark.parametrize(
    ("text", "mention", "name"),
    [
        ('"The plan will fail," said veteran organizer Dana Pierce.', "veteran organizer Dana Pierce", "Dana Pierce"),
        ('"The plan will fail," said former state treasurer Dana Pierce.', "former state treasurer Dana Pierce",
         "Dana Pierce"),
        ('"We tried," said former secretary of labor Dana Pierce, who ran the office.',
         "former secretary of labor Dana Pierce", "Dana Pierce"),
    ],
)
def test_inverted_tag_with_lowercase_modifiers_before_the_name(text, mention, name):
    attribution = only(text)
    assert (attribution.mention, attribution.name) == (mention, name)



def test_paragraph_ending_in_a_colon_introduces_the_block_quote_after_it():
    text = ('Mayor Dana Pierce answered the critics:\n\n"We will finish the bridge on time."\n\n'
            '"And we will finish it under budget."')
    assert [a.name for _, a in credits(text)] == ["Dana Pierce", "Dana Pierce"]


def test_colon_lead_in_with_a_cue_phrase_on_a_document():
    text = 'The memo goes on to say:\n\n"Staff must not discuss the merger."'
    assert only(text).mention == "The memo"


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ('After the vote, Dana Pierce released a video calling it "a disgrace."', "Dana Pierce"),
        ('Dana Pierce, the county clerk, denounced the "reckless" plan.', "Dana Pierce"),
        ('Dana Pierce, who has run the office since 2010, denounced the "reckless" plan.', "Dana Pierce"),
        ('Dana Pierce on Tuesday denounced the "reckless" plan.', "Dana Pierce"),
        ('Dana Pierce (D-Ohio) has denounced the "reckless" plan.', "Dana Pierce"),
        ('But Dana Pierce, for her part, denounced the "reckless" plan.', "Dana Pierce"),
        ('The complaint, which was filed in May, alleged "gross negligence" by the board.', "The complaint"),
    ],
)
def test_sentence_subject_reaches_past_intros_appositives_and_time_phrases(text, mention):
    assert only(text).mention == mention


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ('Supporters of the levy, however, say the council would act as a "referee" on spending.',
         "Supporters of the levy"),
        ('Water engineers have long doubted the plan, but concede it could raise its "peak flow" a little.',
         "Water engineers"),
        ('The council voted 5-2 for a motion that said the town "rejects the closure of the clinic and more."',
         "The council"),
        ('A coalition of 40 farmers, bakers, millers and grocers this week signed a letter about the "grain'
         ' shortage" in the valley.', "A coalition of 40 farmers"),
        ('In its editorial, the Valley Courier dwells on how the storm, packing "hurricane winds," hit.',
         "the Valley Courier"),
        ('Lee Ward and Ana Ruiz met in May. Ruiz, who goes by "Nana," ran the bakery.', "Ruiz"),
        ('Ana Ruiz came late. Filling in for the mayor at the fair, Ruiz gave a nod to "my good friend Lee'
         ' Ward."', "Ruiz"),
    ],
)
def test_a_subject_no_name_or_role_word_heads_is_taken_whole(text, mention):
    assert only(text).mention == mention


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ('The leak was known long before City Hall officials started to call it a "pilot."', "City Hall officials"),
        ('Ana Ruiz smiled. It was rare, as when Ruiz thanked Lee Ward and called him a "partner."', "Ruiz"),
        ('Dana Pierce spoke after the vote. Before the vote, the mayor had called the plan "a gift."', "the mayor"),
    ],
)
def test_a_quotation_inside_a_subordinate_clause_takes_that_clauses_subject(text, mention):
    assert only(text).mention == mention


@pytest.mark.parametrize("text", [
    'Two years before the public learned of it, the agency gave an "incomplete" answer.',
    'Minutes later, T-shirts appeared that said "We won."',
])
def test_a_time_phrase_is_never_a_speaker(text):
    attribution = only(text)
    assert attribution is None or not any(w in attribution.mention for w in ("years", "Minutes"))


@pytest.mark.parametrize(("text", "label"), [
    ('TODAY IN BRIEF.\n\nRIVER TOWNS BRACE FOR FLOODS “The levees will hold for two more days at most.” [Courier.]',
     "RIVER TOWNS BRACE FOR FLOODS"),
    ('WHY ‘DRY JANUARY’ CAUGHT ON “Most of us simply wanted a reset after the holidays,” [Gazette.]',
     "WHY ‘DRY JANUARY’ CAUGHT ON"),
])
def test_an_all_capitals_label_introduces_a_newsletter_item(text, label):
    attribution = credits(text)[-1][1]
    assert (attribution.mention, attribution.name, attribution.via) == (label, None, "headline")


@pytest.mark.parametrize(("text", "mention"), [
    ('Ruiz, the author of "Dry Seasons," about farming, said the years when towns had "one shared well"'
     ' are gone.', "Ruiz"),
    ('A month later, Ruiz said she would allow some wells, in places where "common sense" made clear'
     ' that the water was safe.', "Ruiz"),
])
def test_what_follows_an_inverted_cue_must_be_able_to_speak(text, mention):
    assert [a.mention for _, a in credits(text)][-1] == mention


@pytest.mark.parametrize(("text", "mention", "name"), [
    # the aide speaks, not the person whose aide she is
    ('Dana Pierce’s right-hand woman rallied donors, saying: “We have to be ready.”',
     "Dana Pierce’s right-hand woman", None),
    # a wire story's dateline is not the sentence's subject
    ('SPRINGFIELD, May 3 (Wire) — After the vote, Dana Pierce’s chief aide wrote to donors, saying: “We won.”',
     "Dana Pierce’s chief aide", None),
    # a possessive pronoun in its own clause is that clause's subject's, not a nearer-known man's
    ('Lee Ward met Dana Pierce. Pierce repeated her claim that “the audit was rigged from the start.”',
     "her", "Dana Pierce"),
    ('Mark Ward met Robin Quinn. Quinn also repeated his claim that “the audit was rigged.”',
     "his", "Robin Quinn"),
])
def test_possessives_credit_whose_words_they_are(text, mention, name):
    attribution = credits(text)[-1][1]
    assert attribution.mention == mention
    if name:
        assert attribution.name == name


@pytest.mark.parametrize(("text", "mention", "name"), [
    ('It is one which county historian Lee Ward calls "the town\'s founding quarrel." It began in 1880.',
     "Lee Ward", "Lee Ward"),
    ('The hour was so odd that a spokesman for Dana Pierce could only quip: "I guess the moon was booked."',
     "a spokesman for Dana Pierce", None),
    ('"We were robbed," said an aide to Dana Pierce.', "an aide", None),
    ('"What sport is he talking about?" reacted Dana Pierce.', "Dana Pierce", "Dana Pierce"),
])
def test_cues_that_look_like_nouns_and_inverted_reactions(text, mention, name):
    attribution = credits(text)[0][1]
    assert (attribution.mention, attribution.name) == (mention, name)


def test_a_clause_after_a_semicolon_has_its_own_subject():
    text = 'So that is why the signs favour them; all Greens have to do is repeat, 100 times, "Clean Air Now."'
    assert only(text).mention == "all Greens"


def test_a_quotation_opening_its_sentence_goes_on_from_the_subject_before():
    text = 'Carl Quintanilla seemed taken aback and mentioned the web site. "Does that not speak to your judgment?"'
    assert only(text).name == "Carl Quintanilla"


def test_an_acronym_before_a_sentence_opener_ends_the_sentence():
    text = ('Lee Ward called for a ban at the U.S. While Dana Pierce opposed it, the unions who wrote to her on'
            ' Friday say they are “worried the ban is sending the wrong message.”')
    assert only(text).mention == "the unions"


def test_the_plural_of_a_role_word_can_speak():
    text = 'Pierce’s remarks deepen “the rift between the towns,” fostered by years of rivalry, the unions say.'
    assert only(text).mention == "the unions"


@pytest.mark.parametrize("marker", ["l", "\u2022", "-", "1."])
def test_a_quotation_in_a_list_item_is_the_lists_lead_in_speakers(marker):
    text = (f'Dana Pierce argued that:\n\n{marker} Only 200 wells have been dug since May.\n\n'
            f'{marker} The drought here is "entirely different" from the one in 1976.')
    assert only(text).mention == "Dana Pierce"


def test_a_list_after_a_paragraph_with_no_colon_has_no_lead_in():
    text = 'Dana Pierce spoke first.\n\n- The drought here is "entirely different" from the one in 1976.'
    assert only(text) is None or only(text).mention != "Dana Pierce"


@pytest.mark.parametrize(("text", "quote", "mention"), [
    # a participle after `X said,` is X's
    ('The mayor will play the "budget card," Dana Pierce said, adding that the way to beat it "is to show'
     ' the receipts."', "is to show the receipts.", "Dana Pierce"),
    # a description's possessive owns its answer
    ('Lee Ward was asked about the levy. The county treasurer’s answer was that "the roads come first,"'
     ' so the levy stays.', "the roads come first,", "The county treasurer"),
    # a possessive right before the opening mark, a speech noun right after the closing one
    ('It is the lasting pull of Pierce’s "every road paved by May" promise: voters remember it.',
     "every road paved by May", "Pierce"),
    # the sentence before named who argued it; this one has no speaker of its own
    ('Lee Ward has argued that the plan was doomed from the start. As a result, there is still "a lobby that'
     ' can charge whatever it likes."', "a lobby that can charge whatever it likes.", "Lee Ward"),
    # a noun clause after a colon has its own subject
    ('Take one example: That Dana Pierce misjudged Lee Ward, having referred to him as a "reformer." It stuck.',
     "reformer.", "Dana Pierce"),
    # a document's sentence: "makes" is its verb
    ('A footnote in the audit makes that clear: "These figures do not apply to the county\'s own roads or'
     ' bridges."', "These figures do not apply to the county's own roads or bridges.", "A footnote in the audit"),
    # a subordinate clause's subject may be lower case
    ('That is partly because state rules are murky on when private visits cross the line and become'
     ' "campaign related."', "campaign related.", "state rules"),
])
def test_credits_from_the_words_around_the_quotation(text, quote, mention):
    assert dict((q, a.mention if a else None) for q, a in credits(text))[quote] == mention


def test_a_participle_or_a_non_speech_verb_in_the_sentence_before_is_no_credit():
    text = ('In 2012, Lee Ward ended his paid speaking tour to run. That is because state rules are murky'
            ' on when visits become "campaign related."')
    assert only(text).mention != "Lee Ward"


def test_a_colon_lead_in_opening_with_a_word_nobody_is_called_credits_no_one():
    text = 'Lee Ward spoke first.\n\nWait, it gets better:\n\n"By law, the county sets the limit every year."'
    assert only(text) is None


def test_an_all_capitals_heading_is_not_part_of_the_name_after_it():
    text = 'TEN HURT IN STORM Mayor Dana Pierce said the levee had "held for now." [Courier.]'
    assert only(text).mention == "Mayor Dana Pierce"


@pytest.mark.parametrize(("text", "mention"), [
    ('Pierce and Ward both said "the levee must be raised now."', "Pierce and Ward"),
    ('Lee Ward, Ana Ruiz and Dana Pierce said "the levee must be raised now."', "Lee Ward, Ana Ruiz and Dana Pierce"),
    ('In Springfield and Shelbyville, Dana Pierce said "the levee must be raised now."', "Dana Pierce"),
    ('Dana Pierce, the treasurer, said "the levee must be raised now."', "Dana Pierce"),
])
def test_a_credit_to_several_people_names_them_all(text, mention):
    attribution = only(text)
    assert attribution.mention == mention
    assert attribution.name is None or " and " not in attribution.mention


def test_a_new_clause_after_a_quotation_has_its_own_subject_not_the_earlier_speakers():
    text = ('While Lee Ward proclaims the plan a "terrific idea and well worth the cost," Dana Pierce fixates on'
            ' the "pivot" line.')
    assert [(a.name, a.via) for _, a in credits(text)] == [("Lee Ward", "cue"), ("Dana Pierce", "subject")]


def test_a_possessive_after_a_quotation_is_no_new_clause():
    text = ('Dana Pierce said voters would find it "very hard to look past" Ward\'s self-description of being a'
            ' "democratic socialist."')
    assert [a.name for _, a in credits(text)] == ["Dana Pierce", "Dana Pierce"]


def test_a_headline_opening_with_a_named_persons_full_name_is_about_them_weakly():
    text = ('Here is what Dana Pierce and others said this year.\n\n1 Dana Pierce On Why Small Towns Feel'
            ' “Forgotten.”\n\nIn an interview, she spoke at length.')
    attribution = credits(text)[0][1]
    assert (attribution.name, attribution.via) == ("Dana Pierce", "headline")


@pytest.mark.parametrize("text", [
    'Dana Pierce listed her questions:\n\n"Has the county a plan?\n\n"Is the levee high enough?"\n\nThen she left.',
    '"Has the county a plan?\n\n"Is the levee high enough?" Dana Pierce asked.\n\nThen she left.',
])
def test_every_paragraph_of_a_quotation_has_its_speaker(text):
    assert [a.mention for _, a in credits(text)] == ["Dana Pierce", "Dana Pierce"]


def test_quotations_inside_a_quoted_report_are_relayed_by_it():
    text = ('As the Daily Ledger reported, the mayor would not call it a scandal:\n\n"The mayor is still'
            ' reluctant, citing the inquiry.\n\n“I don’t want to talk about it,” spokesman Lee Ward said."')
    attribution = credits(text)[-1][1]
    assert (attribution.name, attribution.relayed_by) == ("Lee Ward", "the Daily Ledger")


def test_a_lone_surname_that_speaks_is_someone_a_pronoun_can_stand_for():
    text = 'Pierce said the levy was unfair. She added: "We will not back down."'
    assert only(text).name == "Pierce"


def test_lone_capitalised_word_nobody_is_called_is_not_a_subject():
    assert credits('Ask yourself: why is the "reform" stalled?') == [("reform", None)]


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ('Dana Pierce hit back on Monday, saying the audit was "a sham."', "Dana Pierce"),
        ('The crowd cheered, with Dana Pierce reportedly shouting: "Out!"', "Dana Pierce"),
        ('Mayor Dana Pierce called Lee Ward\'s remarks "a new low."', "Mayor Dana Pierce"),
    ],
)
def test_participles_and_possessives_credit_the_clause_subject(text, mention):
    assert only(text).mention == mention


def test_quote_keeps_its_own_sentence_subject_over_a_neighbour_in_another_sentence():
    text = 'Dana Pierce, the treasurer, defended the "balanced" budget. Lee Ward objected, saying "it is not."'
    assert [a.mention for _, a in credits(text)] == ["Dana Pierce", "Lee Ward"]


@pytest.mark.parametrize(
    ("text", "mention", "name"),
    [
        ('"It was lovely," the retired shipbuilder told the paper.', "the retired shipbuilder", None),
        ('"It will not hold," engineers Dana Pierce and Lee Ward of the Harbor Institute wrote in May.',
         "engineers Dana Pierce and Lee Ward of the Harbor Institute", "Dana Pierce"),
    ],
)
def test_words_between_the_closing_mark_and_the_cue_are_the_speaker(text, mention, name):
    attribution = only(text)
    assert (attribution.mention, attribution.name) == (mention, name)


def test_a_spaced_dash_ends_the_speaker_span():
    text = 'Lee Ward asked a question - "why now?" - and the Harbor Institute staff said nothing.'
    assert only(text).mention == "Lee Ward"


@pytest.mark.parametrize(("text", "quote", "name"), [
    # a possessive names whose spokesperson it is, not who spoke
    ('Obama\'s press secretary told reporters: "We will not change course."', "We will not change course.", None),
    ('"We will not change course," Obama\'s press secretary told reporters.', "We will not change course,", None),
    # a cue belongs to its own clause
    ('Reid called them "political refugees," while Pelosi said the families were "entitled to stay here."',
     "political refugees,", "Reid"),
    # a name is never rewritten into a namesake's
    ('Bill Clinton spoke first. Chelsea Clinton said "we are thrilled" afterwards.', "we are thrilled",
     "Chelsea Clinton"),
    ('Eric Garner died in 2014. Erica Garner said "he deserved better" on Monday.', "he deserved better",
     "Erica Garner"),
])
def test_credit_goes_to_the_speaker_of_the_quotations_own_clause(text, quote, name):
    found = dict(credits(text))
    assert found[quote].name == name


@pytest.mark.parametrize(("text", "via"), [
    ('"We will win," Reid said.', "cue"),
    ('Reid spoke first. He said: "We will win."', "pronoun"),
    ('Reid spoke. "We will win," he said. Then the room went quiet.\n\n"And we will do it soon."', "previous"),
    ('The Hill ran a story headlined "Raids will go on" on Monday.', "title"),
])
def test_an_attribution_says_how_the_credit_was_reached(text, via):
    assert credits(text)[-1][1].via == via


@pytest.mark.parametrize(("text", "quote", "name"), [
    # the object of a verb is not its speaker
    ('Ana Ruiz thanked Obama for "taking these steps to make us safer."', "taking these steps to make us safer.",
     "Ana Ruiz"),
    # a passive cue credits its agent
    ('Rubio was asked by Fox Business moderator Gerard Baker whether the plan would risk "adding another'
     ' expensive program."', "adding another expensive program.", "Gerard Baker"),
    # the subject heads a chain of appositives
    ('Marty West, an education professor who worked for Sen. Lamar Alexander (R-Tenn.), one of the bill\'s'
     ' architects, called it "an incredibly significant development."', "an incredibly significant development.",
     "Marty West"),
    # a label right before a colon
    ('Clinton: "Our goal is to defeat ISIS." Bush: "The mission is to destroy ISIS."',
     "The mission is to destroy ISIS.", "Bush"),
    # a cue after ", and" belongs to the next clause
    ('Cruz said he would make sand "glow in the dark," for instance, and Trump vowed to "bomb" them.',
     "glow in the dark,", "Cruz"),
    # a left cue beats a tag after a finished question
    ('Clinton answered Mills with, "Why now?" Mills then wrote back, "You look cute."', "Why now?", "Clinton"),
])
def test_the_speaker_is_the_subject_of_the_quotations_own_clause(text, quote, name):
    assert dict(credits(text))[quote].name == name


def test_according_to_after_a_speaker_tag_names_who_relayed_the_words():
    attribution = only('"Is this a priority?" Omar Haddad said at a press conference, according to the Daily Sun.')
    assert (attribution.name, attribution.relayed_by) == ("Omar Haddad", "the Daily Sun")


@pytest.mark.parametrize(("text", "quote", "name"), [
    ('"October was good for her," said former Obama adviser David Axelrod.', "October was good for her,",
     "David Axelrod"),
    ('Former secretary of state Hillary Rodham Clinton: "We learned that from the department."',
     "We learned that from the department.", "Hillary Rodham Clinton"),
    ('Drivers passed a sign in Corona, which read, "Vote for the park."', "Vote for the park.", None),
    ('"Campaigns are short of money" but must advertise, says Evan Tracey, a consultant.',
     "Campaigns are short of money", "Evan Tracey"),
    # a headline's label, a passive's agent after the quotation, a surname that is also a verb
    ("De Blasio: Trust Bratton on security, not 'blowhard' Trump.", "blowhard", "De Blasio"),
    ('The feature has been called "strategic ambiguity" by Joshua Hendrick, a professor.', "strategic ambiguity",
     "Joshua Hendrick"),
    ('"We have assessed this deal," Read said.', "We have assessed this deal,", "Read"),
    # "X of Body observed", "X, who ... Y -- said": the person, not the body or the relative clause's object
    ('As Joel Pollak of Breitbart California observed, the stage won:\n\n"The network was the winner."',
     "The network was the winner.", "Joel Pollak"),
    ('A former candidate -- John McCain, who lost the 2008 election to Obama -- said the president "offered no'
     ' changes."', "offered no changes.", "John McCain"),
    # a capitalised word is never skipped as an adverb; a state's abbreviation does not end the sentence
    ('Will described Trump as a "caricature of democracy."', "caricature of democracy.", "Will"),
    ('Sen. Ted Cruz (Tex.) has said that he would "carpet-bomb them into oblivion."',
     "carpet-bomb them into oblivion.", "Ted Cruz"),
    # a fuller name than the text's earlier mention is kept; a document credits whoever it is from
    ('Sen. Reid spoke first. Ron Reid, a pastor, told agents to "back off."', "back off.", "Ron Reid"),
    ('"We will win," according to a statement from Nora Diaz.', "We will win,", "Nora Diaz"),
    # an indefinite description is someone the text has not named
    ('Senator Ana Diaz, a Democrat, spoke. The mood was "rattled," one Democrat familiar with the talks said.',
     "rattled,", None),
    # a speech noun's content clause, and a paraphrase tagged in the sentence before
    ('She came under fire over her assertion during the debate that "we are where we need to be" on it.',
     "we are where we need to be", None),
    ('Ana Ruiz spoke last. Lies spread fast, she said. Good information wins only when "the truth is sexier'
     ' than the lie."', "the truth is sexier than the lie.", "Ana Ruiz"),
    ('Aide Omar Diaz said Monday that Rubio\'s claim that Cruz backs amnesty is "simply not true."',
     "simply not true.", "Omar Diaz"),
    # the subject of the clause the quotation is in, after ", while" / ", and"
    ('Gov. Ada Lind on Monday signed an order, while Mike Huckabee, the former governor, proposed we "wake up and'
     ' smell the coffee" and left.', "wake up and smell the coffee", "Mike Huckabee"),
    ('Clinton testified before Congress, and Sen. Ron Johnson (R-Wis.) kept asking her why the department had'
     ' tied the attack to "spontaneous" protests.', "spontaneous", "Ron Johnson"),
    # a quotation ending its sentence inside the marks ends it: the next sentence has its own subject
    ('Nora Diaz said that "they are going to people." A campaign official later walked back the comments,'
     ' saying that she "had no particular video in mind."', "had no particular video in mind.", None),
])
def test_role_words_relative_which_and_a_sentence_running_on_after_the_quotation(text, quote, name):
    found = dict(credits(text))[quote]
    assert (found.name if found else None) == name


def test_a_credit_inside_a_title_case_headline_is_marked_weak():
    [(_, attribution)] = credits('Singer Ana Lopez Got Real About Being Called "A Real Woman"\n\nShe spoke on Monday.')
    assert attribution.via == "headline"
