"""Domain errors. Services raise them; views turn them into messages."""


class MendError(Exception):
    """Base for errors a person can act on; str() is the message to show."""


class TransitionNotAllowed(MendError):
    pass


class StepIncomplete(MendError):
    def __init__(self, step, missing: list[str]):
        self.step = step
        self.missing = missing
        super().__init__(
            f"{step.label} is not complete yet. Still missing: " + " ".join(missing)
        )


class Stale(MendError):
    """The case changed since the page was drawn, so the change was not made.

    The view shows the case as it is now, keeping what was typed (with the
    form based on the latest save), and says what changed.
    """


class ConcurrentEdit(Stale):
    def __init__(self, by: str, at):
        self.by = by
        self.at = at
        super().__init__(
            f"{by} saved this case while you were editing. Your changes were not "
            "saved and are kept in the form below: check theirs, then save again."
        )


class CaseMoved(Stale):
    """A move or hand-over based on an older copy of the case; says what changed."""


class NotAllowed(MendError):
    pass


class WrongStep(NotAllowed):
    """Work posted for a step the case is not in (a stale page, or a forged post)."""


class AlreadySubmitted(MendError):
    """A double-clicked submit: the first one was saved, this one is ignored."""


class LooksLogged(MendError):
    """The same client and commitment were logged within a day (the back
    button, a second tab, a teammate): nothing is saved until the user says
    it is another dropped ball."""

    def __init__(self, earlier):
        self.earlier = earlier
        super().__init__(
            f"This looks already logged: case {earlier.pk} for {earlier.client}, "
            "the same commitment, logged less than a day ago."
        )


class ClientChanged(MendError):
    """The client was edited since the page was drawn: nothing was saved."""

    def __init__(self, by: str):
        self.by = by
        super().__init__(
            f"{by} changed this client while you were editing. Your changes were "
            "not saved and are kept in the form: check what is saved now, then "
            "save again."
        )


class NameTaken(MendError):
    """A name that would make two clients (or two contacts) look like one."""


class ClientExists(MendError):
    """A new client typed whose name one of the team's clients has already
    (case and spacing ignored): nothing is saved; the user is offered it."""

    def __init__(self, client):
        self.client = client
        super().__init__(f"{client} already exists: use it?")
