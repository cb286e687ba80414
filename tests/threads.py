"""Real concurrency for tests: functions run in threads, each with its own
database connection, released at the same moment."""

import threading

from django.db import connections


def in_threads(*functions, timeout=30):
    """Run each function in its own thread, all released at once; return their
    results (any exception is raised here, in the test's thread)."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    problems: list = []

    def run(index, function):
        try:
            barrier.wait(timeout=timeout)
            results[index] = function()
        except Exception as exc:  # reported below, in the test's thread
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not problems, problems
    return results
