"""Cue lexicons for :mod:`cmalt_qa.feedback`, kept as data.

Each entry is a regular-expression fragment matched case-insensitively against one
lower-cased clause of an assessor's comment. The rule engine in ``feedback.py`` reads
these tables only; changing what the reader recognises means editing this file.

Sources of the wording: the CMALT assessment form's guidance on feedback, the Senior
CMALT guidelines' definitions of description, evidence and reflection, and the labelling
definitions of issue 17 (see ``docs/feedback.md``).
"""

from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------- elements
#: Words and paraphrases that name each element (what a clause is about).
ELEMENT_CUES: Final[dict[str, tuple[str, ...]]] = {
    "description": (
        r"\bdescri(?:be|bes|bed|bing|ption|ptions)\b",
        r"\bcontext(?:ual)?\b",
        r"\bbackground\b",
        r"\bsetting\b",
        r"\byour (?:own |personal )?(?:role|contribution|part|responsibilit(?:y|ies))\b",
        r"\b(?:what |the )?part you played\b",
        r"\byour (?:current )?(?:post|job|position)\b",
        r"\bwho (?:the|this|your) (?:course|module|programme|project|training|session|resource)s? (?:was|were|is|are) for\b",
        r"\bhow (?:it|this|they) (?:was|were) (?:delivered|run|organised|set up)\b",
        r"\boutline of (?:the|your) (?:institution|organisation|context|project|activity|work)\b",
        r"\bwho did what\b",
        r"\bfirst person\b",
        r"\bwhat (?:was|you) (?:actually |personally )?(?:did|done|do|contributed)\b",
        r"\bwhat (?:the|this|your) (?:project|work|activity|initiative|intervention|course|programme) (?:involved|was about|entailed|was|is)\b",
        r"\bsteps you took\b",
        r"\b(?:account|outline|overview) of (?:what|the (?:project|activity|work))\b",
        r"\bthe activit(?:y|ies)\b",
    ),
    "evidence": (
        r"\bevidenc\w*",
        r"\bartef?acts?\b",
        r"\bscreen[- ]?(?:shots?|grabs?|captures?)\b",
        r"\btestimonials?\b",
        r"\bwitness statements?\b",
        r"\bappendi(?:x|ces)\b",
        r"\b(?:hyper)?links?\b",
        r"\burls?\b",
        r"\b(?:video|recording|image|photo|certificate|attachment|attached|spreadsheet|pdf|folder|website|web ?page|document|file)s?\b",
        r"\bbacked up\b|\bsubstantiat\w*|\bsupporting (?:documents?|material|items?)\b",
        r"\b(?:padlet|sharepoint|onedrive|dropbox|google drive|youtube|intranet)\b",
        r"\b(?:survey results|session plan|attendance record|policy document|minutes)\b",
        r"\b(?:mentioned|referred to|referenced) in the (?:text|narrative)\b",
        r"\byou (?:refer|referred) to\b",
        r"\byou mention\b",
    ),
    "reflection": (
        r"\breflect\w*",
        r"\bcritical(?:ly)?\b",
        r"\banaly(?:se|sed|ses|sing|sis|ze|zed|zing|tical|tically)\b",
        r"\bevaluat\w*",
        r"\bapprais\w*",
        r"\bcritique\b",
        r"\bwhat went\b",
        r"\b(?:your|the|their) thinking\b",
        r"\btaught you\b",
        r"\b(?:made|make|makes) a difference\b",
        r"\bwhy (?:it|this|that) mattered\b",
        r"\bwhat (?:will|would|might) you (?:change|do)\b",
        r"\b(?:same way|do it|do this) again\b",
        r"\bwhat (?:does|did|do) (?:it|this|that|they) tell you\b",
        r"\bstep back\b",
        r"\bin hindsight\b",
        r"\bnext steps\b",
        r"\byour (?:own )?(?:view|views|opinion|judgement|judgment|values|beliefs|development|growth|learning)\b",
        r"\bhow (?:successful|effective|well) (?:it|this|they|the \w+) (?:was|were|is|are|went|worked)\b",
        r"\b(?:drawbacks|shortcomings|weaknesses|pros and cons|trade-offs)\b",
        r"\blook(?:ing)? back\b|\bso what\b|\bquestioning\b|\blong-term\b",
        r"\b(?:value|benefit|effect|effects|consequences?|difference) (?:to|for|on) (?:learners|students|staff|colleagues|users|you|your|the learners|them)\b",
        r"\bwhat (?:you|they) made of\b|\bbuild on\b",
        r"\bmeant (?:for|to) (?:you|your)\b",
        r"\bdone (?:better|differently)\b",
        r"\bshaped? (?:your|the way)\b",
        r"\bimpact\b",
        r"\binsight\w*",
        r"\bdepth\b",
        r"\bwhat (?:you|they) (?:have )?(?:learn(?:ed|t)?|took from)\b",
        r"\blearn(?:ed|t|ing)? from\b",
        r"\blessons?\b",
        r"\byour (?:own )?practice\b",
        r"\bthe way you work\b",
        r"\bdifferently\b",
        r"\b(?:do|change) (?:next time|if you (?:did|ran|do))\b",
        r"\bevolve[sd]?\b",
        r"\bhow (?:students|learners|participants|staff|colleagues|users|it) (?:responded|reacted|were affected|was received)\b",
        r"\bwhat this tells you\b",
        r"\bwhat it meant\b",
        r"\boutcomes?\b",
        r"\blimitations\b",
        r"\b(?:challenges|difficulties) you (?:faced|encountered|met)\b",
        r"\bwhat worked\b",
        r"\bthe why\b",
        r"\bthought process\b",
    ),
}

