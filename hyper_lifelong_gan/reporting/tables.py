"""Markdown tables in the paper's layout, and the JSON beside them.

Metric names are the keys of results.json; their labels and which are shown in
percent come from the one table of `metrics.facts`. A continual-learning matrix M
has M[i][j] = the metric of task j after learning task i; entries with j > i (tasks
not learned yet) are None.
"""

import json
import math
import os

from hyper_lifelong_gan.metrics.facts import METRIC_LABELS, PERCENT_METRICS
from hyper_lifelong_gan.metrics.forgetting import forgetting, mean_forgetting

MISSING = "-"


def write_markdown_and_json(out_dir, stem, text, payload):
    """Writes OUT_DIR/<stem>.md (the table as text) and OUT_DIR/<stem>.json; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    markdown_path = os.path.join(out_dir, f"{stem}.md")
    json_path = os.path.join(out_dir, f"{stem}.json")
    with open(markdown_path, "w") as stream:
        stream.write(text)
    with open(json_path, "w") as stream:
        json.dump(payload, stream, indent=2)
        stream.write("\n")
    return markdown_path, json_path


def metric_label(metric_name):
    """The display name of a metric ('acc' -> 'Acc'); unknown names pass through."""
    return METRIC_LABELS.get(metric_name, metric_name)


def is_missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(metric_name, value):
    """Two decimals; Acc as a percentage; '-' for a missing value."""
    if is_missing(value):
        return MISSING
    if metric_name in PERCENT_METRICS:
        value = 100.0 * value
    return f"{value:.2f}"


def markdown_rows(header, rows):
    """A markdown table of `header` and `rows` (lists of cell strings)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown_table(runs, metrics_order=("acc", "fid")):
    """The layout of the paper's Tables 4 and 6: one row per metric, one column per run.

    Args:
        runs: {run name: {metric name: value averaged over tasks}}, columns in
            the dict's order.
        metrics_order: the rows, by metric name.

    Returns:
        A markdown table, e.g.

            | Metric | hyper_lifelong_gan | sft |
            |---|---|---|
            | Acc | 92.55 | 25.46 |
            | FID | 101.43 | 250.37 |
    """
    header = ["Metric"] + list(runs)
    rows = [
        [metric_label(metric)] + [format_value(metric, values.get(metric)) for values in runs.values()]
        for metric in metrics_order
    ]
    return markdown_rows(header, rows)


def _mean(values):
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _square_floats(matrix, num_tasks, what):
    if len(matrix) != num_tasks or any(len(row) != num_tasks for row in matrix):
        raise ValueError(f"The {what} must be {num_tasks} x {num_tasks}.")
    return [[None if is_missing(v) else float(v) for v in row] for row in matrix]


def continual_matrix_table(metric_name, task_names, matrix, baseline=None):
    """The task-by-stage matrix of one metric as a markdown table.

    Rows: "after <task i>"; columns: the evaluated task j, then the mean over the
    tasks learned so far; a last row of forgetting (`metrics.forgetting`: how much
    worse each task got from just after learning it to the end, positive = forgot,
    whatever the metric's direction), with the mean forgetting over the tasks
    before the last in the mean column; the last task's cell is '-'.

    With a `baseline` matrix (a trivial baseline's value for each entry, same
    layout), two more rows set each task's score just after learning it, M[j][j],
    beside its baseline B[j][j], so a task never learned reads differently from one
    not forgotten; where the baseline changes from stage to stage (it depends on the
    outputs), a last row gives it after the last task, B[T-1][j].

    Args:
        metric_name: e.g. 'acc' (shown in percent) or 'fid'.
        task_names: the T task names, in training order.
        matrix: T x T nested lists (or array) with None (or NaN) where j > i.
        baseline: None, or T x T values like `matrix`.

    Returns:
        A markdown table, e.g. for Acc of two tasks:

            | Acc: after \\ on | monet | ukiyoe | mean |
            |---|---|---|---|
            | after monet | 90.00 | - | 90.00 |
            | after ukiyoe | 80.00 | 70.00 | 75.00 |
            | forgetting | 10.00 | - | 10.00 |
    """
    num_tasks = len(task_names)
    matrix = _square_floats(matrix, num_tasks, "matrix")
    header = [f"{metric_label(metric_name)}: after \\ on"] + list(task_names) + ["mean"]
    rows = [
        [f"after {task_names[stage]}"]
        + [format_value(metric_name, v) for v in row + [_mean(row)]]
        for stage, row in enumerate(matrix)
    ]
    drops = forgetting(metric_name, matrix) + [None]
    rows.append(["forgetting"] + [format_value(metric_name, v)
                                  for v in drops + [mean_forgetting(metric_name, matrix)]])
    if baseline is not None:
        baseline = _square_floats(baseline, num_tasks, "baseline matrix")
        diagonal = [baseline[j][j] for j in range(num_tasks)]
        summary = [("just learned", [matrix[j][j] for j in range(num_tasks)]), ("baseline", diagonal)]
        if baseline[-1] != diagonal:
            summary.append(("baseline after last", baseline[-1]))
        for label, values in summary:
            rows.append([label] + [format_value(metric_name, v) for v in values + [_mean(values)]])
    return markdown_rows(header, rows)
