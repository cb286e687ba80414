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