# --------------------------------------------------------------------------- rewrites
#: Phrases that settle the element themselves and are then blanked out of the clause so
#: their words do not count again. ``None``: the phrase names no element (e.g. "reflect
#: current practice" is about how recent evidence is, not about reflection).
FIXED_PHRASES: Final[tuple[tuple[str, str | None], ...]] = (
    # "Largely descriptive" is reflection lacking, not description (labelling definition).
    (
        r"\b(?:largely|mainly|mostly|purely|too|very|overly|primarily|rather|essentially|wholly|entirely)\s+descriptive\b",
        "reflection",
    ),
    (r"\bdescri\w* rather than (?:reflect|analys)\w*", "reflection"),
    (r"\btendency to describe\b", "reflection"),
    (
        r"\brather than (?:an? )?(?:reflection|reflective\w*|critical\w*|analys\w*|evaluat\w*)",
        "reflection",
    ),
    (
        r"\b(?:beyond|more than) (?:simply |just |merely )?(?:summar\w+|describ\w+|listing|recounting|narrating|reporting)\b",
        "reflection",
    ),
    (
        r"\breads (?:mainly |mostly |largely )?(?:as|like) (?:a |an )?(?:description|account|narrative|report|summary|list|log|diary|chronology)\b",
        "reflection",
    ),
    (
        r"\b(?:narrative|description|account|list|chronology) of (?:events|activities|what happened)\b",
        "reflection",
    ),
    (
        r"\brather than (?:simply |just |merely )?(?:listing|describing|a list|a narrative|narrating)\b[^,;]*",
        "reflection",
    ),
    (
        r"\b(?:simply|merely|just|only) (?:lists?|listing|describ\w+|restat\w+)\b[^,;]*",
        "reflection",
    ),
    (r"\brestat\w+ (?:the )?descri\w+", "reflection"),
    (r"\btells us what happened\b", "reflection"),
    # "evidence of critical reflection": reflection, not the evidence element.
    (
        r"\bevidence (?:of|that) (?:\w+ ){0,2}(?:reflect|critical|analys|think|learn)\w*",
        "reflection",
    ),
    (r"\breflects? (?:your )?(?:current|recent|up-to-date|present) practice\b", None),
    # "the work described": the described work, not a request for description
    (
        r"\b(?:work|project|activity|activities|example|examples|changes?|initiative|practice) (?:that )?(?:you )?(?:have )?(?:described|describe)\b",
        None,
    ),
    (r"\bwhat (?:did not|didn't|did n't) (?:go well|work)\b", None),
    # what is left after "rather than" is the current state, not a request; the phrase
    # itself says something is lacking ("" = a lack with no element of its own)
    (r"\brather than\b.*$", ""),
)

