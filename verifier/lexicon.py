"""Word lists for attribution: speech cues, titles, role nouns, pronouns, first names.

General English lists only; nothing here is keyed to particular articles.
"""

from __future__ import annotations

import re

# Verbs that introduce or tag speech, by base form. Regular inflections are
# generated; irregular ones are listed in _IRREGULAR.
_CUE_BASES = """
say tell add write call ask reply remark explain respond argue conclude continue note
describe assure boast declare promise state suggest exclaim pledge cite warn post complain
allege thank observe blast publish elaborate answer confess offer acknowledge claim protest
reference lament echo reiterate repeat joke grouse assert chant shout react testify denounce
accuse vow credit hint insist express criticize criticise recall question quote blame praise
tweet retweet report comment caution counter contend maintain admit announce charge concede
insist mention muse predict recount reflect reveal scoff sigh snap stress tease urge vent
whisper yell scream mutter murmur quip retort rebut demand deny emphasize emphasise estimate
explain fume gush opine pronounce proclaim quibble rail recommend reason respond rule
speculate spell summarize summarise swear taunt theorize threaten underscore wonder worry
write email text message interject interrupt begin conclude cry lash jab mock needle slam
rip tout trumpet hail laud applaud decry bemoan bewail grumble gripe huff insinuate imply
indicate inform instruct interrupt joke lecture marvel object plead point pontificate pray
preach press prod push query recollect relate remind remark repeat reply report request
retort reassure rejoin scold shrug sneer speak stammer stutter submit suggest sum tell
testify thunder vouch wail warn wisecrack affirm advise agree disagree allow complain
confirm declare describe dismiss explain hit fire shoot volunteer concur read
""".split()

_IRREGULAR = {
    "say": ["said", "says", "saying", "say"],
    "tell": ["told", "tells", "telling", "tell"],
    "write": ["wrote", "writes", "writing", "written", "write"],
    "begin": ["began", "begins", "beginning"],
    "speak": ["spoke", "speaks", "speaking"],
    "swear": ["swore", "swears", "swearing"],
    "hit": ["hit back", "hits back", "hitting back"],
    "fire": ["fired back", "fires back", "firing back"],
    "shoot": ["shot back", "shoots back"],
    "rip": ["ripped", "rips", "ripping"],
    "slam": ["slammed", "slams", "slamming"],
    "quip": ["quipped", "quips", "quipping"],
    "snap": ["snapped", "snaps", "snapping"],
    "jab": ["jabbed", "jabs"],
    "prod": ["prodded", "prods"],
    "cry": ["cried", "cries", "crying"],
    "reply": ["replied", "replies", "replying"],
    "testify": ["testified", "testifies", "testifying"],
    "deny": ["denied", "denies", "denying"],
    "query": ["queried", "queries"],
    "worry": ["worried", "worries"],
    "theorize": ["theorized", "theorizes", "theorizing"],
    "sum": ["summed up", "sums up"],
    "spell": ["spelled out", "spells out"],
    "point": ["pointed out", "points out", "pointing out"],
    "lash": ["lashed out", "lashes out"],
    "rule": ["ruled"],
    "call": ["called", "calls", "calling"],
    "post": ["posted", "posts", "posting"],
    "text": ["texted"],
    "email": ["emailed", "emails"],
    "message": ["messaged"],
    "press": ["pressed"],
    "push": ["pushed back"],
    "sigh": ["sighed"],
    "object": ["objected"],
    "allow": ["allowed"],
    "agree": ["agreed", "agrees"],
    "disagree": ["disagreed", "disagrees"],
    "concur": ["concurred"],
    "reason": ["reasoned"],
    "counter": ["countered", "counters"],
    "read": ["read", "reads"],
}


