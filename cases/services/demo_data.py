"""The demo's clients and recovery cases, as plain data. demo.py builds them.

Times are relative, so the demo always looks recent: `opened` is how many days
ago a case was logged (on a morning, unless under a day ago), `moves` the days
after opening at which it moved on (each advance, send-back and the close, in
order; 0.1 is about two and a half hours). A due date is a number of
days after the promise or follow-up was made, or FromToday(n) for one that
must sit n days from today (negative: overdue).
"""

from dataclasses import dataclass

from ..models import (
    ApologyMethod,
    BossPermission,
    Channel,
    ClientFit,
    CompensationKind,
    FailureSource,
    Feasibility,
    OnBehalf,
    OurPart,
    Outcome,
    Segment,
    Severity,
)
from ..workflow import Step


@dataclass(frozen=True)
class FromToday:
    days: int


# A follow-up that was held, but late: done a few days after its date.
FOLLOW_UP_LATE = "late"


HIGH, MEDIUM, LOW = Feasibility.HIGH, Feasibility.MEDIUM, Feasibility.LOW
IN_PERSON, CALL, WRITTEN = (
    ApologyMethod.IN_PERSON,
    ApologyMethod.CALL,
    ApologyMethod.WRITTEN,
)
COMPANY, PERSONAL = OnBehalf.COMPANY, OnBehalf.PERSONAL

# The sales manager who approves compensation and sends cases back, per team.
MANAGERS = {"Enterprise": "maria", "Midmarket": "tom"}

# team -> clients: name, segment, annual value, contacts (name, role, email, phone)
CLIENTS = {
    "Enterprise": [
        (
            "Larchmont Engineering",
            Segment.ENTERPRISE,
            "240000",
            [
                ("Helen Ward", "Head of Operations", "helen.ward", "+44 20 7946 0112"),
                ("Dev Patel", "Training Coordinator", "dev.patel", "+44 20 7946 0134"),
                (
                    "Marcus Lindqvist",
                    "CAD Team Lead",
                    "m.lindqvist",
                    "+44 20 7946 0151",
                ),
            ],
        ),
        (
            "Pellworth Insurance",
            Segment.ENTERPRISE,
            "410000",
            [
                ("Grace Okafor", "IT Director", "grace.okafor", "+44 20 7946 0208"),
                (
                    "Samuel Keane",
                    "Claims Systems PM",
                    "samuel.keane",
                    "+44 20 7946 0219",
                ),
                ("Hannah Brook", "Head of Claims", "hannah.brook", "+44 20 7946 0227"),
            ],
        ),
        (
            "Brightwater Clinics",
            Segment.ENTERPRISE,
            "150000",
            [
                (
                    "Dr Nadia Hussain",
                    "Medical Director",
                    "n.hussain",
                    "+44 161 496 0301",
                ),
                (
                    "Colin Frears",
                    "Facilities Manager",
                    "colin.frears",
                    "+44 161 496 0318",
                ),
            ],
        ),
        (
            "Oakridge County Council",
            Segment.PUBLIC,
            "90000",
            [
                (
                    "Joan Whitby",
                    "Procurement Officer",
                    "joan.whitby",
                    "+44 161 496 0402",
                ),
                (
                    "Rafael Ortiz",
                    "Digital Services Lead",
                    "r.ortiz",
                    "+44 161 496 0417",
                ),
            ],
        ),
        (
            "Corvina Labs",
            Segment.ENTERPRISE,
            "180000",
            [
                ("Ingrid Solberg", "Lab Manager", "ingrid.solberg", "+44 20 7946 0520"),
                (
                    "Tobias Reyes",
                    "Head of Purchasing",
                    "tobias.reyes",
                    "+44 20 7946 0533",
                ),
            ],
        ),
        (
            "Stanmore Hotels Group",
            Segment.ENTERPRISE,
            "120000",
            [
                ("Claire Dunmore", "Head of Events", "c.dunmore", "+44 20 7946 0640"),
                (
                    "Patrick Olsen",
                    "Group Operations Director",
                    "patrick.olsen",
                    "+44 20 7946 0655",
                ),
            ],
        ),
        (
            "Wexcombe Studios",
            Segment.ENTERPRISE,
            "70000",
            [
                (
                    "Nina Albrecht",
                    "Head of Post-Production",
                    "nina.albrecht",
                    "+44 20 7946 0712",
                ),
                ("Sol Adebayo", "Pipeline Engineer", "sol.adebayo", "+44 20 7946 0728"),
            ],
        ),
    ],
    "Midmarket": [
        (
            "Tidewell Retail",
            Segment.MIDMARKET,
            "60000",
            [
                ("Fiona Marsh", "Store Operations", "fiona.marsh", "+44 117 496 0610"),
                (
                    "Ben Adeyemi",
                    "Warehouse Supervisor",
                    "ben.adeyemi",
                    "+44 117 496 0622",
                ),
                (
                    "Carla Mendes",
                    "Quayside Store Manager",
                    "c.mendes",
                    "+44 117 496 0637",
                ),
            ],
        ),
        (
            "Kestrel Foods",
            Segment.MIDMARKET,
            "45000",
            [
                (
                    "Anita Kowalski",
                    "Finance Director",
                    "a.kowalski",
                    "+44 113 496 0705",
                ),
                ("Leo Fischer", "Operations Lead", "leo.fischer", "+44 113 496 0718"),
            ],
        ),
        (
            "Ashgrove Dental Group",
            Segment.SMALL,
            "18000",
            [
                ("Dr Maya Chen", "Practice Owner", "maya.chen", "+44 113 496 0801"),
                ("Paula Grant", "Practice Manager", "paula.grant", "+44 113 496 0812"),
            ],
        ),
        (
            "Quillfeather Publishing",
            Segment.MIDMARKET,
            "32000",
            [
                ("Owen Price", "Managing Editor", "owen.price", "+44 117 496 0904"),
                ("Rita Salgado", "Production Manager", "r.salgado", "+44 117 496 0916"),
            ],
        ),
        (
            "Halden Freight",
            Segment.MIDMARKET,
            "75000",
            [
                (
                    "Victor Stahl",
                    "Chief Operating Officer",
                    "v.stahl",
                    "+44 117 496 0950",
                ),
                ("Emma Lund", "Dispatch Manager", "emma.lund", "+44 117 496 0962"),
                (
                    "Jonas Berg",
                    "Night Shift Supervisor",
                    "jonas.berg",
                    "+44 117 496 0975",
                ),
            ],
        ),
        (
            "Penrose Garden Centres",
            Segment.MIDMARKET,
            "40000",
            [
                ("Gareth Penrose", "Owner", "gareth.penrose", "+44 117 496 0980"),
                ("Hollie Vance", "Retail Manager", "hollie.vance", "+44 117 496 0991"),
            ],
        ),
    ],
}

# Open cases whose step clock is set to "due soon" whenever the demo loads, so
# the dashboard's due-soon section is never empty: (client, commitment).
DUE_SOON = [
    (
        "Brightwater Clinics",
        "Monthly service visit for the imaging equipment at Eastside",
    ),
    ("Halden Freight", "Route-planning software live for the night shift on the 1st"),
]

# The client whose repeated incidents fill the "client history" panel.
REPEAT_CLIENT = ("Midmarket", "Tidewell Retail")

# Root-cause answers are written in the order of ROOT_CAUSE_QUESTIONS:
#   written_expectations followed_through responded_on_time buffer backup_plan
#   our_strengths feedback_system improvement_process manager_knew
# "-" leaves a question unanswered (the pit stop is still under way).
#
# Record layouts:
#   options:       (description, cost to us, time to deliver, feasibility, chosen)
#                  chosen: True, False, or "later" (added, then chosen)
#   apologies:     (to whom, method, on whose behalf, asked forgiveness, response)
#   follow_ups:    (due, purpose, "done" / FOLLOW_UP_LATE / "missed" / None for
#                  scheduled, notes); FOLLOW_UP_LATE: done, a few days after the date
#   promises:      (step made in, what we promised, due, kept: True/False/None)

