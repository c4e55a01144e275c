"""When things happen in a run, each derived from the config and the position alone
(never from state kept between invocations), so a resumed run does what an
uninterrupted one does: each task's length, the learning rate of a step, the
noise seeds of a step, and which tasks are evaluated after each task.
"""

import functools

import keras

from datasets import pipeline
from hyper_lifelong_gan import config as config_lib


def train_examples(task, data_dir=None):
    """Training examples of one epoch: a paired task's pairs; an unpaired task's larger
    domain (CycleGAN's epoch)."""
    if task.paired:
        return pipeline.num_examples(task, "train", data_dir)
    builder = pipeline.prepare_builder(task, data_dir)
    return max(builder.info.splits[split].num_examples for split in pipeline._unpaired_splits(task, "train"))


def task_lengths(config, tasks):
    """Steps of each task, from --steps_per_task or --epochs_per_task."""
    examples = None
    if config.epochs_per_task is not None:
        examples = [train_examples(task, config.data_dir or None) for task in tasks]
    return config_lib.task_steps(config, len(tasks), examples)


def set_learning_rates(config, setup, step, num_steps):
    """Sets every optimizer of the task to the rate of `step`, derived from the step
    alone (not from optimizer state), so a run resumed mid-decay continues it exactly."""
    if config.lr_schedule == "constant":
        return
    rate = config_lib.learning_rate_at(config, step, num_steps)
    for item in setup.checkpoint_items.values():
        if isinstance(item, keras.optimizers.Optimizer):
            item.learning_rate = rate


def step_seed(seed, task_index, step):
    """The stateless seed of a step's draws (noise z, distilled tasks) in task `task_index`."""
    return (seed * 1000 + task_index, step)


def tasks_to_evaluate(config, num_tasks, stage):
    """The tasks (0-based, sorted) evaluated after learning task `stage` (0-based).

    At a full stage (`full_stage`: every `every`-th stage of
    `config_lib.eval_schedule_plan`, and the last) every task learned so far; in
    between, the task just learned and the `sample` earlier tasks evaluated least
    recently (the oldest first on a tie), a rotation through the earlier tasks. The
    just-learned task is always evaluated: forgetting reads M[j][j] and the final
    row, both always complete.
    """
    every, sample = config_lib.eval_schedule_plan(config.eval_schedule, num_tasks)
    return list(_evaluation_plan(every, sample, num_tasks)[stage])


def full_stage(config, num_tasks, stage):
    """Whether every learned task is evaluated after task `stage` (0-based)."""
    every, _ = config_lib.eval_schedule_plan(config.eval_schedule, num_tasks)
    return _is_full(every, num_tasks, stage)


def _is_full(every, num_tasks, stage):
    return (stage + 1) % every == 0 or stage == num_tasks - 1


@functools.lru_cache(maxsize=8)
def _evaluation_plan(every, sample, num_tasks):
    # Replayed from the first stage on each call (cached): a resumed run, which has
    # no memory of what was evaluated before, picks what an uninterrupted one picks.
    last_evaluated = {}
    plan = []
    for stage in range(num_tasks):
        if _is_full(every, num_tasks, stage):
            chosen = list(range(stage + 1))
        else:
            earlier = sorted(range(stage), key=lambda task: (last_evaluated[task], task))[:sample]
            chosen = sorted(earlier) + [stage]
        for task in chosen:
            last_evaluated[task] = stage
        plan.append(tuple(chosen))
    return plan
