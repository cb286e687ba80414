"""The trend chart: cases logged, closed and kept per week or month, as bars."""

import datetime as dt

from cases.insights.period import Period


def _bucket_key(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def trend(data: dict, period: Period) -> dict:
    logged = {_bucket_key(k): v for k, v in data["logged"].items()}
    closed = {_bucket_key(k): v for k, v in data["closed"].items()}
    if data["monthly"]:
        first = period.start.replace(day=1)
        buckets = []
        while first <= period.end:
            buckets.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
    else:
        monday = period.start - dt.timedelta(days=period.start.weekday())
        buckets = []
        while monday <= period.end:
            buckets.append(monday)
            monday += dt.timedelta(weeks=1)
    rows = []
    for bucket in buckets:
        n_closed, kept = closed.get(bucket, (0, 0))
        rows.append(
            {
                "bucket": bucket,
                "logged": logged.get(bucket, 0),
                "closed": n_closed,
                "kept": kept,
            }
        )
    top = max([r["logged"] for r in rows] + [r["closed"] for r in rows] + [1])
    step = 560 / max(len(rows), 1)
    width = max(min(step / 2 - 2, 18), 2)
    for index, row in enumerate(rows):
        row["x"] = round(40 + index * step, 1)
        row["x2"] = round(row["x"] + width + 1, 1)
        row["logged_h"] = round(120 * row["logged"] / top)
        row["closed_h"] = round(120 * row["closed"] / top)
        row["logged_y"] = 140 - row["logged_h"]
        row["closed_y"] = 140 - row["closed_h"]
        row["label_x"] = round(row["x"] + width, 1)
    label_every = -(-len(rows) // 7)  # at most seven labels fit under the bars
    for index, row in enumerate(rows):
        row["show_label"] = index % label_every == 0
    return {
        "monthly": data["monthly"],
        "rows": rows,
        "top": top,
        "bar_width": round(width, 1),
    }