CASES = [
    # Enterprise -----------------------------------------------------------
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Larchmont Engineering",
        "commitment": "Two-day on-site CAD training for twelve engineers",
        "promised": 0,
        "what_happened": (
            "The trainer's flight was held on the ground by a storm and she never "
            "reached the site. We told Helen twenty minutes before the start, with "
            "twelve engineers already in the room. Larchmont had paid in advance "
            "and cleared two days of their team's time."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.EXTERNAL,
        "parts": [OurPart.NO_BACKUP, OurPart.NO_BUFFER],
        "affected": ["Helen Ward", "Dev Patel"],
        "opened": 290,
        "moves": [0.1, 0.2, 0.3, 8, 9, 12, 62],
        "step": Step.CLOSED,
        "answers": "yes yes partly no no yes partly no yes",
        "notes": {
            "written_expectations": "Course outline and dates signed off in writing.",
            "responded_on_time": "We warned them only twenty minutes before.",
            "buffer": "The trainer was booked to fly in on the morning itself.",
            "backup_plan": "Nobody could step in and no remote session was ready.",
            "improvement_process": "Nothing checks travel plans for on-site work.",
            "manager_knew": "Maria heard within the hour.",
        },
        "client_view": (
            "They paid for two days and got an empty room. Dev had to send twelve "
            "engineers back to their desks and explain it upstairs; to them it "
            "looks as if we did not take the booking seriously."
        ),
        "our_view": (
            "The storm was nobody's fault, but flying the trainer in on the "
            "morning of the course left no room for any delay, and we had no one "
            "to cover for her."
        ),
        "client_feeling": (
            "Helen was calm but cool on the phone. Dev was embarrassed in front "
            "of his own team."
        ),
        "options": [
            (
                "Run day one remotely tomorrow with a trainer from our Leeds office",
                "150",
                "1 day",
                HIGH,
                False,
            ),
            (
                "Rerun the full course on site next week with the same trainer",
                "600",
                "1 week",
                MEDIUM,
                "later",
            ),
            ("Refund the course fee in full", "4800", "3 days", HIGH, False),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Helen Ward", "Dev Patel"],
                "summary": (
                    "Called Helen as soon as we knew, then again at noon with two "
                    "ways forward: a remote first day tomorrow, or the whole "
                    "course on site next week."
                ),
                "reaction": (
                    "Helen chose the on-site week. Dev asked for the new dates in "
                    "writing today."
                ),
            },
            {
                "channel": Channel.EMAIL,
                "people": ["Dev Patel"],
                "summary": (
                    "Sent the new dates, the trainer's travel plan (arriving the "
                    "evening before) and the name of a standby trainer."
                ),
                "reaction": "Dev booked the training room for the new dates.",
            },
        ],
        "apologies": [
            (
                "Helen Ward",
                IN_PERSON,
                COMPANY,
                True,
                "Helen said these things happen, and that she was glad to hear "
                "it straight from us.",
            ),
            (
                "Dev Patel",
                IN_PERSON,
                PERSONAL,
                True,
                "Dev accepted and asked Alex to tell the engineers himself, which "
                "he did at the start of the course.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.TRAINING,
                "description": (
                    "A free half-day advanced workshop for the same twelve engineers"
                ),
                "value": "1800",
                "cost": "350",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check how the engineers use what they learned",
                "done",
                "Marcus says the team now uses the new assembly tools every day.",
            ),
            (
                45,
                "Review with Helen: is the relationship back where it was?",
                "done",
                "Helen asked for a quote for the advanced course for her second team.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Confirm the standby trainer's name and number the day before",
                6,
                True,
            ),
            (Step.FOLLOW_UP, "Send a quote for the advanced course", 47, True),
        ],
        "close": {
            "outcome": Outcome.RECOVERED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "On-site trainers arrive the evening before, never on the morning "
                "of the course, and every paid session has a named standby "
                "trainer. Telling the client early, with two options ready, "
                "turned a wasted morning into a second order."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "priya",
        "client": "Pellworth Insurance",
        "commitment": "Claims archive migrated to the new platform before go-live",
        "promised": 10,
        "what_happened": (
            "Ten days before go-live, the test run showed that a third of the "
            "older claim files would not convert. Fixing the converter and running "
            "the migration again needed about three more weeks, so Pellworth had "
            "to move its go-live and keep paying for the old system."
        ),
        "severity": Severity.CRITICAL,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.NO_BUFFER, OurPart.COULD_NOT_DELIVER],
        "affected": ["Grace Okafor", "Samuel Keane"],
        "opened": 240,
        "moves": [0.2, 1, 1.2, 3, 4, 20, 75],
        "step": Step.CLOSED,
        "answers": "yes partly yes no no partly partly no yes",
        "notes": {
            "written_expectations": "Scope and date were in the statement of work.",
            "followed_through": "The test run came too late to act on its results.",
            "buffer": "Our plan finished three days before their go-live.",
            "backup_plan": "No fallback, such as moving recent claims first.",
            "our_strengths": "We had never migrated files this old.",
            "improvement_process": "Nothing checks test dates against go-live.",
        },
        "client_view": (
            "Their board approved the go-live date, and now Grace has to explain "
            "the delay and the cost of running two systems. She thinks we knew "
            "about the risk and kept quiet."
        ),
        "our_view": (
            "We planned the test run late and with no margin, so a known risk "
            "turned into a surprise. We did not hide it; we found it later than "
            "we should have."
        ),
        "client_feeling": (
            "Grace is angry and feels exposed in front of her board. Samuel is "
            "worried about his own project plan."
        ),
        "options": [
            (
                "Move the last two years of claims first so go-live can stand, "
                "the rest within two weeks",
                "2200",
                "4 days",
                MEDIUM,
                True,
            ),
            (
                "Bring in the converter vendor's engineers at our cost",
                "5000",
                "1 week",
                MEDIUM,
                False,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.MEETING,
                "people": ["Grace Okafor", "Samuel Keane"],
                "summary": (
                    "Met Grace and Samuel on site with Maria. Explained what the "
                    "test run found and offered to move recent claims first so "
                    "the go-live date could stand."
                ),
                "reaction": (
                    "Grace accepted the phased plan but said her trust depends on "
                    "the next two weeks. She asked us not to approach her CFO."
                ),
                "manager_joined": True,
                "boss_permission": BossPermission.DECLINED,
            }
        ],
        "apologies": [
            (
                "Grace Okafor",
                IN_PERSON,
                COMPANY,
                True,
                "Grace accepted the apology but said she would judge us by the "
                "delivery.",
            ),
            (
                "Samuel Keane",
                CALL,
                COMPANY,
                False,
                "Samuel thanked us and asked for a short status note every day.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.CREDIT,
                "description": "Three months of platform licence fees credited",
                "value": "6000",
                "cost": "1500",
                "decide": (True, "The account is worth it. Confirm it in writing."),
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                7,
                "Weekly check-in with Samuel on the older claims",
                "done",
                "The older claims were finished two days later than promised.",
            ),
            (
                40,
                "Renewal conversation with Grace",
                "done",
                "Grace will not renew: the delay cost her too much credibility "
                "with her board.",
            ),
        ],
        "promises": [
            (Step.COMMUNICATE, "Send the corrected migration plan", 2, True),
            (
                Step.APOLOGISE,
                "Send Samuel a status note every working day until the migration "
                "is done",
                3,
                False,
            ),
            (Step.COMPENSATE, "Finish migrating the older claims", 14, True),
        ],
        "close": {
            "outcome": Outcome.LOST,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "Run the test migration early enough to act on what it finds, and "
                "leave at least two weeks between our finish and the client's "
                "go-live. We also missed the daily notes we promised in the middle "
                "of the recovery, and that undid most of the goodwill the phased "
                "plan had earned."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Oakridge County Council",
        "commitment": "Accessibility audit of the council's public website",
        "promised": -1,
        "what_happened": (
            "The audit report arrived on time but covered only the main website. "
            "Rafael expected it to include the online booking portal, where most "
            "residents' complaints come from, so the report was no use for the "
            "council's review meeting."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.INDIVIDUAL,
        "parts": [OurPart.MISUNDERSTOOD],
        "affected": ["Rafael Ortiz", "Joan Whitby"],
        "opened": 150,
        "moves": [0.3, 1, 1.2, 12, 13, 15, 60],
        "step": Step.CLOSED,
        "answers": "partly yes yes partly yes yes no partly no",
        "notes": {
            "written_expectations": "The order said 'public website'; nobody asked "
            "whether the booking portal counted.",
            "backup_plan": "A second auditor was free to help.",
            "feedback_system": "There was no check-in with the client halfway.",
            "manager_knew": "Maria heard only after the report was delivered.",
        },
        "client_view": (
            "Rafael thinks we did the easy part and skipped the part that matters "
            "to residents."
        ),
        "our_view": (
            "We read the scope literally and never confirmed it. A ten-minute call "
            "at the start would have caught it."
        ),
        "client_feeling": (
            "Rafael is frustrated. Joan is worried about how it looks to the "
            "review panel."
        ),
        "options": [
            (
                "Audit the booking portal within ten days, with two auditors",
                "450",
                "10 days",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.VIDEO,
                "people": ["Rafael Ortiz", "Joan Whitby"],
                "summary": (
                    "Walked Rafael and Joan through what the report covers and "
                    "what it misses, and proposed auditing the booking portal "
                    "straight away with two auditors."
                ),
                "reaction": "Rafael agreed and asked for a draft before the review.",
            }
        ],
        "apologies": [
            (
                "Rafael Ortiz",
                CALL,
                PERSONAL,
                True,
                "Rafael said he appreciated Alex owning the mistake himself.",
            ),
            (
                "Joan Whitby",
                WRITTEN,
                COMPANY,
                False,
                "Joan replied that the council will note it in the supplier review.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": (
                    "The booking portal audit at no charge, with a one-page "
                    "summary for the review panel"
                ),
                "value": "2500",
                "cost": "450",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check the portal fixes with Rafael",
                "done",
                "Rafael's team has fixed most of the issues we found.",
            ),
            (
                40,
                "Quarterly supplier review with Joan",
                "done",
                "We were rated 'meets expectations' and renewed for another year.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send a draft of the portal audit before the review meeting",
                7,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RETAINED,
            "client_fit": ClientFit.WITH_CHANGES,
            "lessons": (
                "Public-sector orders use broad words like 'website'. Confirm the "
                "scope on a call and in writing before we start, and book a "
                "halfway check-in."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "priya",
        "client": "Brightwater Clinics",
        "commitment": "Monthly service visit for the imaging equipment at Eastside",
        "promised": -2,
        "what_happened": (
            "Our technician skipped the monthly visit at the Eastside clinic "
            "without telling anyone. The clinic found out when a scanner showed a "
            "calibration warning and nobody had been in for five weeks."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.INDIVIDUAL,
        "parts": [OurPart.BELOW_LEVEL],
        "affected": ["Colin Frears", "Dr Nadia Hussain"],
        "opened": 40,
        "moves": [0.2, 1, 1.1, 3, 5, 12],
        "step": Step.FOLLOW_UP,
        "answers": "yes no partly yes partly yes no no no",
        "notes": {
            "followed_through": "The visit was skipped and no one noticed.",
            "responded_on_time": "Colin's first email waited two days for a reply.",
            "backup_plan": "Another technician was free, but nobody asked.",
            "feedback_system": "We only hear from clinics when something breaks.",
            "improvement_process": "Missed visits are not flagged anywhere.",
        },
        "client_view": (
            "Colin cannot trust a service plan if visits can silently disappear. "
            "Dr Hussain worries about patient appointments."
        ),
        "our_view": (
            "One technician skipped a visit, but our schedule never checks that "
            "visits actually happen. It could have been anyone."
        ),
        "client_feeling": (
            "Colin is annoyed and a little anxious. Dr Hussain is worried rather "
            "than angry."
        ),
        "options": [
            (
                "Send a senior technician tomorrow to calibrate and check every device",
                "300",
                "1 day",
                HIGH,
                True,
            ),
            (
                "Have the clinic sign a visit sheet after every service",
                "0",
                "1 week",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Colin Frears"],
                "summary": (
                    "Called Colin the same day: a senior technician tomorrow "
                    "morning, and a signed visit sheet from now on."
                ),
                "reaction": "Relieved someone is coming; wants to see the sheets.",
            },
            {
                "channel": Channel.MEETING,
                "people": ["Colin Frears", "Dr Nadia Hussain"],
                "summary": (
                    "Maria and Priya met Colin and Dr Hussain at Eastside after "
                    "the calibration."
                ),
                "reaction": "Dr Hussain asked for the visit dates for the year.",
                "manager_joined": True,
            },
        ],
        "apologies": [
            (
                "Colin Frears",
                IN_PERSON,
                COMPANY,
                True,
                "Colin accepted and said the quick response helped.",
            ),
            (
                "Dr Nadia Hussain",
                IN_PERSON,
                COMPANY,
                True,
                "She accepted, and asked for copies of the signed sheets too.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": "An extra service visit this quarter and new filters",
                "value": "900",
                "cost": "220",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                7,
                "Check the first signed visit sheet with Colin",
                "done",
                "Sheet signed and filed.",
            ),
            (FromToday(6), "Monthly review with Colin and Dr Hussain", None, ""),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send the service visit dates for the rest of the year",
                3,
                True,
            ),
            (
                Step.FOLLOW_UP,
                "Email Dr Hussain the signed sheet from this month's visit",
                FromToday(3),
                None,
            ),
            (
                Step.APOLOGISE,
                "Send the engineer's written report within two days of the visit",
                12,
                False,
            ),
        ],
    },
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Corvina Labs",
        "commitment": "Forty lab workstations installed before the new wing opens",
        "promised": 5,
        "what_happened": (
            "The supplier shipped the wrong model, and the right workstations will "
            "arrive two weeks late. The new wing opens in five days and the lab "
            "staff would have nowhere to work."
        ),
        "severity": Severity.CRITICAL,
        "source": FailureSource.EXTERNAL,
        "parts": [OurPart.NO_BUFFER, OurPart.NO_BACKUP],
        "affected": ["Ingrid Solberg", "Tobias Reyes"],
        "opened": 12,
        "moves": [0.1, 0.2, 0.3, 4, 7],
        "step": Step.COMPENSATE,
        "answers": "yes yes yes no no yes partly partly yes",
        "notes": {
            "buffer": "Delivery was planned four days before the opening.",
            "backup_plan": "No second supplier and no stock to fall back on.",
            "improvement_process": "We check shipments only when they arrive.",
        },
        "client_view": (
            "Ingrid needs working benches on opening day; whose fault the "
            "shipping error is does not matter to her."
        ),
        "our_view": (
            "The supplier made the mistake, but we left only four days before the "
            "opening and never checked the shipment before it left."
        ),
        "client_feeling": (
            "Ingrid is stressed about the opening. Tobias is irritated that the "
            "paperwork has to be redone."
        ),
        "options": [
            (
                "Lend twenty demo workstations from our showroom until the right "
                "ones arrive",
                "400",
                "2 days",
                HIGH,
                True,
            ),
            (
                "Buy ten workstations from another distributor at retail price",
                "3100",
                "3 days",
                MEDIUM,
                "later",
            ),
            ("Ask the client to open the wing in stages", "0", "None", LOW, False),
        ],
        "contacts_log": [
            {
                "channel": Channel.MEETING,
                "people": ["Ingrid Solberg", "Tobias Reyes"],
                "summary": (
                    "Met Ingrid and Tobias with Maria: showroom loaners plus ten "
                    "units bought elsewhere, so every bench has a working station "
                    "on opening day."
                ),
                "reaction": "Ingrid agreed at once. Tobias asked who pays the extra.",
                "manager_joined": True,
            }
        ],
        "apologies": [
            (
                "Ingrid Solberg",
                IN_PERSON,
                COMPANY,
                True,
                "Ingrid said the loaners saved the opening.",
            ),
            (
                "Tobias Reyes",
                CALL,
                COMPANY,
                False,
                "Tobias accepted but wants the invoice corrected first.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.UPGRADE,
                "description": (
                    "Free upgrade to the three-year on-site warranty for all forty "
                    "workstations"
                ),
                "value": "4800",
                "cost": "1200",
            }
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send the supplier's confirmed shipping date",
                FromToday(-2),
                None,
            ),
            (
                Step.COMPENSATE,
                "Collect the loaner workstations once the new ones are installed",
                FromToday(9),
                None,
            ),
        ],
    },
    {
        "team": "Enterprise",
        "owner": "priya",
        "client": "Larchmont Engineering",
        "commitment": "Correct licence renewal invoice before their year-end",
        "promised": -1,
        "what_happened": (
            "The renewal invoice charged Larchmont twice for the same fifty "
            "licences. Their finance team found it on the last day before year-end "
            "and had to hold the payment."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.BELOW_LEVEL],
        "affected": ["Dev Patel"],
        "opened": 6,
        "moves": [0.1, 0.2, 0.3, 2],
        "step": Step.APOLOGISE,
        "answers": "yes partly yes yes yes yes yes partly yes",
        "notes": {
            "followed_through": "Nobody checked the invoice against the order.",
            "improvement_process": "Invoice checks are manual and optional.",
        },
        "client_view": (
            "Their finance team lost a day chasing our mistake at the worst time "
            "of year."
        ),
        "our_view": (
            "Billing copied last year's lines and added the new ones on top, and "
            "no one compared the invoice with the order."
        ),
        "client_feeling": (
            "Dev is tired of chasing us after the training mix-up. Finance is "
            "annoyed but practical."
        ),
        "options": [
            (
                "Issue a corrected invoice today, checked by a second person",
                "0",
                "Same day",
                HIGH,
                True,
            ),
        ],
        # Someone we only met during the recovery: added to the case, affected.
        "new_people": [
            ("Olivia Hart", "Finance Manager", "olivia.hart", "+44 20 7946 0166"),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Dev Patel"],
                "summary": (
                    "Called Dev, confirmed the double charge, and asked who in "
                    "finance should receive the corrected invoice."
                ),
                "reaction": "Dev put us in touch with Olivia in finance.",
            },
            {
                "channel": Channel.EMAIL,
                "people": ["Olivia Hart"],
                "summary": (
                    "Sent Olivia the corrected invoice, checked by a second "
                    "person, with a short note explaining the error."
                ),
                "reaction": "Olivia confirmed the figures now match the order.",
            },
        ],
        "apologies": [
            (
                "Dev Patel",
                CALL,
                PERSONAL,
                True,
                "Dev accepted, and said we owe him a coffee.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Confirm their finance team received the corrected invoice",
                1,
                True,
            ),
        ],
    },
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Brightwater Clinics",
        "commitment": "Staff logins ready for the new Northgate clinic's opening",
        "promised": 0,
        "what_happened": (
            "Eleven of the eighteen staff accounts were not set up when Northgate "
            "opened on Monday. Reception booked patients on paper all morning."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.MISUNDERSTOOD, OurPart.NO_BUFFER],
        "affected": ["Dr Nadia Hussain", "Colin Frears"],
        "opened": 3,
        "moves": [0.2],
        "step": Step.ROOT_CAUSE,
        "answers": "partly yes yes no - - - - -",
        "notes": {
            "written_expectations": "We had a staff list, but not the final one: "
            "seven people were added on the Friday.",
            "buffer": "Accounts were due the morning the clinic opened.",
        },
        "client_view": (
            "Dr Hussain thinks our setup process is too slow for a clinic whose "
            "staff changes often."
        ),
        "our_view": "",
        "client_feeling": "Embarrassed in front of new staff on their first day.",
    },
    {
        "team": "Enterprise",
        "owner": "priya",
        "client": "Oakridge County Council",
        "commitment": "Consultation booklets delivered to the central library",
        "promised": 2,
        "what_happened": (
            "Our print partner says the booklets will be three days late because "
            "their press broke down. The consultation opens at the library in two "
            "days."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.EXTERNAL,
        "parts": [OurPart.NO_BACKUP],
        "affected": ["Joan Whitby"],
        "opened": 0.2,
        "moves": [],
        "step": Step.ACKNOWLEDGE,
    },
    # Midmarket ------------------------------------------------------------
    {
        "team": "Midmarket",
        "owner": "lena",
        "client": "Tidewell Retail",
        "commitment": "Weekly restock of till rolls, bags and labels for Harbour St",
        "promised": -1,
        "what_happened": (
            "The Tuesday order was packed after the carrier's cut-off and missed "
            "the van. The Harbour Street store ran out of till rolls on Wednesday "
            "afternoon and had to borrow from another branch."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.NO_BUFFER],
        "affected": ["Fiona Marsh", "Ben Adeyemi"],
        "opened": 300,
        "moves": [0.1, 0.2, 0.3, 1, 2, 5, 40],
        "step": Step.CLOSED,
        "answers": "yes partly yes no no yes partly partly yes",
        "notes": {
            "followed_through": "Packing started late because of a stock count.",
            "buffer": "Orders are packed on the morning of dispatch.",
            "backup_plan": "No courier option when the van is missed.",
        },
        "client_view": (
            "Fiona sees a supplier that cannot manage a simple weekly run, and "
            "her staff felt foolish borrowing till rolls."
        ),
        "our_view": (
            "Packing on the morning of dispatch leaves no room for a late start; "
            "one stock count was enough to miss the van."
        ),
        "client_feeling": "Irritated, not yet worried.",
        "options": [
            (
                "Send the order by same-day courier at our cost",
                "120",
                "Same day",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Fiona Marsh"],
                "summary": (
                    "Called Fiona: the order goes by courier this afternoon, and "
                    "Harbour Street orders will be packed the day before from now "
                    "on."
                ),
                "reaction": "Fiona was short with us but accepted the plan.",
            }
        ],
        "apologies": [
            ("Fiona Marsh", CALL, COMPANY, True, "Fiona accepted."),
            (
                "Ben Adeyemi",
                WRITTEN,
                COMPANY,
                False,
                "Ben wrote back that it is fine as long as it does not happen again.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": "Free delivery on every order for the next month",
                "value": "600",
                "cost": "180",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                7,
                "Check the next two deliveries arrive on time",
                "done",
                "Both on time.",
            ),
            (
                28,
                "Call Fiona to review the month",
                "done",
                "Fiona is satisfied; no complaints from the stores.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Pack Harbour Street orders the day before dispatch",
                7,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RETAINED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "Pack the day before dispatch. A missed van must never mean an "
                "empty shelf, so keep a courier account ready for the stores."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "lena",
        "client": "Tidewell Retail",
        "commitment": "Spring display stock in all four stores before the sale",
        "promised": 0,
        "what_happened": (
            "A strike closed the carrier's depot on Friday, and two of the four "
            "stores had no display stock when the sale opened on Saturday morning."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.EXTERNAL,
        "parts": [OurPart.NO_BACKUP, OurPart.NO_BUFFER],
        "affected": ["Fiona Marsh", "Carla Mendes"],
        "opened": 120,
        "moves": [0.1, 0.2, 0.3, 6, 7, 9, 60],
        "step": Step.CLOSED,
        "answers": "yes yes yes no no yes partly partly yes",
        "notes": {
            "buffer": "We shipped on Thursday for a Saturday start.",
            "backup_plan": "We never asked the carrier for another route.",
            "improvement_process": "After the last case we changed packing, "
            "not shipping.",
        },
        "client_view": (
            "Fiona says this is the second time in a few months, and the sale "
            "weekend is the worst possible time to fail."
        ),
        "our_view": (
            "The strike was not ours, but for a sale planned months ahead we "
            "shipped at the last minute with a single carrier."
        ),
        "client_feeling": (
            "Fiona is losing patience. Carla felt let down in front of her staff."
        ),
        "options": [
            (
                "Drive the stock to the two stores in our own vans on Saturday",
                "260",
                "Same day",
                MEDIUM,
                True,
            ),
            (
                "Supply the stores from the nearest wholesaler at retail price",
                "700",
                "Same day",
                LOW,
                False,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Fiona Marsh"],
                "summary": (
                    "Called Fiona at seven on Saturday: our own vans would reach "
                    "both stores by midday."
                ),
                "reaction": "Fiona said she would believe it when it was on the shelf.",
            },
            {
                "channel": Channel.MEETING,
                "people": ["Fiona Marsh", "Carla Mendes"],
                "summary": (
                    "Tom and Lena visited Fiona and Carla the following week to go "
                    "through what happened and how sale stock will ship from now on."
                ),
                "reaction": "Fiona asked for sale stock to arrive a week ahead.",
                "manager_joined": True,
            },
        ],
        "apologies": [
            (
                "Fiona Marsh",
                IN_PERSON,
                COMPANY,
                True,
                "Fiona accepted, and said the Saturday drive made the difference.",
            ),
            (
                "Carla Mendes",
                IN_PERSON,
                PERSONAL,
                True,
                "Carla accepted and thanked Lena for coming in person.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.CREDIT,
                "description": "Credit on the next order for this year's delivery "
                "charges",
                "value": "350",
                "cost": "350",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Agree the shipping plan for the summer sale",
                "done",
                "Summer stock to arrive seven days ahead, split over two carriers.",
            ),
            (
                45,
                "Review the summer sale deliveries with Fiona",
                "done",
                "All four stores were stocked a week early.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send a written shipping plan for the next sale",
                5,
                True,
            ),
            (Step.FOLLOW_UP, "Ship the summer sale stock a week ahead", 40, True),
        ],
        "close": {
            "outcome": Outcome.RETAINED,
            "client_fit": ClientFit.WITH_CHANGES,
            "lessons": (
                "Sale stock goes out a week early and with a second carrier. This "
                "client has now had two delivery failures; the next one goes "
                "straight to Tom."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "lena",
        "client": "Tidewell Retail",
        "commitment": "Opening stock for the new Quayside store by Friday",
        "promised": -1,
        "what_happened": (
            "Half of the Quayside opening order stayed in our warehouse because "
            "the picking list was printed before Carla's last changes. The store "
            "opened on Saturday without bags or price labels."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.BELOW_LEVEL, OurPart.NO_BUFFER],
        "affected": ["Carla Mendes", "Fiona Marsh"],
        "opened": 4,
        "moves": [0.1, 0.2, 0.3],
        "step": Step.COMMUNICATE,
        "answers": "partly no yes partly yes yes partly no yes",
        "notes": {
            "written_expectations": "Carla's changes came by email, not through "
            "the order.",
            "followed_through": "Nobody checked the picked order against the "
            "latest list.",
            "backup_plan": "We used the courier account set up after the first case.",
            "improvement_process": "Our last two fixes did not cover late changes.",
            "manager_knew": "Tom was told the same morning.",
        },
        "client_view": (
            "Fiona says three failures in a year is a pattern, and wonders whether "
            "we are the right supplier for their expansion."
        ),
        "our_view": (
            "Late changes by email bypass our order system. We fixed packing and "
            "shipping, but not how orders change."
        ),
        "client_feeling": (
            "Fiona is worried about the next store openings. Carla is upset after "
            "a hard first day."
        ),
        "options": [
            (
                "Courier the missing items to Quayside this morning",
                "90",
                "Same day",
                HIGH,
                True,
            ),
            (
                "Put every Tidewell order change through the order system, with a "
                "written confirmation back to the store",
                "0",
                "1 week",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Carla Mendes"],
                "summary": (
                    "Called Carla: the missing items go by courier this morning, "
                    "and every change to her orders will be confirmed in writing."
                ),
                "reaction": (
                    "Carla was relieved the items were on their way but said the "
                    "opening day cannot be undone."
                ),
            }
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Confirm the courier delivered the missing items",
                0,
                True,
            ),
            (
                Step.COMMUNICATE,
                "Call Fiona with a plan for the next two store openings",
                FromToday(2),
                None,
            ),
        ],
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Quillfeather Publishing",
        "commitment": "Automatic catalogue feeds to three online booksellers",
        "promised": 0,
        "what_happened": (
            "We had never built bookseller feeds, but said yes because Quillfeather "
            "was keen and we wanted the work. The team learned the feed formats as "
            "it went, billed the hours, and finished after eleven weeks instead of "
            "four. Two autumn titles went on sale late everywhere."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [
            OurPart.EAGER_YES,
            OurPart.LEARNING_CURVE,
            OurPart.COULD_NOT_DELIVER,
        ],
        "affected": ["Owen Price", "Rita Salgado"],
        "opened": 200,
        "moves": [0.2, 1, 1.2, 3, 4, 12, 80],
        "step": Step.CLOSED,
        "answers": "yes partly partly no no no no partly no",
        "notes": {
            "written_expectations": "The four weeks were in the quote.",
            "responded_on_time": "Rita's questions often waited days for an answer.",
            "our_strengths": "Bookseller feeds are specialist work we had never done.",
            "manager_knew": "Tom heard about the overrun in week seven.",
        },
        "client_view": (
            "Owen feels he paid for us to learn his industry's formats, and the "
            "late titles cost him sales he will not get back."
        ),
        "our_view": (
            "He is right. We said yes out of eagerness, priced the work as if we "
            "knew it, and billed him for our learning."
        ),
        "client_feeling": (
            "Owen is angry about the bill. Rita is worn out from chasing us."
        ),
        "options": [
            (
                "Refund every hour billed beyond the original four-week estimate",
                "4200",
                "1 week",
                HIGH,
                True,
            ),
            (
                "Hand the feeds over to a specialist agency and pay for the handover",
                "1500",
                "2 weeks",
                MEDIUM,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.MEETING,
                "people": ["Owen Price", "Rita Salgado"],
                "summary": (
                    "Tom and Omar met Owen and Rita, admitted we had taken on work "
                    "we did not know, and offered to refund the overrun and pay "
                    "for a handover to a specialist."
                ),
                "reaction": (
                    "Owen accepted the refund and the handover, but said he would "
                    "think about the rest of the account."
                ),
                "manager_joined": True,
            }
        ],
        "apologies": [
            (
                "Owen Price",
                IN_PERSON,
                COMPANY,
                True,
                "Owen accepted and said he valued the honesty.",
            ),
            (
                "Rita Salgado",
                IN_PERSON,
                PERSONAL,
                True,
                "Rita accepted; she said the weeks of silence were the worst part.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.REFUND,
                "description": "Refund of the 84 hours billed beyond the estimate",
                "value": "4200",
                "cost": "4200",
                "decide": (True, "We billed them for our learning; it is theirs."),
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check the handover to the specialist agency",
                "done",
                "Handover finished; the agency now runs the feeds.",
            ),
            (
                60,
                "Talk to Owen about the rest of the account",
                "done",
                "Owen has moved his print work elsewhere too; we parted on good terms.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Introduce Owen to two specialist feed agencies",
                5,
                True,
            ),
            (Step.COMPENSATE, "Pay the refund within ten days", 10, True),
        ],
        "close": {
            "outcome": Outcome.PARTED,
            "client_fit": ClientFit.NOT_A_FIT,
            "lessons": (
                "Say no to integration work we have never done, or quote it "
                "openly as new to us. If we take it on, the learning is on us, not "
                "on the client's bill. Bring the manager in before the quote, not "
                "in week seven."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Kestrel Foods",
        "commitment": "Monthly stock valuation report by the 10th",
        "promised": 0,
        "what_happened": (
            "The report was four days late. Kestrel's warehouse system sent its "
            "month-end export late, and we waited for it without telling Anita "
            "that the report would slip."
        ),
        "severity": Severity.LOW,
        "source": FailureSource.CLIENT,
        "parts": [OurPart.NO_BUFFER],
        "affected": ["Anita Kowalski"],
        "opened": 90,
        "moves": [0.1, 0.2, 0.3, 1, 2, 3, 45],
        "step": Step.CLOSED,
        "answers": "yes partly no no no yes partly partly yes",
        "notes": {
            "followed_through": "We waited instead of asking.",
            "responded_on_time": "Anita's email on the 11th waited a day.",
            "buffer": "The 10th leaves no room if their export is late.",
        },
        "client_view": (
            "Anita did not know their own export was late; from her side we simply "
            "missed the date and went quiet."
        ),
        "our_view": (
            "The delay started on their side, but we should have warned her on "
            "the 8th that the export had not arrived."
        ),
        "client_feeling": "Mildly annoyed, more by the silence than the delay.",
        "options": [
            (
                "Warn Anita two days before the 10th whenever their data is missing",
                "0",
                "1 week",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Anita Kowalski"],
                "summary": (
                    "Called Anita, explained that the export arrived late and that "
                    "we should have warned her, and agreed on an early warning."
                ),
                "reaction": (
                    "Anita was surprised their export was late and will raise it "
                    "with her IT team."
                ),
            }
        ],
        "apologies": [
            (
                "Anita Kowalski",
                CALL,
                PERSONAL,
                True,
                "Anita accepted; a warning would have been enough for her.",
            ),
        ],
        "none_due": (
            "The delay came from the client's late export and the report itself "
            "was correct; Anita agreed nothing is owed. Our part, the silence, is "
            "fixed by the early warning."
        ),
        "follow_ups": [
            (
                30,
                "Check the next report arrives by the 10th",
                "done",
                "The export came on time and the report went out on the 9th.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Warn Anita two days ahead whenever their export is late",
                25,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RECOVERED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "When a promise depends on the client's data, say so in the promise "
                "and warn them early when it is missing. Anita has since added a "
                "weekly sales report to the contract."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Halden Freight",
        "commitment": "Route-planning software live for the night shift on the 1st",
        "promised": 0,
        "what_happened": (
            "Go-live slipped by a week because the driver app kept logging drivers "
            "out on older phones. The night shift went back to paper route sheets, "
            "and two deliveries went to the wrong depot."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.BELOW_LEVEL, OurPart.NO_BUFFER],
        "affected": ["Emma Lund", "Jonas Berg"],
        "opened": 30,
        "moves": [0.2, 1, 1.2, 8, 9, 12],
        "step": Step.FOLLOW_UP,
        "answers": "yes yes partly no partly yes partly no yes",
        "notes": {
            "responded_on_time": "Jonas reported the logouts in testing; we "
            "treated them as minor.",
            "backup_plan": "Paper route sheets were the only fallback.",
        },
        "client_view": (
            "Jonas feels his warning during testing was ignored. Emma's drivers no "
            "longer trust the new system."
        ),
        "our_view": (
            "We launched knowing about a bug that looked small in the office and "
            "turned out to be serious on the road."
        ),
        "client_feeling": (
            "Jonas is frustrated. Emma is worried the drivers will reject the system."
        ),
        "options": [
            (
                "Fix the logout bug and relaunch with a week of paper and app side "
                "by side",
                "800",
                "1 week",
                HIGH,
                True,
            ),
            ("Give night-shift drivers company phones", "6000", "2 weeks", LOW, False),
        ],
        "contacts_log": [
            {
                "channel": Channel.MEETING,
                "people": ["Emma Lund", "Jonas Berg"],
                "summary": (
                    "Met Emma and Jonas at the depot, went through the bug, and "
                    "agreed a relaunch with a week of paper and app side by side."
                ),
                "reaction": (
                    "Jonas was glad to be heard. Emma wants proof before the "
                    "drivers switch over."
                ),
                "boss_permission": BossPermission.ALLOWED,
            },
            {
                "channel": Channel.VIDEO,
                "people": ["Victor Stahl", "Emma Lund"],
                "summary": (
                    "With Emma's permission, Tom and Omar briefed Victor on the "
                    "relaunch plan."
                ),
                "reaction": "Victor asked for weekly figures on delivery accuracy.",
                "manager_joined": True,
                "boss_permission": BossPermission.ALLOWED,
            },
        ],
        "apologies": [
            (
                "Emma Lund",
                IN_PERSON,
                COMPANY,
                True,
                "Emma accepted and asked us to apologise to the drivers too.",
            ),
            (
                "Jonas Berg",
                IN_PERSON,
                PERSONAL,
                True,
                "Jonas accepted; being proved right was no comfort at 3am, he said.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": "Two weeks of an on-site consultant for the night shift",
                "value": "3000",
                "cost": "2600",
                "decide": (
                    False,
                    "Costs us more than it gives them; the drivers need training.",
                ),
            },
            {
                "kind": CompensationKind.TRAINING,
                "description": "Hands-on app training for night drivers and "
                "dispatchers",
                "value": "1200",
                "cost": "300",
                "deliver": True,
            },
        ],
        "follow_ups": [
            (3, "Weekly check-in with Jonas", "done", "No logouts this week."),
            (
                10,
                "Weekly check-in with Jonas",
                "missed",
                "Omar was off sick and nobody covered the call.",
            ),
            (FromToday(4), "Review the first month with Emma", None, ""),
        ],
        "promises": [
            (
                Step.FOLLOW_UP,
                "Send Emma a short progress report every Friday",
                4,
                False,
            ),
            (
                Step.FOLLOW_UP,
                "Fix the route export for the north depot",
                FromToday(-1),
                None,
            ),
            (
                Step.FOLLOW_UP,
                "Send Victor the month's delivery accuracy figures",
                FromToday(5),
                None,
            ),
        ],
    },
    {
        "team": "Midmarket",
        "owner": "lena",
        "client": "Ashgrove Dental Group",
        "commitment": "Appointment reminder texts working after the system update",
        "promised": 0,
        "what_happened": (
            "After our update on Monday, reminder texts stopped for three days. "
            "Nine patients missed their appointments before the practice noticed."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.BELOW_LEVEL],
        "affected": ["Paula Grant", "Dr Maya Chen"],
        "opened": 7,
        "moves": [0.2, 1, 1.2, 2],
        "step": Step.OPTIONS,
        "answers": "yes yes yes yes partly yes partly partly yes",
        "notes": {},
        "client_view": (
            "Paula lost nine appointments' worth of income and spent a day calling "
            "patients. She wants to know it cannot happen again."
        ),
        "our_view": "The text provider changed its settings the same week.",
        "client_feeling": (
            "Paula is angry. Dr Chen is worried about patients who missed check-ups."
        ),
        # Tom sends the pit stop back once; Lena answers again, honestly.
        "send_back": {
            "reason": (
                "The answers blame the text provider. We never tested reminders "
                "after the update: answer the follow-through question honestly."
            ),
            "answers": {
                "followed_through": (
                    "no",
                    "No test reminder was sent after the update.",
                ),
                "improvement_process": ("no", "Updates have no test checklist."),
            },
            "our_view": (
                "We did not test reminders after the update. The provider's change "
                "made it worse but did not cause it."
            ),
        },
        "options": [
            (
                "Credit the practice for the nine missed appointments",
                "540",
                "1 week",
                MEDIUM,
                False,
            ),
            (
                "Test a reminder after every update, and alert us daily if no texts "
                "go out",
                "0",
                "3 days",
                HIGH,
                False,
            ),
            (
                "Call the affected patients to rebook on the practice's behalf",
                "150",
                "2 days",
                MEDIUM,
                False,
            ),
        ],
        "promises": [
            (
                Step.ROOT_CAUSE,
                "Send Paula the list of patients whose reminders failed",
                1,
                True,
            ),
            (
                Step.OPTIONS,
                "Confirm the daily text alert is live",
                FromToday(3),
                None,
            ),
        ],
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Kestrel Foods",
        "commitment": "Two replacement label printers for the packing line",
        "promised": 0,
        "what_happened": (
            "The printers went to Kestrel's head office instead of the factory. "
            "The packing line ran on one old printer for a day and a half."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.INDIVIDUAL,
        "parts": [OurPart.MISUNDERSTOOD],
        "affected": ["Leo Fischer"],
        "opened": 2,
        "moves": [0.3],
        "step": Step.ROOT_CAUSE,
        "answers": "yes no - - - - - - -",
        "notes": {
            "written_expectations": "The factory address was on the order.",
            "followed_through": "The address was copied from the invoice instead.",
        },
        "client_view": "Leo thinks we do not read what he sends us.",
        "our_view": "",
        "client_feeling": "",
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Halden Freight",
        "commitment": "Spare scanner batteries shipped with the monthly order",
        "promised": -1,
        "what_happened": (
            "The batteries were left out of this month's order. Jonas says three "
            "handheld scanners will be out of use by the weekend."
        ),
        "severity": Severity.LOW,
        # Still being logged: source and our part not yet filled in.
        "source": "",
        "parts": [],
        "affected": ["Jonas Berg"],
        "opened": 0.1,
        "moves": [],
        "step": Step.ACKNOWLEDGE,
    },
    # Closed in the last six months ------------------------------------------
    # Enough closed cases in each team, in the last 90 days and the 90 before,
    # for the insights page to compare outcomes, times, follow-through and
    # compensation. Appended here so the cases above keep their places.
    {
        "team": "Enterprise",
        "owner": "priya",
        "client": "Brightwater Clinics",
        "commitment": "Westside X-ray detector replaced within one working day",
        "promised": 1,
        "what_happened": (
            "The detector in Westside's X-ray room failed on a Tuesday morning. The "
            "service contract promises a replacement within one working day, but "
            "our only spare had been lent to a hospital and nobody had booked it "
            "back in. A new one came from the manufacturer five days later, and "
            "Westside sent its X-ray patients across town to Eastside all week."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.NO_BACKUP, OurPart.BELOW_LEVEL],
        "affected": ["Colin Frears", "Dr Nadia Hussain"],
        "opened": 175,
        "moves": [0.1, 0.3, 0.4, 1, 2, 6, 62],
        "step": Step.CLOSED,
        "answers": "yes partly yes partly no yes partly no yes",
        "notes": {
            "followed_through": "We ordered from the manufacturer on day two, "
            "not day one.",
            "backup_plan": "One spare detector for every contract, and it was out "
            "on loan.",
            "improvement_process": "Spare parts lent out are not recorded anywhere.",
        },
        "client_view": (
            "Colin signed a one-day contract so that a fault could never close an "
            "X-ray room for a week. To him the contract was worth nothing the first "
            "time it was needed."
        ),
        "our_view": (
            "We sold a one-day replacement backed by a single spare and lent that "
            "spare out without a record. The delay was ours, not the manufacturer's."
        ),
        "client_feeling": (
            "Colin is angry and feels misled. Dr Hussain is worried about the "
            "patients who had to travel for their scans."
        ),
        "options": [
            (
                "Ask the hospital to return our spare detector at once",
                "200",
                "2 days",
                LOW,
                False,
            ),
            (
                "Pay for express shipping from the manufacturer's warehouse",
                "650",
                "3 days",
                MEDIUM,
                True,
            ),
            (
                "Send Westside's urgent patients to Eastside by taxi at our cost",
                "300",
                "Same day",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Colin Frears"],
                "summary": (
                    "Called Colin the same afternoon: no spare in stock, a "
                    "detector on express order, and taxis to Eastside for urgent "
                    "patients at our cost until it is fitted."
                ),
                "reaction": (
                    "Colin asked why a one-day contract had no part behind it. He "
                    "accepted the taxis and wanted the plan in writing."
                ),
            },
            {
                "channel": Channel.MEETING,
                "people": ["Colin Frears", "Dr Nadia Hussain"],
                "summary": (
                    "Maria and Priya met Colin and Dr Hussain once the detector "
                    "was fitted, and proposed a spare held for Brightwater alone."
                ),
                "reaction": (
                    "Dr Hussain agreed, on condition that the spare is named in "
                    "the contract."
                ),
                "manager_joined": True,
            },
        ],
        "apologies": [
            (
                "Colin Frears",
                IN_PERSON,
                COMPANY,
                True,
                "Colin accepted, but said he will read our contracts more closely "
                "from now on.",
            ),
            (
                "Dr Nadia Hussain",
                IN_PERSON,
                COMPANY,
                True,
                "She accepted and asked us to write to the patients who travelled.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": (
                    "A free safety and image-quality check of all three X-ray rooms"
                ),
                "value": "600",
                "cost": "150",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check the spare detector is in our store and labelled for them",
                "done",
                "Spare in stock, labelled and recorded.",
            ),
            (
                45,
                "Go through the new contract terms with Colin",
                "done",
                "Colin signed the revised contract, which names the spare and "
                "says it is never lent out.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Give Colin the detector's delivery date every evening until it "
                "is fitted",
                4,
                True,
            ),
            (
                Step.FOLLOW_UP,
                "Send the revised contract with a spare held for Brightwater",
                30,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RETAINED,
            "client_fit": ClientFit.WITH_CHANGES,
            "lessons": (
                "A response time in a contract needs a part behind it. Brightwater "
                "stays, but only with a spare detector held for them and named in "
                "the contract; any spare we lend now has a record and a return date."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Corvina Labs",
        "commitment": "Alarms from the sample freezers sent to the on-call phone",
        "promised": -3,
        "what_happened": (
            "When we set up monitoring for Corvina's eight sample freezers, the "
            "alarms went to the lab's shared inbox instead of the on-call phone "
            "Ingrid had asked for. A freezer failed on a Saturday evening, nobody "
            "read the email until Monday, and three weeks of samples were lost."
        ),
        "severity": Severity.CRITICAL,
        "source": FailureSource.INDIVIDUAL,
        "parts": [OurPart.MISUNDERSTOOD],
        "affected": ["Ingrid Solberg"],
        "opened": 150,
        "moves": [0.1, 0.2, 0.3, 1, 3, 7, 55],
        "step": Step.CLOSED,
        "answers": "partly no yes yes partly yes partly no yes",
        "notes": {
            "written_expectations": "Ingrid asked for the on-call phone in a "
            "meeting; the order form only said 'lab alerts'.",
            "followed_through": "The engineer used the address on the form.",
            "improvement_process": "We never send a test alarm at handover.",
        },
        "client_view": (
            "Ingrid lost three weeks of her team's work and has to tell a research "
            "partner that their samples are gone. She asked for one thing, a phone "
            "that rings at night, and did not get it."
        ),
        "our_view": (
            "We set up what the order form said, not what Ingrid told us, and "
            "nobody tested an alarm at handover. A test would have shown it in "
            "five minutes."
        ),
        "client_feeling": (
            "Ingrid is upset and tired. She is not shouting; she is quietly "
            "deciding whether to trust us with the new wing."
        ),
        "options": [
            (
                "Send every alarm to the on-call phone today and test it with "
                "Ingrid watching",
                "0",
                "Same day",
                HIGH,
                True,
            ),
            (
                "Add a second, independent alarm that texts two people",
                "350",
                "1 week",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.MEETING,
                "people": ["Ingrid Solberg"],
                "summary": (
                    "Alex and Maria went to the lab the same day, changed the "
                    "alarm routing in front of Ingrid and sent a test alarm to the "
                    "on-call phone."
                ),
                "reaction": (
                    "Ingrid watched the phone ring and said that was all she had "
                    "asked for in the first place."
                ),
                "manager_joined": True,
            }
        ],
        "apologies": [
            (
                "Ingrid Solberg",
                IN_PERSON,
                PERSONAL,
                True,
                "Ingrid accepted, and said she was glad Alex called it his mistake "
                "rather than the system's.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": (
                    "A year of freezer monitoring for the new wing at no charge, "
                    "with a monthly test alarm"
                ),
                "value": "2400",
                "cost": "300",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "First monthly test alarm with Ingrid",
                "done",
                "The on-call phone rang within a minute.",
            ),
            (
                40,
                "Talk to Tobias about equipment for the new wing",
                "done",
                "Tobias has ordered the new wing's forty workstations from us.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send Ingrid a written list of every alarm and who receives it",
                2,
                True,
            ),
            (
                Step.FOLLOW_UP,
                "Run a test alarm on the first Monday of every month",
                14,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RECOVERED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "Set up what the client told us, not what the form says, and "
                "confirm it back in writing. Every alarm is tested at handover with "
                "the client watching. Owning the mistake on the day kept Corvina, "
                "who ordered the workstations for their new wing soon after."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Larchmont Engineering",
        "commitment": "Large-format plotter repaired before Larchmont's bid deadline",
        "promised": 3,
        "what_happened": (
            "Larchmont's plotter broke in the week of a large tender. We promised "
            "it would print again by Thursday, a day before the bid was due, "
            "counting on a part the manufacturer said would ship in two days. The "
            "part arrived on Monday, and Marcus's team printed the tender drawings "
            "overnight at a print shop."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.EXTERNAL,
        "parts": [OurPart.NO_BUFFER],
        "affected": ["Marcus Lindqvist", "Helen Ward"],
        "opened": 84,
        "moves": [0.1, 0.2, 0.3, 1, 2, 5, 55],
        "step": Step.CLOSED,
        "answers": "yes yes yes no partly yes yes partly yes",
        "notes": {
            "buffer": "Thursday left one day of slack for a part promised in two.",
            "backup_plan": "We knew of a print shop but did not book it.",
        },
        "client_view": (
            "Marcus planned the bid around our Thursday. Had we said Monday, he "
            "would have booked a print shop days earlier, at a normal price."
        ),
        "our_view": (
            "The late part was the manufacturer's doing, but the date was ours. We "
            "gave the date we hoped for, not one we could keep."
        ),
        "client_feeling": (
            "Marcus is annoyed about a night at the print shop. Helen wants to "
            "know whether she can rely on our dates."
        ),
        "options": [
            (
                "Lend Larchmont our showroom plotter until the part arrives",
                "120",
                "1 day",
                MEDIUM,
                False,
            ),
            (
                "Pay for the tender drawings to be printed overnight at a print shop",
                "380",
                "Same day",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Marcus Lindqvist"],
                "summary": (
                    "Called Marcus on Thursday morning, as soon as the part was "
                    "confirmed late: we pay for a print shop tonight and its "
                    "courier collects the files."
                ),
                "reaction": (
                    "Marcus said Thursday morning was late to hear it, but booked "
                    "the print shop."
                ),
            },
            {
                "channel": Channel.EMAIL,
                "people": ["Helen Ward"],
                "summary": (
                    "Wrote to Helen with what happened, the part's new date, and "
                    "how we will set repair dates from now on."
                ),
                "reaction": (
                    "Helen asked for dates with a margin in future, even if they "
                    "look worse."
                ),
            },
        ],
        "apologies": [
            (
                "Marcus Lindqvist",
                CALL,
                PERSONAL,
                True,
                "Marcus accepted; the bid went in on time, which is what mattered.",
            ),
            (
                "Helen Ward",
                IN_PERSON,
                PERSONAL,
                True,
                "Helen accepted and asked Alex to quote for a second plotter.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.REFUND,
                "description": "The print shop's overnight bill, paid by us",
                "value": "380",
                "cost": "380",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check the plotter with Marcus after a week of heavy use",
                "done",
                "No faults; the CAD team prints on it every day.",
            ),
            (
                30,
                "Go through the second plotter quote with Helen",
                FOLLOW_UP_LATE,
                "Held three days late: Alex was out at another client's emergency.",
            ),
            (
                45,
                "Ask Marcus how the tender went",
                "done",
                "Larchmont won the tender and ordered a second plotter with "
                "four-hour service.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send the manufacturer's confirmed date for the part",
                1,
                True,
            ),
            (
                Step.FOLLOW_UP,
                "Quote for a second plotter with four-hour service",
                20,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RECOVERED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "Give the date we can keep, not the one we hope for: a part "
                "promised in two days gets four in our promise, and when a client's "
                "deadline hangs on it, book the fallback at once. Larchmont bought "
                "a second plotter with a service contract."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "priya",
        "client": "Stanmore Hotels Group",
        "commitment": "AV technician on site for the whole of the partner conference",
        "promised": 0,
        "what_happened": (
            "Our technician left at six, as his booking sheet said, but Stanmore "
            "had added an evening keynote at seven. The projector failed five "
            "minutes into the keynote, and the group's chief executive spoke for "
            "forty minutes without slides to three hundred partners."
        ),
        "severity": Severity.CRITICAL,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.BELOW_LEVEL, OurPart.NO_BACKUP],
        "affected": ["Claire Dunmore", "Patrick Olsen"],
        "opened": 70,
        "moves": [0.1, 0.3, 0.4, 1, 3, 6, 50],
        "step": Step.CLOSED,
        "answers": "partly no yes yes no yes partly partly yes",
        "notes": {
            "written_expectations": "The booking said 'the whole conference'; the "
            "sheet had the old agenda.",
            "followed_through": "Nobody checked the agenda the day before.",
            "backup_plan": "No spare projector on site and nobody on call.",
        },
        "client_view": (
            "Claire promised her chief executive a flawless evening. She sees a "
            "supplier that went home while its equipment was still switched on."
        ),
        "our_view": (
            "The evening session was on the agenda Claire sent us. We worked from "
            "an old sheet and left no one on call."
        ),
        "client_feeling": (
            "Claire is mortified and angry. Patrick is cool: he wants to know "
            "what the group paid for."
        ),
        "options": [
            ("Refund the conference day's AV fee", "450", "1 week", HIGH, True),
            (
                "Run the AV at Stanmore's next two internal events free of charge",
                "600",
                "3 months",
                MEDIUM,
                False,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Claire Dunmore"],
                "summary": (
                    "Priya called Claire at eight the next morning with what went "
                    "wrong, and offered to refund the day's fee."
                ),
                "reaction": (
                    "Claire said a refund does not give the keynote back, and "
                    "asked for a written account for Patrick."
                ),
            },
            {
                "channel": Channel.MEETING,
                "people": ["Claire Dunmore", "Patrick Olsen"],
                "summary": (
                    "Maria and Priya met Claire and Patrick at the group's head "
                    "office and went through the written account."
                ),
                "reaction": (
                    "Patrick thanked us for coming and said the group would "
                    "review its suppliers."
                ),
                "manager_joined": True,
            },
        ],
        "apologies": [
            (
                "Claire Dunmore",
                IN_PERSON,
                PERSONAL,
                True,
                "Claire accepted, but said the evening could not be undone.",
            ),
            (
                "Patrick Olsen",
                IN_PERSON,
                COMPANY,
                False,
                "Patrick accepted it politely and made no promises.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.REFUND,
                "description": "The conference day's AV fee, refunded in full",
                "value": "450",
                "cost": "450",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                10,
                "Send Claire our new checklist for live events",
                "done",
                "Claire thanked us; nothing from Patrick.",
            ),
            (
                40,
                "Ask Claire about next year's conference",
                "done",
                "The group has given next year's conference and its hotels' AV to "
                "another company.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send Patrick a written account of the evening within two days",
                2,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.LOST,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "At a live event the technician stays until the last session ends, "
                "and the agenda is checked with the client the day before. A refund "
                "worth less than the client did not match the size of the failure; "
                "a group this size deserved a bigger gesture."
            ),
        },
    },
    {
        "team": "Enterprise",
        "owner": "alex",
        "client": "Wexcombe Studios",
        "commitment": "Night support for the render farm in the film's final month",
        "promised": 0,
        "what_happened": (
            "To win the work we sold Wexcombe night cover for their render farm, "
            "although our support desk closes at ten. When the render queue "
            "stalled at two on a Sunday morning, the call went to voicemail. Eight "
            "hours of rendering were lost and Monday's colour session was cancelled."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.COULD_NOT_DELIVER],
        "affected": ["Nina Albrecht", "Sol Adebayo"],
        "opened": 60,
        "moves": [0.2, 0.4, 0.5, 1, 2, 8, 48],
        "step": Step.CLOSED,
        "answers": "yes no no partly no no partly partly partly",
        "notes": {
            "written_expectations": "Night cover was written into the order.",
            "followed_through": "Nobody set up a night rota after the sale.",
            "responded_on_time": "Sol's call at 2am was returned at nine.",
            "our_strengths": "We have never staffed a night desk.",
            "manager_knew": "Maria heard about the night cover after it was sold.",
        },
        "client_view": (
            "Nina bought night cover because films are finished at night. She "
            "feels we sold her something we did not have."
        ),
        "our_view": (
            "She is right. We have no night desk and never planned one; the sale "
            "got ahead of what we can do."
        ),
        "client_feeling": (
            "Nina is furious about the lost session. Sol is tired of being the "
            "only one awake when things break."
        ),
        "options": [
            (
                "Pay a freelance engineer to sit nights until the film is delivered",
                "1400",
                "2 days",
                MEDIUM,
                False,
            ),
            (
                "Credit the night-cover fee and introduce a studio support specialist",
                "900",
                "1 week",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.VIDEO,
                "people": ["Nina Albrecht", "Sol Adebayo"],
                "summary": (
                    "Alex told Nina and Sol plainly that we cannot staff nights, "
                    "offered to credit the fee, and to introduce two specialists "
                    "in studio support."
                ),
                "reaction": (
                    "Nina said she preferred honesty to another promise. Sol asked "
                    "for the introductions that day."
                ),
            }
        ],
        "apologies": [
            (
                "Nina Albrecht",
                CALL,
                COMPANY,
                True,
                "Nina accepted, though she still has to explain the lost session "
                "to the director.",
            ),
            (
                "Sol Adebayo",
                CALL,
                PERSONAL,
                True,
                "Sol accepted and thanked Alex for the introductions.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.CREDIT,
                "description": "The month's night-cover fee, credited in full",
                "value": "900",
                "cost": "900",
                "decide": (True, "We sold cover we do not have. Credit all of it."),
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check the handover to the studio support specialist",
                "done",
                "The specialist has taken over the night cover.",
            ),
            (
                35,
                "Talk to Nina about the rest of the account",
                "done",
                "Day-time support is moving to the specialist too; we parted on "
                "good terms.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Introduce Nina to two studio support specialists",
                2,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.PARTED,
            "client_fit": ClientFit.NOT_A_FIT,
            "lessons": (
                "We do not sell night cover: we have no night desk, and studios "
                "need one. Any order promising hours outside our own goes to the "
                "sales manager before it is signed."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Halden Freight",
        "commitment": "Handheld scanner repairs returned within 48 hours",
        "promised": 2,
        "what_happened": (
            "Six broken scanners came back after nine days instead of two. We sent "
            "them on to the manufacturer, because the 48-hour repair in Halden's "
            "contract had never been built into our own repair process. The night "
            "shift worked with half its scanners and checked loads by hand."
        ),
        "severity": Severity.HIGH,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.COULD_NOT_DELIVER],
        "affected": ["Emma Lund", "Jonas Berg"],
        "opened": 165,
        "moves": [0.2, 0.3, 0.4, 1, 2, 5, 65],
        "step": Step.CLOSED,
        "answers": "yes partly partly no no partly yes no partly",
        "notes": {
            "responded_on_time": "Emma's second chase waited a day for an answer.",
            "buffer": "48 hours leaves no room for a manufacturer's repair.",
            "backup_plan": "No spare scanners to lend.",
            "our_strengths": "We repair scanners, but never in 48 hours.",
        },
        "client_view": (
            "Emma's night shift loaded lorries by hand for a week and made two "
            "mistakes doing it. She paid for a 48-hour repair and never got one."
        ),
        "our_view": (
            "We signed a repair time we had no way to meet. The manufacturer was "
            "slow, but we never told it about our 48 hours."
        ),
        "client_feeling": (
            "Emma is exasperated. Jonas's team is fed up with paper checks at night."
        ),
        "options": [
            (
                "Lend Halden four scanners from our demo stock until the repairs "
                "come back",
                "80",
                "1 day",
                HIGH,
                True,
            ),
            (
                "Pay the manufacturer's express repair fee",
                "420",
                "4 days",
                MEDIUM,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Emma Lund"],
                "summary": (
                    "Omar called Emma, told her where the scanners were, and had "
                    "four demo scanners driven to the depot that evening."
                ),
                "reaction": (
                    "Emma took the loan scanners but said the contract has to change."
                ),
            },
            {
                "channel": Channel.MEETING,
                "people": ["Emma Lund", "Jonas Berg"],
                "summary": (
                    "Tom and Omar met Emma and Jonas at the depot to agree how "
                    "repairs should work for a company running three shifts."
                ),
                "reaction": (
                    "Jonas asked for spare scanners on site rather than promises "
                    "about repair times."
                ),
                "manager_joined": True,
            },
        ],
        "apologies": [
            (
                "Emma Lund",
                IN_PERSON,
                COMPANY,
                True,
                "Emma accepted and asked that the night shift hear it too.",
            ),
            (
                "Jonas Berg",
                IN_PERSON,
                COMPANY,
                True,
                "Jonas accepted on behalf of the night shift.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": (
                    "Four spare scanners kept at the depot at no charge, swapped "
                    "for any that break"
                ),
                "value": "1600",
                "cost": "300",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                7,
                "Check the spare scanners are in use on the night shift",
                "done",
                "All four in use; Jonas keeps the log.",
            ),
            (
                30,
                "Go through the new repair terms with Emma",
                "done",
                "A broken scanner is now swapped for a spare at once; the 48 hours "
                "is out of the contract.",
            ),
            (
                55,
                "Quarterly review with Emma",
                "done",
                "No shift has been short of scanners since.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send Emma the status of every scanner each morning until all six "
                "are back",
                5,
                True,
            ),
            (
                Step.APOLOGISE,
                "Return the last two repaired scanners by Friday",
                3,
                False,
            ),
        ],
        "close": {
            "outcome": Outcome.RETAINED,
            "client_fit": ClientFit.WITH_CHANGES,
            "lessons": (
                "Do not sign a repair time we cannot meet. A client running three "
                "shifts needs spare units on site more than a fast repair, so "
                "Halden stays with spares at the depot. Missing the Friday we "
                "promised for the last two scanners cost us goodwill the loan had "
                "earned."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "lena",
        "client": "Ashgrove Dental Group",
        "commitment": "New reception computers working for Monday's first patients",
        "promised": 0,
        "what_happened": (
            "We installed the new reception computers on Sunday evening. Nobody "
            "tested the card terminal, which needed a new driver, so on Monday "
            "patients could not pay by card until early afternoon and Paula took "
            "payments over the phone."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.NO_BUFFER],
        "affected": ["Paula Grant"],
        "opened": 155,
        "moves": [0.1, 0.2, 0.3, 1, 2, 4, 50],
        "step": Step.CLOSED,
        "answers": "yes yes yes no partly yes yes partly yes",
        "notes": {
            "buffer": "Sunday evening left no time to test before Monday.",
            "backup_plan": "The old computers were still there, but unplugged.",
        },
        "client_view": (
            "Paula had a queue at the desk all morning, and patients were annoyed "
            "before they had even sat down."
        ),
        "our_view": (
            "We squeezed the install into the last evening before opening, so "
            "there was no time to test what patients use first."
        ),
        "client_feeling": (
            "Paula was frazzled on Monday; by Tuesday she was more amused than angry."
        ),
        "options": [
            (
                "Install the card terminal driver remotely this morning",
                "0",
                "2 hours",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Paula Grant"],
                "summary": (
                    "Called Paula at nine: the driver goes on remotely within two "
                    "hours, and card payments by phone until then."
                ),
                "reaction": "Paula asked for installs on a Friday from now on.",
            }
        ],
        "apologies": [
            (
                "Paula Grant",
                CALL,
                PERSONAL,
                True,
                "Paula accepted and joked about her Monday.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": "A year of offsite backup for the new computers",
                "value": "300",
                "cost": "40",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                7,
                "Check a week of card payments with Paula",
                "done",
                "No failures all week.",
            ),
            (
                40,
                "Talk to Dr Chen about her second practice",
                "done",
                "Dr Chen asked us to fit out her second practice, installing on a "
                "Friday.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send Paula the checklist we test against after every install",
                2,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RECOVERED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "Install with a working day to spare, and test what patients touch "
                "first: the card terminal, the check-in screen, the printer. Fixing "
                "it within hours won us the second practice."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "lena",
        "client": "Penrose Garden Centres",
        "commitment": "Staff fleeces with the new logo for the spring reopening",
        "promised": -2,
        "what_happened": (
            "The 120 fleeces for Penrose's three garden centres arrived with the "
            "old logo. We sent our embroidery partner last year's artwork and "
            "nobody checked the sample. Staff opened the season in the old "
            "uniforms, two days after the new brand was launched in the local paper."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.PROCESS,
        "parts": [OurPart.BELOW_LEVEL],
        "affected": ["Hollie Vance", "Gareth Penrose"],
        "opened": 80,
        "moves": [0.1, 0.2, 0.3, 1, 2, 6, 55],
        "step": Step.CLOSED,
        "answers": "yes no yes partly partly yes partly no yes",
        "notes": {
            "written_expectations": "The new artwork was attached to the order.",
            "followed_through": "The photo of the sample was never opened.",
            "improvement_process": "Artwork sent out is not checked against the order.",
        },
        "client_view": (
            "Gareth paid for a new brand and his own staff undid it on the first "
            "weekend. Hollie had to explain it to every team leader."
        ),
        "our_view": (
            "The right artwork was in our inbox and the wrong one went out. One "
            "look at the sample would have caught it."
        ),
        "client_feeling": (
            "Gareth is angry and says so. Hollie is embarrassed in front of her staff."
        ),
        "options": [
            (
                "Re-embroider all 120 fleeces with the new logo within a week, at "
                "our cost",
                "1100",
                "1 week",
                HIGH,
                True,
            ),
            (
                "Supply plain fleeces and logo badges this week as a stopgap",
                "300",
                "2 days",
                MEDIUM,
                False,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Hollie Vance"],
                "summary": (
                    "Called Hollie: the fleeces go back for the new logo at our "
                    "cost, and will be at all three centres by the next Friday."
                ),
                "reaction": (
                    "Hollie was relieved, but said Gareth wants to hear it from us "
                    "himself."
                ),
            },
            {
                "channel": Channel.MEETING,
                "people": ["Gareth Penrose", "Hollie Vance"],
                "summary": (
                    "Tom and Lena met Gareth at the main garden centre to explain "
                    "what went wrong and how it is being put right."
                ),
                "reaction": (
                    "Gareth heard us out and said he would think about the account."
                ),
                "manager_joined": True,
            },
        ],
        "apologies": [
            ("Hollie Vance", CALL, PERSONAL, True, "Hollie accepted."),
            (
                "Gareth Penrose",
                IN_PERSON,
                COMPANY,
                True,
                "Gareth accepted the apology, though not the excuse of a busy week.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": "Name badges with the new logo for every member of "
                "staff",
                "value": "180",
                "cost": "60",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                14,
                "Check the corrected fleeces at all three centres",
                "done",
                "All 120 corrected and handed out.",
            ),
            (
                45,
                "Talk to Gareth about the autumn order",
                "done",
                "Gareth has moved uniforms and signage to a local embroiderer.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Corrected fleeces at all three centres by Friday",
                4,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.LOST,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "Every logo job gets its sample checked against the client's "
                "artwork before the run. Fixing the fleeces within a week was not "
                "enough for a client whose relaunch we spoiled, and badges worth "
                "less than the account did not change his mind."
            ),
        },
    },
    {
        "team": "Midmarket",
        "owner": "omar",
        "client": "Kestrel Foods",
        "commitment": "Weekly sales report with every product line, Mondays by nine",
        "promised": 0,
        "what_happened": (
            "The first three weekly sales reports left out Kestrel's two chilled "
            "product lines. We mapped product codes from an old price list that "
            "Leo had told us was out of date, so the chilled ranges looked as if "
            "they had sold nothing, and Anita nearly cut their production."
        ),
        "severity": Severity.MEDIUM,
        "source": FailureSource.INDIVIDUAL,
        "parts": [OurPart.MISUNDERSTOOD],
        "affected": ["Anita Kowalski", "Leo Fischer"],
        "opened": 40,
        "moves": [0.1, 0.2, 0.3, 1, 2, 6, 34],
        "step": Step.CLOSED,
        "answers": "partly no yes yes yes yes partly partly yes",
        "notes": {
            "written_expectations": "Leo's warning about the price list came by "
            "phone and never reached the order.",
            "followed_through": "Nobody compared the first report's totals with "
            "Kestrel's own.",
        },
        "client_view": (
            "Anita nearly made a production decision on our figures, and now "
            "wonders what else in the report is wrong."
        ),
        "our_view": (
            "Leo told us the price list was old and we used it anyway. Checking "
            "the totals against Kestrel's would have caught it in the first week."
        ),
        "client_feeling": (
            "Anita is alarmed more than angry. Leo feels he warned us and was not "
            "heard."
        ),
        "options": [
            (
                "Re-run the three reports with the current product list by Wednesday",
                "0",
                "2 days",
                HIGH,
                True,
            ),
            (
                "Check every report's totals against Kestrel's own before it goes out",
                "0",
                "1 week",
                HIGH,
                True,
            ),
        ],
        "contacts_log": [
            {
                "channel": Channel.CALL,
                "people": ["Anita Kowalski", "Leo Fischer"],
                "summary": (
                    "Called Anita and Leo: the three reports re-run by Wednesday, "
                    "and from now on every report's totals checked against theirs "
                    "before it goes out."
                ),
                "reaction": (
                    "Anita asked for the corrected figures before her production "
                    "meeting on Thursday."
                ),
            }
        ],
        "apologies": [
            (
                "Anita Kowalski",
                CALL,
                COMPANY,
                True,
                "Anita accepted; she was glad we called before she found it herself.",
            ),
            (
                "Leo Fischer",
                CALL,
                PERSONAL,
                True,
                "Leo accepted, and said he will put his warnings in writing too.",
            ),
        ],
        "compensations": [
            {
                "kind": CompensationKind.FREE_PRODUCT,
                "description": (
                    "A stock-ageing page added to the weekly report, free for "
                    "three months"
                ),
                "value": "450",
                "cost": "60",
                "deliver": True,
            }
        ],
        "follow_ups": [
            (
                7,
                "Check the next report's totals with Leo",
                "done",
                "Totals match Kestrel's own to the case.",
            ),
            (
                21,
                "Review the first month of reports with Anita",
                FOLLOW_UP_LATE,
                "Held three days late, after Omar moved it twice.",
            ),
        ],
        "promises": [
            (
                Step.COMMUNICATE,
                "Send the corrected reports before Thursday's production meeting",
                2,
                True,
            ),
        ],
        "close": {
            "outcome": Outcome.RETAINED,
            "client_fit": ClientFit.GOOD,
            "lessons": (
                "A warning from the client goes into the order, even when it comes "
                "by phone. The first reports of any new kind have their totals "
                "checked against the client's own figures before they go out."
            ),
        },
    },
]
