"""The demo holds one written confirmation, sent after a call, on the
ledger and the timeline, already delivered."""

from django.utils import timezone

from cases.choices import OutboxStatus, TimelineKind
from cases.demo.confirmations import seed_confirmation
from cases.models import Confirmation
from tests.demo.test_seed_demo import seeded  # noqa: F401 (a fixture)


def test_one_demo_case_has_a_sent_confirmation(seeded, db, client):  # noqa: F811
    [confirmation] = Confirmation.objects.all()
    case = confirmation.case
    assert confirmation.step in {"communicate", "apologise", "compensate", "follow_up"}
    assert {c.name for c in confirmation.contacts.all()} == {"Dev Patel", "Olivia Hart"}
    [promise] = confirmation.promises.all()
    assert promise.case == case and promise.due_on > timezone.localdate()
    assert {m.status for m in confirmation.messages.all()} == {OutboxStatus.SENT}
    call = case.client_contacts.order_by("happened_at").first()
    assert call.happened_at < confirmation.created_at < timezone.now()
    entry = case.timeline.get(kind=TimelineKind.CONFIRMATION_SENT)
    assert entry.at == confirmation.created_at
    client.force_login(case.owner)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Sent the written confirmation" in page
    assert promise.description in page
    # Seeding again sends nothing more.
    seed_confirmation()
    assert Confirmation.objects.count() == 1