# --------------------------------------------------------------------------- cues
#: The comment asks for something (hedged or not).
REQUEST_CUES: Final[tuple[str, ...]] = (
    r"\bplease\b",
    r"\b(?:could|might|may|should) (?:also )?(?:wish to |like to |want to )?(?:consider|reflect|add|include|expand|strengthen|enhance|improve|develop|discuss|explain|clarify|provide|describe|think|say|draw|give|outline)\b",
    r"\b(?:could|would|might) be (?:further )?(?:enhanced|improved|strengthened|helpful|useful|good|beneficial|stronger|clearer)\b",
    r"\bwould (?:benefit|help|strengthen|enhance|improve)\b",
    r"\bbenefit from\b",
    r"\b(?:should|must|needs?|needed|need to|required|requires?)\b",
    r"\bwe would (?:like|encourage|suggest|expect|welcome)\b",
    r"\bwould have liked\b|\bwould like to see\b|\bwe'd like\b",
    r"\b(?:and|then|also) (?:consider|reflect|explain|describe|discuss|add|include|provide|say)\b",
    r"\b(?:encourage|suggest|recommend)\w*\b",
    r"\bit would be (?:good|helpful|useful|nice|interesting|valuable)\b",
    r"\b(?:more|further|deeper|fuller|stronger|clearer|additional|greater)\b",
    r"\bstrengthen\w*\b",
    r"\bimprov\w+\b",
    r"\benhance\w*\b",
    r"\benrich\w*\b",
    r"\b(?:expand|elaborate) on\b",
    r"\b(?:say|tell us) more\b",
    r"^(?:to pass this section,? )?(?:consider|add|include|provide|expand|explain|describe|reflect|discuss|clarify|give|say|outline|think|try|draw|rewrite|revise)\b",
    r"\bto pass\b",
)

#: The comment states that something is absent, weak or unusable.
LACK_CUES: Final[tuple[str, ...]] = (
    r"\black\w*",
    r"\bmissing\b",
    r"\babsent\b",
    r"\b(?:thin|weak|brief|limited|superficial|shallow|sparse|vague|generic|dated|unclear|unconvincing|insufficient|inadequate|minimal|cursory|patchy)\b",
    r"\b(?:little|no|none|nothing)\b",
    r"\bnot\b",
    r"n't\b",
    r"\b(?:unable|cannot|unreadable|illegible|blurr?ed|blurry|broken|inaccessible|restricted|private)\b",
    r"\b(?:log-?in|password|permissions?|request access)\b",
    r"\bintranet\b",
    r"\bpage not found\b|\berror\b",
    r"\btoo (?:small|brief|short|low|vague|general|thin|old)\b",
    r"\blow[- ]resolution\b",
    r"\bsurface\b",
    r"\bhard to (?:follow|tell|see|understand|read|find|open)\b",
    r"\bonly available\b",
    r"\bbehind a\b",
    r"\bcould not\b|\bunable to\b",
    r"\bneeds? work\b",
    r"\blight on\b|\bheavy on\b|\bleft guessing\b|\bsketch\w*|\bnot drawn out\b",
    r"\bdifficult\b|\bhard\b|\bsign-?in\b",
    r"\b(?:unavailable|blank|empty|cropped|corrupt\w*|expired|unsure|uncertain)\b",
    r"\b(?:stops|stopped|falls|fell) short\b",
    r"\bcannot tell\b|\bcan't tell\b",
    r"\bwithout\b",
    r"\bis not\s*[.!]?$",
)

#: Praise: a clause that praises and asks for nothing is not a lack, even when it says
#: "not" somewhere ("the honest reflection on what did not go well").
PRAISE_CUES: Final[tuple[str, ...]] = (
    r"\b(?:excellent|strong|strength|insightful|thoughtful|honest|impressive|impressed|mature|lovely|outstanding|exemplary|engaging|compelling|comprehensive|robust)\b",
    r"\b(?:appreciated|enjoyed|pleased|liked|valued)\b",
    r"\bwell[- ](?:chosen|described|evidenced|reflected|written|structured|presented|curated|balanced|referenced|explained|argued|selected|supported)\b",
    r"\b(?:very|really|particularly) well\b",
    r"\b(?:good|great|useful|relevant|clear|credible|adequate|appropriate)\b",
    r"\breflective (?:account|section|practice|practitioner|commentary|and)\b",
    r"\bgenuinely\b",
    r"\bmeets the criteria\b",
)

#: The comment says a problem has been put right: nothing lacking from that clause or
#: the clauses before it in the sentence. Not in a negated clause ("No evidence has
#: been supplied"): see :data:`NEGATION`.
RESOLVED_CUES: Final[tuple[str, ...]] = (
    r"\b(?:has|have) (?:now )?been (?:fixed|corrected|resolved|addressed|added|rectified|updated|repaired|remedied|amended|supplied|included)\b",
    r"\bnow (?:works?|opens?|loads?|accessible|includes?|meets?|present|explains?|provides?|clear)\b",
    r"\b(?:opens?|works?) (?:correctly|properly) now\b",
    r"\bthank you for (?:adding|fixing|correcting|addressing|including|updating|providing|clarifying)\b",
    r"\byou have (?:now )?(?:added|addressed|fixed|corrected|clarified|rectified|updated|resolved)\b",
    r"\byou have now (?:included|provided|explained)\b",
    r"\baddress(?:es|ed) (?:our|the) (?:earlier |previous |original )?(?:concern|feedback|comment|point)s?\b",
    r"\bno longer\b",
    r"\b(?:has|have) (?:now )?been (?:replaced|reinstated|restored|re-?uploaded|re-?shared|opened|made (?:public|available|accessible))\b",
)