def _regular_forms(base: str) -> list[str]:
    """Return base, -s, -ed and -ing forms of a regular verb."""
    if base.endswith("e"):
        return [base, base + "s", base + "d", base[:-1] + "ing"]
    if base.endswith("y") and base[-2] not in "aeiou":
        return [base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"]
    if base.endswith(("sh", "ch", "ss", "x")):
        return [base, base + "es", base + "ed", base + "ing"]
    return [base, base + "s", base + "ed", base + "ing"]


def _cue_forms() -> frozenset[str]:
    forms: set[str] = set()
    for base in _CUE_BASES:
        forms.update(_IRREGULAR.get(base) or _regular_forms(base))
    # Forms that are too often ordinary nouns or non-speech verbs to count on their own.
    forms -= {"post", "posts", "text", "message", "point", "press", "sum", "fire", "hit", "shoot",
              "rule", "state", "states", "object", "objects", "question", "questions", "answer",
              "answers", "reason", "reasons", "comment", "comments", "report", "reports", "quote",
              "quotes", "counter", "demand", "demands", "estimate", "estimates", "request", "requests",
              "charge", "charges", "credit", "credits", "call", "calls", "record", "note", "notes",
              "spell", "echo", "echoes", "blast", "blasts", "worry", "worries", "cry", "cries",
              "retort", "retorts", "plead", "pleads", "push", "joke", "jokes", "react",
              "reacts", "submit", "allow", "allows", "agree", "disagree", "concur", "advise",
              "wonder", "wonders", "thunder", "wail", "sigh", "shrug", "shrugs", "speak",
              "begin", "begins", "beginning", "rip", "rips", "swear", "mock", "trumpet",
              "tout", "needle", "pray", "preach", "lecture", "relate", "slam", "jab", "tease"}
    return frozenset(forms)


CUE_VERBS: frozenset[str] = _cue_forms()

# Multiword cues, matched before single verbs (lowercase, single spaces).
CUE_PHRASES: tuple[str, ...] = (
    "according to", "in the words of", "as put it", "made clear", "made it clear",
    "made very clear", "made it very clear", "makes clear", "making clear", "went on",
    "goes on", "put it", "puts it", "weighed in", "chimed in", "followed up",
)

# Words that may sit between a speaker and the cue ("Reid also said", "he has long argued").
ADVERBS = frozenset("""
also later then further again previously recently once repeatedly has have had would will
could may might did does do was were is are been be had then reportedly publicly privately
later earlier quickly simply bluntly flatly often frequently famously since long initially
first finally subsequently recently angrily calmly softly quietly emphatically tearfully
sarcastically jokingly proudly confidently just only never always still even
already clearly
""".split())

PRONOUNS = {
    "he": "m", "him": "m", "she": "f", "her": "f", "they": "p", "them": "p", "i": "1",
    "we": "p", "it": "n", "you": "2",
}
PRONOUN_CONTRACTIONS = ("'s", "’s", "'d", "’d", "'ve", "’ve", "'ll", "’ll", "'re", "’re", "'m", "’m")

DETERMINERS = frozenset("the a an this that one another his her their its our some several "
                        "two three four many these those each".split())

# Capitalised words that start a sentence or a name-like run without being a name.
STOP_CAPS = frozenset("""
The A An And But Or So Yet For Nor As At By In On Of To With From Into Over Under After Before
During Since Until While When Where Why How What Who Which That This These Those There Here Then
Now Still However Meanwhile Also Asked Earlier Later Last Next Yesterday Today Tomorrow Tonight
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December If Though Although Because Even Just Only Not
No Yes It Its He She They We I You His Her Their Our My Your Him Them Us Me Some Many Most All
Both Each Every Any Another Other Such Indeed Instead Speaking Talking Writing According Like
Unlike Despite Amid Among Against Through Throughout Without Within Upon About Above Below
Once Twice Again Perhaps Maybe Well Oh Sources Source Officials Critics Supporters Democrats
Republicans Americans Speaking
""".split())

# Words that make a capitalised run a title or role, removed from a person's name.
TITLES = frozenset("""
president vice former sen senator rep representative gov governor secretary leader minority
majority house senate speaker chairman chairwoman chair director deputy assistant attorney
general gen col lt capt sgt adm admiral commissioner mayor judge justice chief executive
ceo cfo press spokesman spokeswoman spokesperson ambassador minister prime pm prince princess
king queen pope rev reverend father sister brother dr mr mrs ms miss prof professor sheriff
officer detective agent candidate nominee hopeful congressman congresswoman councilman
councilwoman council member democratic republican democrat gop sec state homeland security
defense treasury commerce labor energy education interior justice department dept
white national committee campaign manager strategist adviser advisor aide counselor
lawyer attorney founder chairman ceo anchor host correspondent editor columnist author
first lady gop rnc dnc dhs fbi cia nsa doj epa us u.s. u.s uk u.n. un eu nato army navy
air force marine corps coach captain mrs. mr. ms. dr. sen. rep. gov. gen. lt. col. sgt.
adm. capt. prof. rev. st. the of for and
""".split())

# Lowercase heads of noun phrases that name people by role ("the spokesman said").
ROLE_NOUNS = frozenset("""
spokesman spokeswoman spokesperson official officials aide aides adviser advisers advisor
senator congressman congresswoman lawmaker lawmakers president candidate nominee governor
mayor secretary leader director chairman chairwoman chair attorney lawyer prosecutor judge
justice sheriff officer chief commissioner minister ambassador analyst expert strategist
advocate activist source sources person man woman executive founder manager organizer
democrat republican statement spokespeople representative rep staffer staffers agent agents
investigator investigators economist professor scientist researcher author writer columnist
editor reporter host anchor businessman businesswoman billionaire mogul star player coach
owner resident residents voter voters supporter supporters critic critics member members
pastor priest bishop rabbi imam doctor physician nurse teacher student father mother son
daughter wife husband friend neighbor neighbour witness victim police campaign committee
group organization agency department administration office newspaper paper network magazine
report study survey poll website outlet editorial board union
""".split())

# Heads of noun phrases that name a document or message credited as written ("the complaint alleged").
DOCUMENT_NOUNS = frozenset("""
complaint lawsuit suit email e-mail letter memo memorandum headline tweet post ad advertisement video
photo resolution ruling filing petition indictment transcript release footnote message sign caption
document opinion readout book article story column essay blog page statement report study survey
poll editorial website site verdict decision order motion brief affidavit notice announcement
""".split())

# Heads that name a body rather than a person (credited as written, "the White House").
INSTITUTION_HEADS = frozenset("""
house department administration campaign committee office agency ministry pentagon kremlin
party court council board union association group network newspaper paper magazine times post
news journal network cnn fox msnbc nbc abc cbs reuters ap press bureau service company
corporation inc team coalition foundation institute center centre university college
organization organisation government senate congress commission
""".split())

MALE_FIRST = frozenset("""
john james robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan
henry douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald
harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan
albert willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason philip
louis barack bernie ted marco jeb ben chris mike rand rick lindsey mitch harry josh jeh newt
bill al dick rudy rahm reince sean jim tom bob dan steve tim greg jon rob matt nick pete ken
ron bernard
""".split())

FEMALE_FIRST = frozenset("""
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather
diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn
janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly
isabella theresa diana natalie brittany charlotte marie kayla alexis lori hillary carly
michele elizabeth debbie condoleezza valerie huma jen kellyanne sarah loretta janet
""".split())

HONORIFIC_GENDER = {"mr": "m", "mr.": "m", "mrs": "f", "mrs.": "f", "ms": "f", "ms.": "f", "miss": "f",
                    "sir": "m", "lady": "f", "congressman": "m", "congresswoman": "f",
                    "spokesman": "m", "spokeswoman": "f", "chairman": "m", "chairwoman": "f",
                    "businessman": "m", "businesswoman": "f"}

PARTIES = {"d": "democrat", "r": "republican", "i": "independent"}

# Common English nicknames and the given name each stands for, so "Bill Clinton" is "William J. Clinton".
_NICKNAME_GROUPS = """
william: bill billy will willy liam | robert: bob bobby rob robbie bert | richard: dick rick ricky rich
james: jim jimmy jamie | john: jack johnny jon | joseph: joe joey | thomas: tom tommy | michael: mike mikey mick
charles: chuck charlie chas | edward: ed eddie ted ned | theodore: ted teddy theo | christopher: chris kit
daniel: dan danny | david: dave davy | stephen: steve stevie | steven: steve | anthony: tony
andrew: andy drew | kenneth: ken kenny | ronald: ron ronnie | donald: don donnie | gerald: jerry gerry
jeffrey: jeff | gregory: greg | timothy: tim timmy | patrick: pat paddy | peter: pete | samuel: sam sammy
benjamin: ben benny | matthew: matt | nicholas: nick nicky | alexander: alex al | albert: al bert
alfred: al alfie | lawrence: larry | leonard: len lenny | raymond: ray | frederick: fred freddy freddie
francis: frank | franklin: frank | harold: harry hal | henry: hank harry hal | jacob: jake
jonathan: jon | joshua: josh | mitchell: mitch | nathaniel: nate nat | philip: phil | randolph: randy
randall: randy | rudolph: rudy | russell: russ | vincent: vince | walter: walt wally | zachary: zach zack
elizabeth: liz beth betty betsy libby lizzie | margaret: maggie meg peggy marge | katherine: kate kathy katie kat
catherine: cathy cate kate | kathleen: kathy | patricia: pat patty trish | jennifer: jen jenny
rebecca: becky becca | susan: sue susie | deborah: deb debbie | barbara: barb babs | victoria: vicky tori
christine: chris chrissy | christina: tina chris | alexandra: alex sasha | samantha: sam | pamela: pam
dorothy: dot dottie | eleanor: ellie nora | jacqueline: jackie | judith: judy | kimberly: kim
abigail: abby | cynthia: cindy | theresa: terri tess | teresa: terri tess | virginia: ginny
"""
NICKNAMES: dict[str, str] = {}
for _group in re.split(r"[|\n]", _NICKNAME_GROUPS):
    if ":" not in _group:
        continue
    _full, _short = _group.split(":")
    for _nick in _short.split():
        NICKNAMES.setdefault(_nick, _full.strip())
