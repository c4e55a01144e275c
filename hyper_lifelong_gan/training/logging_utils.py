"""The ETA's cost model of a run's steps, and one JSON line per logged step (the
progress line itself is `reporting.progress`)."""

import json

import numpy as np


class StepCostModel:
    """Seconds per step of every task of the run, from the steps measured so far.

    A distilling method's step at task t runs the teacher and the student once more
    for each earlier task it distils: all t of them, or at most `passes` with
    `--distillation=sampled`, each at `distill_area` of the image area
    (`--distill_scale` squared). So a step costs about `a + b * passes(t)`. Each
    task's cost is measured while it trains; tasks not reached yet are predicted
    from a straight line through the measured ones or, while only one number of
    passes has been measured, with `b` at `extra_pass_ratio` times a step of the
    first task (one more teacher and student pass cost 0.7 of a first-task step on
    a 2-core CPU and 1.1 on a GPU, measured with the project's own networks). Methods
    that do not distil cost the same at every task.
    """

    def __init__(self, distills, extra_pass_ratio=1.0, passes=0, distill_area=1.0):
        self.distills = distills
        self.extra_pass_ratio = extra_pass_ratio
        self.distill_passes = passes  # 0: every earlier task (exact distillation)
        self.distill_area = distill_area
        self.measured = {}  # task index -> (seconds, steps)

    def observe(self, task_index, seconds, steps):
        total_seconds, total_steps = self.measured.get(task_index, (0.0, 0))
        self.measured[task_index] = (total_seconds + seconds, total_steps + steps)

    def passes(self, task_index):
        """Distillation passes of a step of `task_index`, in full-size passes."""
        distilled = min(task_index, self.distill_passes) if self.distill_passes else task_index
        return distilled * self.distill_area

    def seconds_per_step(self, task_index):
        """The measured cost of `task_index`, else its prediction; None before any measurement."""
        if task_index in self.measured:
            seconds, steps = self.measured[task_index]
            return seconds / steps
        if not self.measured:
            return None
        points = sorted((self.passes(t), s / n) for t, (s, n) in self.measured.items())
        if not self.distills:
            return float(np.mean([cost for _, cost in points]))
        passes = self.passes(task_index)
        if len({p for p, _ in points}) == 1:
            p0 = points[0][0]
            cost0 = float(np.mean([cost for _, cost in points]))
            # cost0 = a + b * p0 with b = ratio * a.
            a = cost0 / (1.0 + self.extra_pass_ratio * p0)
            return a * (1.0 + self.extra_pass_ratio * passes)
        slope, intercept = np.polyfit([p for p, _ in points], [c for _, c in points], 1)
        return float(max(intercept + slope * passes, min(c for _, c in points)))

    def remaining_seconds(self, task_index, step, steps_per_task):
        """Seconds left from `step` of `task_index` to the end of the run, or NaN
        before anything is measured. `steps_per_task`: the length of every task."""
        total = 0.0
        for index in range(task_index, len(steps_per_task)):
            cost = self.seconds_per_step(index)
            if cost is None:
                return float("nan")
            left = steps_per_task[index] - (step if index == task_index else 0)
            total += cost * max(left, 0)
        return total


class MetricsLog:
    """Appends one JSON object per logged step to WORKDIR/metrics.jsonl."""

    def __init__(self, path):
        self.path = path

    def write(self, record):
        with open(self.path, "a") as stream:
            stream.write(json.dumps(record, sort_keys=True) + "\n")