#: About something other than the three elements: presentation, navigation, file
#: naming, captions, length, spelling, referencing style, format. A clause with one of
#: these is neutral (labelling definitions: naming, navigation and captions on evidence
#: the assessors could see are not evidence lacking).
PRESENTATION_CUES: Final[tuple[str, ...]] = (
    r"\bfile ?names?\b|\bnam(?:ing|ed)\b|\brenam\w+",
    r"\bcaptions?\b",
    r"\bnavigat\w+",
    r"\bheadings?\b|\bsub-?headings?\b",
    r"\bnumbering\b|\bpage numbers?\b",
    r"\b(?:table of )?contents(?: page)?\b",
    r"\bfonts?\b|\blayout\b|\bcolou?r\b|\bappearance\b",
    r"\bword (?:count|limit|guidance)\b|\bwords\b",
    r"\btypo\w*|\bspelling\b|\bgrammar\b|\bproofread\w*",
    r"\breferenc\w+ style\b",
    r"\bsingle (?:pdf|file|document)\b|\bformatting\b|\bformatted\b|\bconvert\w*",
    r"\bnumber (?:your|the) (?:appendi|page|section|heading|figure)\w*",
    r"\b(?:same|new) (?:tab|window)\b",
    r"\bprose\b|\bwriting style\b|\btighten\w*|\bwordy\b|\bverbose\b",
    r"\bease of (?:reading|use)\b|\beasier to (?:read|find|navigate|follow)\b",
)

#: A whole section is absent (lacks all three elements). Used only when the clause names
#: no element itself ("Evidence for this section is missing" is evidence only).
ABSENT_SECTION_CUES: Final[tuple[str, ...]] = (
    r"\b(?:section|area|option)\b[^;]*\b(?:missing|absent|omitted|left blank|not (?:been )?(?:included|submitted|completed|provided|attempted))\b",
    r"\bno (?:section|core area|specialist area|advanced area)\b",
    r"\b(?:section|area|option)\b[^;]*\bnot (?:part of|in|present in|there)\b",
    r"\bnothing (?:under|in|for) (?:core area|section|specialist area|advanced area|area)\b",
    r"\bnot (?:contain|include|have)s? (?:the |a |an |any )?(?:\w+ ){0,2}(?:section|area|option)\b",
    r"\bnot (?:completed|included|submitted|provided|attempted) (?:the|a|your) (?:\w+ )?(?:section|area|option)\b",
)

# --------------------------------------------------------------------------- synthetic
#: Sentences for synthetic comments (:func:`cmalt_qa.feedback.synthetic_comments`): for
#: each element, ways of saying it is lacking and ways of praising it. Plumbing test
#: data only: the reader's accuracy is measured on the hand-written labelled set.
SYNTHETIC_LACKING: Final[dict[str, tuple[str, ...]]] = {
    "description": (
        "Please make clear what your own role was in this work.",
        "The section would benefit from more context about your setting and learners.",
        "It is not clear what was actually done; please describe the activity more fully.",
    ),
    "evidence": (
        "The link to the evidence does not open; please provide an accessible copy.",
        "Please provide evidence to support the claims made in this section.",
        "The screenshots are too small to read.",
    ),
    "reflection": (
        "This section would be improved by deeper reflection on the impact on your learners.",
        "The account is largely descriptive; you may wish to consider what you would do differently.",
        "Please reflect on what you learned and how your practice has changed as a result.",
    ),
}
SYNTHETIC_PRAISE: Final[dict[str, tuple[str, ...]]] = {
    "description": ("The description of your role is clear.", "The context is well described."),
    "evidence": ("The evidence is well chosen.", "The evidence is relevant and clearly explained."),
    "reflection": ("The reflection is thoughtful.", "A genuinely reflective account."),
}

#: Negation that stops a clause from reading as "put right".
NEGATION: Final[str] = r"\b(?:no|not|none|nothing|never)\b(?! longer)|n't\b"
