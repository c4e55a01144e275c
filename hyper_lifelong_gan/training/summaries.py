"""What TensorBoard shows of a run beyond its logged losses.

- `samples/<task>`: an input | output | target grid of the current task and of the
  earlier tasks evaluated after it (`--eval_schedule`: every one in sequences of up to
  ten tasks; past ten, a rotating few, and all at the stages the whole matrix is
  evaluated, so the grids grow with the evaluations, not with the square of the task
  count), every `--sample_every` steps and at the end of each task. The
  inputs (the first test examples) and the noise are fixed, so the images change
  only because the generator does: a task being learned sharpens, a task being
  forgotten drifts.
- After each task: `eval_<metric>/<task>` (row i of the matrices),
  `forgetting_<metric>/<task>` of every earlier task and `stage_forgetting/<metric>`
  (`metrics.forgetting`: how much worse task j got since it was learned, positive =
  forgot, and its mean over the earlier tasks, as in the printed tables; from the
  second task on) and `stage_mean/<metric>`.
- The HParams dashboard: the run's settings as hyper-parameters and its stage means
  and mean forgetting as metrics, so runs of different methods or ablations
  (`tensorboard --logdir runs`) line up in one table.
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.evaluation import generation
from hyper_lifelong_gan.metrics.forgetting import forgetting, mean_forgetting
from hyper_lifelong_gan.reporting.images import image_grid_array

SAMPLE_COUNT = 4
# Metrics the HParams dashboard lists: every metric a paired or unpaired run records.
DASHBOARD_METRICS = ("l1", "psnr", "ssim", "acc")


class SampleGrids:
    """Fixed test inputs of each task and the grids of what the generator makes of them."""

    def __init__(self, tasks, config, count=SAMPLE_COUNT):
        self.tasks = tasks
        self.config = config
        self.count = count
        self._fixed = {}

    def _examples(self, task_index):
        if task_index not in self._fixed:
            inputs, targets = next(iter(generation.test_batches(self.tasks[task_index], self.config, self.count)))
            self._fixed[task_index] = (inputs, targets)
        return self._fixed[task_index]

    def rows(self, generators, task_index):
        return generation.sample_rows(
            generators, self.tasks[task_index], task_index, self.config, examples=self._examples(task_index)
        )

    def write(self, writer, generators, task_indices, step):
        """One grid per task of `task_indices`, at `step`."""
        with writer.as_default(step=step):
            for task_index in task_indices:
                grid = image_grid_array(self.rows(generators, task_index))
                tf.summary.image(f"samples/{self.tasks[task_index].name}", grid[None])
        writer.flush()


def write_stage(writer, tasks, stage, matrices, step):
    """After task `stage`: its row of every matrix, the forgetting and the means."""
    with writer.as_default(step=step):
        for name, matrix in matrices.items():
            row = matrix[stage][: stage + 1]
            if not row or any(value is None for value in row):
                continue
            for task_index, value in enumerate(row):
                tf.summary.scalar(f"eval_{name}/{tasks[task_index].name}", value)
            for task_index, drop in enumerate(forgetting(name, matrix, stage)):
                tf.summary.scalar(f"forgetting_{name}/{tasks[task_index].name}", drop)
            tf.summary.scalar(f"stage_mean/{name}", float(np.mean(row)))
            if stage > 0:
                tf.summary.scalar(f"stage_forgetting/{name}", mean_forgetting(name, matrix, stage))
    writer.flush()


def hparam_values(config):
    """The run's settings as HParams values (str, bool, int or float); where and how
    often a run writes is left out."""
    values = {}
    for name, value in dataclasses.asdict(config).items():
        if name in config_lib.RESUMABLE_CHANGES:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(item) for item in value)
        values[name] = value if isinstance(value, (str, bool, int, float)) else str(value)
    return values


def write_hparams(writer, config):
    """The HParams dashboard's experiment (which settings and metrics) and this run's
    settings; the metrics are the `stage_mean/*` and `stage_forgetting/*` scalars
    written after each task (the dashboard shows their last value)."""
    values = hparam_values(config)
    metrics = [
        hparams_api.Metric(f"{group}/{name}", display_name=f"{label} {name}")
        for name in DASHBOARD_METRICS
        for group, label in (("stage_mean", "mean"), ("stage_forgetting", "forgetting"))
    ]
    with writer.as_default(step=0):
        hparams_api.hparams_config(
            hparams=[hparams_api.HParam(name) for name in values], metrics=metrics
        )
        hparams_api.hparams(values, trial_id=os.path.basename(os.path.normpath(config.workdir)))
    writer.flush()

