"""The outbox's index for claim_batch(): due pending rows in (due_at, id) order.

claim_batch() reads `status = 'pending' AND due_at <= now ORDER BY due_at, id
LIMIT 200 FOR UPDATE SKIP LOCKED`. On (due_at) alone, PostgreSQL had to read
and sort every row due at the same moment (all 10,000 in `make bench-notify`)
to return the first 200; on (due_at, id) it reads them in order and stops.

Named 0008 as planned; it comes after 0008_insights, which landed first, so
the migrations stay one line.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_insights"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["due_at", "id"],
                name="outbox_pending_due_id",
            ),
        ),
        migrations.RemoveIndex(
            model_name="outboxmessage",
            name="outbox_pending_due",
        ),
    ]
