"""Figures for the benchmarks' tables: percentiles and a spread, in one place
so the review, load and notification benchmarks summarise timings alike."""

import csv
import io
import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of values, interpolated between the two
    nearest ranks (as numpy's default and Locust's tables do)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, p10, p90, min and max of values."""
    return {
        "median": percentile(values, 50),
        "p10": percentile(values, 10),
        "p90": percentile(values, 90),
        "min": min(values),
        "max": max(values),
    }


def parse_count(text: str) -> int:
    """A count as the command line takes it: 100000, 100_000, 100,000, 100k
    or 1m."""
    cleaned = text.strip().lower().replace("_", "").replace(",", "")
    factor = 1
    if cleaned.endswith("k"):
        cleaned, factor = cleaned[:-1], 1_000
    elif cleaned.endswith("m"):
        cleaned, factor = cleaned[:-1], 1_000_000
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"not a count: {text!r}") from None
    count = number * factor
    if count != int(count) or count < 0:
        raise ValueError(f"not a count: {text!r}")
    return int(count)


def size_label(n: int) -> str:
    """100000 -> '100k', 1000000 -> '1M', 20000 -> '20k', 1234 -> '1,234'."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def parse_locust_stats(text: str) -> list[dict]:
    """The rows of Locust's --csv PREFIX_stats.csv: per request name (and the
    "Aggregated" row) its requests, failures, requests/s and percentiles in
    ms. "N/A" (no requests) reads as 0."""

    def number(value: str) -> float:
        return 0.0 if value in ("", "N/A") else float(value)

    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append(
            {
                "name": row["Name"],
                "method": row["Type"],
                "requests": int(number(row["Request Count"])),
                "failures": int(number(row["Failure Count"])),
                "rps": number(row["Requests/s"]),
                "p50": number(row["50%"]),
                "p95": number(row["95%"]),
                "p99": number(row["99%"]),
                "max": number(row["Max Response Time"]),
            }
        )
    return rows
