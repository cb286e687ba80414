"""Production settings: fail fast with one line, and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = "k3J9-vQ2xLr8_ZpT4mWb7nYc1dFh6sGa0eUi5oRj2lKq8wXz3vBn"  # test only
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": REAL_SECRET,
    "ALLOWED_HOSTS": "mend.example.com",
    "DATABASE_URL": "postgres://mend@db.example.com/mend",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
}


def run_manage(*args, **overrides):
    # The browser tests' async escape hatch must not leak into a deploy check.
    leaks = {"PYTEST_CURRENT_TEST", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in leaks}
    env.update(PRODUCTION)
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_configuration_passes_check_deploy_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "nonsense://what"}, "DATABASE_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT"),
    ],
)
def test_a_missing_or_malformed_setting_stops_start_up_with_one_line(overrides, named):
    result = run_manage("check", **overrides)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Mend cannot start:")
    assert named in lines[0]
