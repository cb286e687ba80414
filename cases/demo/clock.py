"""Demo time: when a demo case was logged, moved on, and took each action."""

import datetime as dt

from django.utils import timezone

# Spacing between the actions taken within one step.
ACTION_GAP = dt.timedelta(minutes=35)


def opening(days_ago: float, index: int, started: dt.datetime) -> dt.datetime:
    """When a case was logged: a working morning, or hours ago if today."""
    if days_ago < 1:
        return started - dt.timedelta(days=days_ago)
    day = timezone.localdate(started) - dt.timedelta(days=int(days_ago))
    # Spread the openings over the morning so the list does not look stamped.
    minutes = 9 * 60 + (index * 47) % 180
    return timezone.make_aware(dt.datetime.combine(day, dt.time(*divmod(minutes, 60))))


class Clock:
    """Demo time for one case: when it opened, moved on, and each action."""

    def __init__(self, opened: dt.datetime, moves: list[float], limit: dt.datetime):
        self.times = [opened]  # when each step period was entered
        self.now = opened
        self.latest = opened  # the latest moment stamped on anything
        self.limit = limit
        self._moves = list(moves)

    def cap(self, moment: dt.datetime) -> dt.datetime:
        moment = min(moment, self.limit)
        self.latest = max(self.latest, moment)
        return moment

    def tick(self) -> dt.datetime:
        self.now += ACTION_GAP
        return self.cap(self.now)

    def move(self, *, after_everything: bool = False) -> dt.datetime:
        if not self._moves:
            raise ValueError("Demo case has fewer 'moves' than steps it moves on.")
        planned = self.times[0] + dt.timedelta(days=self._moves.pop(0))
        earliest = (self.latest if after_everything else self.now) + ACTION_GAP
        self.now = self.cap(max(planned, earliest))
        self.times.append(self.now)
        return self.now

    def due(self, row: dict) -> dt.date:
        """A row's due date: due_from_today days from today, or due days on."""
        if "due_from_today" in row:
            today = timezone.localdate(self.limit)
            return today + dt.timedelta(days=row["due_from_today"])
        return timezone.localdate(self.now + dt.timedelta(days=row["due"]))

    def on(self, day: dt.date, hour: int) -> dt.datetime:
        """That day at that hour, but never before the current action."""
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        return self.cap(max(at, self.now + ACTION_GAP))

    def check_all_moves_used(self) -> None:
        if self._moves:
            raise ValueError("Demo case has more 'moves' than steps it moves on.")
