"""What each step is for and what good looks like, in Mend's own words."""

from cases.choices import Step

GUIDANCE = {
    Step.ACKNOWLEDGE: {
        "why": "Own it first. Whoever caused it, the client's problem is now ours to "
        "solve, and the sooner your manager knows, the more help you can get.",
        "good": [
            "Logged the day you heard of it, with the facts rather than excuses.",
            "Where the failure came from, and honestly, what part we played.",
            "Everyone at the client it touched, so nobody is forgotten later.",
            "A quick word to everyone affected at once, within a business day at "
            "the latest: we know, it is ours to put right, and when they will hear "
            "more. Log it here with them ticked; Mend counts the hours for each.",
            "Not the full apology yet: that comes once they have seen the fix, "
            "when it can be specific.",
        ],
    },
    Step.ROOT_CAUSE: {
        "why": "Take a pit stop before fixing anything. Listen first: the client's "
        "idea of the real problem may be far from ours.",
        "good": [
            "Every question answered honestly, with a note where the answer is not a "
            "plain yes.",
            "The client's view written in their words, beside ours.",
            "How they feel about it: annoyed, embarrassed in front of their boss, "
            "worried about their own deadline.",
            "Open questions, no blame and no defending ourselves.",
        ],
    },
    Step.OPTIONS: {
        "why": "Go to the client with ways out, not just an apology. Brainstorm widely "
        "before picking.",
        "good": [
            "Several options: another source even at a loss, a loaner, moving a "
            "delivery that has slack, a substitute, part now and the rest later.",
            "For each: what it costs us, how long it takes, how sure it is.",
            "The ones you will offer marked as chosen.",
        ],
    },
    Step.COMMUNICATE: {
        "why": "Reach the client before the damage grows. Talk first, write after: "
        "an email is a record, so promise in it only what you will deliver.",
        "good": [
            "A call or a meeting, then a written confirmation.",
            "Every contact logged with what was said and how they took it.",
            "Your manager in the conversation only where they add something.",
            "Never go over the client's head to their boss without their permission.",
        ],
    },
    Step.APOLOGISE: {
        "why": "Now that the client has seen the fix, say sorry properly. We "
        "listened first because the relationship goes on, and a specific apology "
        "after listening lands better than a quick one before. Do not let it "
        "drift: every day it waits costs goodwill the fix had won back.",
        "good": [
            "It names how they were affected, in their terms: that counts for more "
            "than anything else in an apology.",
            "It owns our part plainly, with no excuses and no blaming the supplier, "
            "the weather or their side.",
            "It comes with the fix in front of them, so the words have something "
            "behind them.",
            "Every affected person apologised to, not only the main contact, "
            "and soon after the fix was presented.",
            "For the company when the company failed; personally when you did.",
            "Closed with a real question: will you forgive us?",
        ],
    },
    Step.COMPENSATE: {
        "why": "Leave the client better off than before the failure. The best "
        "remedies are worth a lot to them and cost us little.",
        "good": [
            "An offer at or above the guideline: what keeping this client is worth.",
            "Training, an upgrade or a service before a refund, where it suits them.",
            "Your manager's approval before delivering anything above the threshold.",
            "If nothing is due, the decision and its reason written down.",
        ],
    },
    Step.FOLLOW_UP: {
        "why": "Trust comes back through what we do next, over weeks, not through "
        "one good meeting. Every small promise counts now.",
        "good": [
            "A follow-up date agreed with the client, and regular progress reports.",
            "Every promise in the ledger kept, and marked so.",
            "Stay here until you can judge the relationship recovered, or not.",
        ],
    },
    Step.CLOSED: {
        "why": "Learn, or the lesson repeats. A cause that keeps coming back is a "
        "problem in how we work; a client we keep failing may not be a fit.",
        "good": [
            "The outcome as it is, not as we hoped.",
            "Lessons someone else can act on next time.",
        ],
    },
}

