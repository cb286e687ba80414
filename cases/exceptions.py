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


class ConcurrentEdit(MendError):
    def __init__(self, by: str, at):
        self.by = by
        self.at = at
        super().__init__(
            f"{by} saved this case while you were editing. Your changes were not "
            "saved and are kept in the form below: check theirs, then save again."
        )


class NotAllowed(MendError):
    pass


class AlreadySubmitted(MendError):
    """A double-clicked submit: the first one was saved, this one is ignored."""
