"""Forgetting: how much worse a task got between learning it and a later stage.

The one definition every table, the TensorBoard HParams dashboard, the method
comparison and the benchmarks use. A continual-learning matrix M has M[i][j] = the
metric of task j after learning task i (None, or NaN, where j > i).

- forgetting of task j at stage s (j < s): M[j][j] - M[s][j] for a higher-is-better
  metric (Acc, PSNR, SSIM), M[s][j] - M[j][j] for a lower-is-better one (L1, FID),
  so a positive value always means the task got worse (forgot).
- mean forgetting at stage s: the mean of that over tasks 0..s-1. The task learned
  at stage s is left out: it cannot have forgotten anything yet, and counting its
  zero would shrink the mean by a factor (T-1)/T that depends only on the number
  of tasks.
"""

import math

from hyper_lifelong_gan.metrics.facts import HIGHER_IS_BETTER


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def worsening(metric_name, before, after):
    """How much worse `after` is than `before` for `metric_name` (positive = worse).

    The one place that decides a metric's sign, from `metrics.facts`.
    """
    if metric_name not in HIGHER_IS_BETTER:
        raise ValueError(
            f"No direction is known for metric {metric_name!r}; add it to metrics/facts.py "
            f"(known: {', '.join(sorted(HIGHER_IS_BETTER))})."
        )
    drop = before - after if HIGHER_IS_BETTER[metric_name] else after - before
    return float(drop) + 0.0  # + 0.0: no -0.0 to print as "-0.00"


def forgetting(metric_name, matrix, stage=None):
    """Per task j < `stage` (default: the last row), how much worse it got from just
    after learning it to `stage`: a list of `stage` values, None where an entry is
    missing. See the module docstring for the signs."""
    stage = len(matrix) - 1 if stage is None else stage
    drops = []
    for task in range(stage):
        learned, now = matrix[task][task], matrix[stage][task]
        drops.append(None if _missing(learned) or _missing(now) else worsening(metric_name, learned, now))
    return drops


def mean_forgetting(metric_name, matrix, stage=None):
    """The mean of `forgetting` over the tasks learned before `stage` (default: the
    last row); None when there are none (a single task) or none is known."""
    known = [drop for drop in forgetting(metric_name, matrix, stage) if drop is not None]
    return sum(known) / len(known) if known else None