# The written confirmation's card (Communicate until the case closes).
CONFIRMATION_GUIDANCE = {
    "why": "Put the call in writing while it is fresh. The client will keep this "
    "email and hold us to every word, so write down only what we will do, by a "
    "date that is ours to keep.",
    "good": [
        "Sent the same day as the call, to everyone the dropped ball touched.",
        "In plain words: what happened, what we agreed, what comes next.",
        "Each promise with its date, and only dates we control: not a supplier's, "
        "not another team's, unless they have said yes.",
        "A buffer in every date; an early delivery pleases, a late one is a "
        "second drop.",
        "No excuses and no blame; the full apology comes once they have seen the fix.",
    ],
}

# A second failure for the client (Case.damage_guidance): the goodwill of the
# first recovery is spent, and a second good recovery will not win them over
# the way the first could. The aim is to limit the damage, and the two moves
# that show the client it is taken seriously come first in every step.
DAMAGE_FIRST = [
    "Ask your sales manager to join the next call or meeting: after a second "
    "failure the client needs to hear it from someone who can commit the company.",
    "Ask the client whether our manager may speak with their boss too, and do "
    "it only with their yes: their boss may already be asking why we keep failing.",
]

DAMAGE_GUIDANCE = {
    Step.ACKNOWLEDGE: {
        "why": "This client has been let down before, and recently or in the same "
        "way. Do not expect a second recovery to win them over: limit the damage, "
        "fast, and with your manager beside you.",
        "good": [
            *DAMAGE_FIRST,
            "The earlier case read first: what we promised then, and what we learned.",
            "An acknowledgement today that says we know it is not the first time.",
        ],
    },
    Step.ROOT_CAUSE: {
        "why": "A failure that repeats means the first lesson did not hold. Find "
        "out why before promising anything new.",
        "good": [
            *DAMAGE_FIRST,
            "The answers set beside the earlier case's: what is the same this time?",
            "The client's view in their words, including how often they feel let down.",
        ],
    },
    Step.OPTIONS: {
        "why": "Offer only what is sure. A third broken promise would end the "
        "relationship, so a modest fix we can keep beats a bold one we might not.",
        "good": [
            *DAMAGE_FIRST,
            "Options we control from end to end, with a buffer in every date.",
            "Another source or extra people, even at a loss, where that makes it sure.",
        ],
    },
    Step.COMMUNICATE: {
        "why": "Talk in person, soon, and with your manager on the call. The "
        "client is judging whether we can be trusted at all, not this one fix.",
        "good": [
            *DAMAGE_FIRST,
            "Say plainly that it is the second time, and that we know what it "
            "costs them.",
            "Write down only what we will certainly do, and by when.",
        ],
    },
    Step.APOLOGISE: {
        "why": "A second apology is heard with doubt. Keep it short and specific, "
        "and back it with what is already done, not with more promises.",
        "good": [
            *DAMAGE_FIRST,
            "Name both failures: pretending this is the first one sounds careless.",
            "Everyone affected, and on behalf of the company: it failed twice.",
        ],
    },
    Step.COMPENSATE: {
        "why": "Compensation will not buy back the goodwill, but too little now "
        "confirms what the client suspects. Make it clearly fair, and deliver it fast.",
        "good": [
            *DAMAGE_FIRST,
            "At or above the guideline, agreed with your manager.",
            "Delivered quickly: a late compensation would be a third failure.",
        ],
    },
    Step.FOLLOW_UP: {
        "why": "Check in more often than usual and keep every small promise: the "
        "client is watching for the next slip.",
        "good": [
            *DAMAGE_FIRST,
            "Follow-ups close together, with your manager on at least one.",
            "An honest verdict at the end: a client we keep failing may not be a fit.",
        ],
    },
}


def guidance_for(case) -> dict:
    """The current step's guidance: limiting the damage for a second failure
    (unless a manager overrode it), else the usual."""
    step = Step(case.step)
    if case.damage_guidance and step in DAMAGE_GUIDANCE:
        return {**DAMAGE_GUIDANCE[step], "damage": True}
    return GUIDANCE[step]
