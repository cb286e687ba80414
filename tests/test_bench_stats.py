"""The benchmarks' arithmetic (tests/bench/stats.py): the benchmarks are not
part of the suite, the figures they print are checked here."""

import pytest

from tests.bench.stats import (
    parse_count,
    parse_locust_stats,
    percentile,
    size_label,
    spread,
)


def test_percentile_interpolates_between_ranks():
    values = [40, 10, 30, 20]  # unsorted on purpose
    assert percentile(values, 0) == 10
    assert percentile(values, 100) == 40
    assert percentile(values, 50) == 25
    assert percentile(values, 90) == pytest.approx(37)
    assert percentile([7], 99) == 7


def test_percentile_refuses_nothing_and_out_of_range():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_spread():
    assert spread(list(range(1, 12))) == {
        "median": 6,
        "p10": 2,
        "p90": 10,
        "min": 1,
        "max": 11,
    }


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("100000", 100_000),
        ("100_000", 100_000),
        ("100,000", 100_000),
        ("100k", 100_000),
        ("1m", 1_000_000),
        ("1.5M", 1_500_000),
    ],
)
def test_parse_count(text, count):
    assert parse_count(text) == count


@pytest.mark.parametrize("text", ["", "many", "-5", "1.5", "2.5k7"])
def test_parse_count_refuses(text):
    with pytest.raises(ValueError):
        parse_count(text)


def test_size_label():
    assert size_label(100_000) == "100k"
    assert size_label(1_000_000) == "1M"
    assert size_label(1_234) == "1,234"


LOCUST_CSV = (
    '"Type","Name","Request Count","Failure Count","Median Response Time",'
    '"Average Response Time","Min Response Time","Max Response Time",'
    '"Average Content Size","Requests/s","Failures/s","50%","66%","75%","80%",'
    '"90%","95%","98%","99%","99.9%","99.99%","100%"\n'
    '"GET","dashboard","120","0","41","52.3","20.1","410.5","30000","2.0","0.0",'
    '"41","50","60","70","90","140","200","390","410","410","410"\n'
    '"POST","comment (POST)","0","0","0","0","0","0","0","0.0","0.0",'
    '"N/A","N/A","N/A","N/A","N/A","N/A","N/A","N/A","N/A","N/A","N/A"\n'
    '"","Aggregated","120","3","41","52.3","20.1","410.5","30000","2.0","0.05",'
    '"41","50","60","70","90","140","200","390","410","410","410"\n'
)


def test_parse_locust_stats():
    rows = parse_locust_stats(LOCUST_CSV)
    assert [r["name"] for r in rows] == ["dashboard", "comment (POST)", "Aggregated"]
    dashboard, comment, total = rows
    assert dashboard == {
        "name": "dashboard",
        "method": "GET",
        "requests": 120,
        "failures": 0,
        "rps": 2.0,
        "p50": 41.0,
        "p95": 140.0,
        "p99": 390.0,
        "max": 410.5,
    }
    assert comment["p95"] == 0.0 and comment["requests"] == 0
    assert total["failures"] == 3


def test_the_sink_reads_the_wall_clock_whether_or_not_time_travels():
    # The sink's process does not travel; the escape hatch alone raised there
    # and every message went unstamped.
    import datetime as dt
    import time

    import time_machine

    from tests.bench.smtp_sink import real_time

    assert abs(real_time() - time.time()) < 5
    with time_machine.travel(dt.datetime(2020, 1, 6, 9, tzinfo=dt.UTC), tick=False):
        assert time.time() < 1.6e9
        assert real_time() > 1.7e9
