"""How long each task trains and at what learning rate: the words some fields take,
per-task lengths, the schedule flags' checks, the rate at a step."""

import dataclasses
import math

from hyper_lifelong_gan.config.fields import InvalidConfig

LR_SCHEDULES = ("constant", "linear_decay")
DISCRIMINATORS = ("per_task", "shared")
STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")
# The generator's stride-2 alignments (`models.ResnetGenerator`'s `padding`).
PADDINGS = ("same", "reference")

# The fields that take one of a few words: the one list of their values, read by the
# flag rules below and by every command that defines flags from TrainConfig.
CHOICES = {
    "mode": ("auto", "paired", "unpaired"),
    "distill_input": ("auto", "swap", "unswap", "noise"),
    "distillation": ("exact", "sampled"),
    "task_init": ("auto", "fresh", "previous"),
    "jit_compile": ("auto", "true", "false"),
    "jitter": ("auto", "true", "false"),
    "lr_schedule": LR_SCHEDULES,
    "discriminator": DISCRIMINATORS,
    "strategy": STRATEGIES,
    "padding": PADDINGS,
}


def per_task_values(spec, num_tasks, flag, cast=int):
    """One value per task from `spec`: a number, or a comma-separated list with one
    number for every task or one per task. Raises InvalidConfig otherwise."""
    parts = list(spec) if isinstance(spec, (list, tuple)) else str(spec).split(",")
    try:
        values = [cast(str(part).strip()) for part in parts]
    except ValueError:
        raise InvalidConfig(
            f"--{flag}={spec!r} is not a number or a comma-separated list of numbers, one per task."
        ) from None
    if any(not value > 0 for value in values):
        raise InvalidConfig(f"--{flag}={spec!r} must be positive.")
    if len(values) == 1:
        values *= num_tasks
    if len(values) != num_tasks:
        raise InvalidConfig(
            f"--{flag}={spec!r} gives {len(values)} values for {num_tasks} tasks; "
            "give one value for every task or one per task."
        )
    return values


def check_schedule(config, num_tasks):
    """Refuses schedule flags that do not fit together or the task count (one sentence)."""
    explicit_steps = config.steps_per_task is not None
    if explicit_steps and config.epochs_per_task is not None:
        raise InvalidConfig("Give --steps_per_task or --epochs_per_task, not both.")
    if explicit_steps:
        per_task_values(config.steps_per_task, num_tasks, "steps_per_task")
    if config.epochs_per_task is not None:
        per_task_values(config.epochs_per_task, num_tasks, "epochs_per_task", float)
    if config.lr_schedule is not None and config.lr_schedule not in LR_SCHEDULES:  # None: filled by resolve
        raise InvalidConfig(
            f"Unknown --lr_schedule {config.lr_schedule!r}; valid schedules are {', '.join(LR_SCHEDULES)}."
        )
    if not 0 < config.decay_fraction <= 1:
        raise InvalidConfig(f"--decay_fraction must be in (0, 1], got {config.decay_fraction}.")
    if config.discriminator not in DISCRIMINATORS:
        raise InvalidConfig(
            f"Unknown --discriminator {config.discriminator!r}; valid choices are {', '.join(DISCRIMINATORS)}."
        )


def canonical_lengths(config):
    """`config` with a single --steps_per_task as an int and lists without spaces, so that
    '400', 400 and '400, 400' record (and resume) alike."""
    updates = {}
    if config.steps_per_task is not None:
        steps = [int(str(part).strip()) for part in str(config.steps_per_task).split(",")]
        updates["steps_per_task"] = steps[0] if len(steps) == 1 else ",".join(map(str, steps))
    if config.epochs_per_task is not None:
        epochs = [float(str(part).strip()) for part in str(config.epochs_per_task).split(",")]
        updates["epochs_per_task"] = ",".join(f"{value:g}" for value in epochs)
    return dataclasses.replace(config, **updates)


def task_steps(config, num_tasks, train_examples=None):
    """Steps of each task: --steps_per_task, or ceil(epochs * examples / batch_size) with
    --epochs_per_task, where `train_examples[i]` is task i's number of training examples."""
    if config.epochs_per_task is None:
        return per_task_values(config.steps_per_task, num_tasks, "steps_per_task")
    epochs = per_task_values(config.epochs_per_task, num_tasks, "epochs_per_task", float)
    return [max(1, math.ceil(e * n / config.batch_size)) for e, n in zip(epochs, train_examples, strict=True)]


def learning_rate_at(config, step, num_steps):
    """The learning rate of step `step` (0-based) of a task of `num_steps` steps.

    linear_decay follows pix2pix/CycleGAN's rule, per step instead of per epoch: the
    rate stays constant for the first steps, then over the last `decay_fraction` of
    them (n steps) drops by lr / (n + 1) a step, so the last step runs at lr / (n + 1).
    It depends only on the step, so a resumed task continues the same decay.
    """
    if config.lr_schedule == "constant":
        return config.learning_rate
    decay_steps = max(1, round(num_steps * config.decay_fraction))
    decayed = max(0, step + 1 - (num_steps - decay_steps))
    return config.learning_rate * (1.0 - decayed / (decay_steps + 1))
