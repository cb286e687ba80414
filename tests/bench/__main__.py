"""Run one benchmark: `python -m tests.bench review|load|notify|imports [options]`.

Django is set up first, as manage.py would, since the benchmarks import the
models. Each benchmark is a Django command class, so its options, --help and
error messages behave as a management command's do.
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery.settings")
django.setup()

from tests.bench import imports, load, notify, review  # noqa: E402 (the models need django.setup() first)

BENCHMARKS = {
    "review": review.Command,
    "load": load.Command,
    "notify": notify.Command,
    "imports": imports.Command,
}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in BENCHMARKS:
        sys.exit(f"usage: python -m tests.bench {{{','.join(BENCHMARKS)}}} [options]")
    BENCHMARKS[argv[1]]().run_from_argv(["python -m tests.bench", *argv[1:]])


if __name__ == "__main__":
    main(sys.argv)
