"""The demo shows replies by email without a mailbox: a client's reply on a
case's timeline, and one email waiting for review."""

from cases.choices import InboundStatus, TimelineKind
from cases.demo.replies import seed_replies
from cases.models import InboundMail
from tests.demo.test_seed_demo import seeded  # noqa: F401 (the fixture)


def test_the_demo_has_a_reply_on_a_timeline_and_one_waiting(seeded, db):  # noqa: F811
    attached = InboundMail.objects.get(status=InboundStatus.ATTACHED)
    assert attached.entry.kind == TimelineKind.CLIENT_REPLIED
    assert attached.contact in attached.case.contacts.all()
    assert "wrote:" not in attached.entry.body
    waiting = InboundMail.objects.get(status=InboundStatus.REVIEW)
    assert waiting.case is None
    seed_replies()
    assert InboundMail.objects.count() == 2
