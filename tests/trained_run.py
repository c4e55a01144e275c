"""A tiny real training run for the tests of translate.py and export.py: the trainer's
own code writes the workdir (run_config.json, tasks/task_i/generator, results.json),
eagerly, in seconds."""

import io

from graph_mode import eagerly

from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.training import trainer

TASKS = ("toy_labels2street", "toy_photo2warm")


def train_tiny_run(workdir, data_dir, **overrides):
    """Trains two built-in toy tasks for 2 steps each with a 4-filter, 1-block
    generator; returns the results dictionary."""
    values = dict(
        tasks=",".join(TASKS), steps_per_task=2, batch_size=4, image_size=32, ngf=4, n_blocks=1, ndf=8,
        eval_examples=8, workdir=str(workdir), data_dir=data_dir, jit_compile="false",
    )
    values.update(overrides)
    with eagerly():
        return trainer.train(TrainConfig(**values), log_stream=io.StringIO())
