"""Import 10,000 clients from a Salesforce-style export, and time it.

`make bench-import` runs this (`python -m tests.bench imports`) against
PostgreSQL (a bench database of its own). The path is the one the page and
the worker take: import_start records the upload, then what the Celery
tasks call, import_preview (the dry run every row's result comes from) and,
after import_confirm, import_apply (the import in one transaction). Then the
same file again, which must come out all unchanged.

The data is its own: a team "ImportBench" with a sales manager and three
account managers who own the clients; its clients and imports are deleted
first, so every run starts from an empty team.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from cases.choices import Role
from cases.imports import services
from cases.models import Client, ImportRun, Membership, Team, User

TARGET_SECONDS = 30
OWNERS = ["Ava Reed", "Ben Ortiz", "Cleo Hart"]


def sample(rows: int) -> bytes:
    lines = ['"Id","Account Name","Type","AnnualRevenue","Account Owner"']
    for n in range(rows):
        lines.append(
            f'"001BENCH{n:010d}","Bench Client {n:05d} Ltd","Customer - Direct",'
            f'"{(n % 500 + 1) * 1000}.00","{OWNERS[n % len(OWNERS)]}"'
        )
    return ("\n".join(lines) + "\n").encode()


class Command(BaseCommand):
    help = "Time importing 10,000 clients through the import's own path."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)

    def handle(self, *args, rows: int, **options):
        team, manager = self._team()
        content = sample(rows)
        timings = []
        first = self._import(team, manager, content, timings, "first import")
        if (first.new_count, first.error_count) != (rows, 0):
            raise CommandError(f"expected {rows} new rows: {first.problem}")
        again = self._import(team, manager, content, timings, "same file again")
        if again.unchanged_count != rows:
            raise CommandError("the second import was not all unchanged")
        self.stdout.write(f"\n{rows:,} clients, {len(content) / 1e6:.1f} MB CSV\n")
        self.stdout.write(f"{'':18}{'preview':>10}{'import':>10}{'total':>10}")
        for label, preview, apply in timings:
            total = preview + apply
            self.stdout.write(f"{label:18}{preview:>9.1f}s{apply:>9.1f}s{total:>9.1f}s")
        total = timings[0][1] + timings[0][2]
        verdict = "under" if total < TARGET_SECONDS else "OVER"
        self.stdout.write(
            f"\nFirst import, upload to imported: {total:.1f} s "
            f"({verdict} the {TARGET_SECONDS} s target)."
        )

    def _import(self, team, manager, content, timings, label) -> ImportRun:
        run = services.import_start(
            by=manager,
            team=team,
            kind="clients",
            file_name="bench-accounts.csv",
            content=content,
        )
        started = time.perf_counter()
        services.import_preview(run_id=run.pk)
        previewed = time.perf_counter()
        run = ImportRun.objects.get(pk=run.pk)
        if run.status != "previewed":
            raise CommandError(f"preview {run.status}: {run.problem}")
        if run.new_count or run.update_count:
            services.import_confirm(run_id=run.pk, by=manager)
            services.import_apply(run_id=run.pk)
        done = time.perf_counter()
        timings.append((label, previewed - started, done - previewed))
        return ImportRun.objects.get(pk=run.pk)

    def _team(self):
        team, _ = Team.objects.get_or_create(name="ImportBench")
        ImportRun.objects.filter(team=team).delete()
        Client.objects.filter(team=team).delete()
        manager, _ = User.objects.get_or_create(
            username="importbench-manager", defaults={"role": Role.SALES_MANAGER}
        )
        Membership.objects.get_or_create(user=manager, team=team)
        for n, name in enumerate(OWNERS):
            first, last = name.split()
            owner, _ = User.objects.get_or_create(
                username=f"importbench-owner{n}",
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "role": Role.ACCOUNT_MANAGER,
                },
            )
            Membership.objects.get_or_create(user=owner, team=team)
        return team, manager
