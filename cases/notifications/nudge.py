"""The on-commit nudge: once a transaction that recorded messages commits,
ask for as many send tasks as its messages need. Only a nudge: beat's
send-outbox run finds the messages in the database anyway."""

import threading
import weakref

from django.conf import settings
from django.db import transaction

from cases.notifications import deliver

# The nudge waiting for this thread's transaction to commit, held weakly:
# Django holds the callbacks it will run on commit, and lets go of them when
# the transaction (or the savepoint they were registered in) rolls back, so
# a live reference here is a nudge that will still run.
_waiting = threading.local()


def enqueue_send_after_commit(messages: int = 1) -> None:
    """Ask workers to send once the current transaction commits.

    Only a nudge: if the broker is down, beat's send-outbox run picks the
    messages up from the database within a minute. Asked once per
    transaction, for all the `messages` it records together. (Messages
    recorded in a savepoint that rolls back still count towards the nudge of
    the transaction around it: at worst one send task too many is asked for.)
    """
    held = getattr(_waiting, "nudge", None)
    nudge = held() if held is not None else None
    if nudge is not None and not nudge.ran:
        nudge.messages += messages
        return
    nudge = _SendNudge(messages)
    _waiting.nudge = weakref.ref(nudge)
    transaction.on_commit(nudge)


def senders_for(messages: int) -> int:
    """How many send tasks to ask for: one per batch, at most OUTBOX_SENDERS
    and at most the SMTP server's EMAIL_MAX_CONNECTIONS (a sender finding
    every connection slot taken sends nothing).

    Side by side they split the rows (claim_batch skips locked ones), so ten
    thousand reminders due at 09:00 go out in parallel, not one batch after
    another.
    """
    batches = -(-messages // deliver.BATCH_SIZE)
    cap = min(settings.OUTBOX_SENDERS, settings.EMAIL_MAX_CONNECTIONS)
    return max(1, min(cap, batches))


class _SendNudge:
    """The on-commit callback; counts the messages of its transaction."""

    def __init__(self, messages: int):
        self.messages = messages
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        # Looked up on deliver when called, like BATCH_SIZE above: one function
        # asks for send tasks, for this nudge and send_due's hand-over alike.
        deliver.enqueue_send(senders_for(self.messages))
