"""What the trainer tells as it goes: the settings of a run at its start, every
logged step (losses, learning rate, throughput, ETA) to metrics.jsonl, TensorBoard
and the progress line, and the check that every step's losses are finite.
"""

import os
import time

import keras
import numpy as np
import tensorflow as tf


class NonFiniteLoss(FloatingPointError):
    """A loss became NaN or Inf; the last checkpoint (all of whose steps were finite) is kept."""


def check_finite(run, task):
    """Raises `NonFiniteLoss` at the first step of `task.unchecked` with a NaN or Inf loss.

    The losses are fetched here, at the next log or checkpoint, not after every
    step: no extra synchronisation of the device, and no checkpoint of a bad state.
    Empties `task.unchecked`.
    """
    pending = list(task.unchecked)
    task.unchecked.clear()
    for step, values in pending:
        for name in run.mode.loss_names:
            value = float(values[name])
            if not np.isfinite(value):
                kept = (
                    f"the last checkpoint (step {task.saved_step}) is kept" if task.saved_step
                    else "no checkpoint of this task was saved"
                )
                raise NonFiniteLoss(
                    f"The {name} loss became {value} at step {step} of task {task.index + 1} ({task.task.name}) "
                    f"and training stopped; {kept}: run the same command with a lower --learning_rate to resume"
                    " (or, for a new run, without --mixed_precision)."
                )


def log_step(run, task, values):
    """Checks the losses so far, then logs this step's losses, learning rate,
    throughput and ETA to metrics.jsonl, TensorBoard and the progress line."""
    check_finite(run, task)
    elapsed = time.monotonic() - task.window_start
    images_per_second = task.window_steps * run.config.batch_size / max(elapsed, 1e-9)
    if not task.first_window or task.index not in run.cost_model.measured:
        run.cost_model.observe(task.index, elapsed, task.window_steps)
    task.first_window = False
    eta = run.cost_model.remaining_seconds(task.index, task.step, run.lengths)
    eta = None if eta != eta else eta
    scalars = {name: float(values[name]) for name in run.mode.loss_names}
    global_step = task.step_offset + task.step  # steps of the earlier tasks + this one's
    learning_rate = float(keras.ops.convert_to_numpy(task.setup.generator_optimizer.learning_rate))
    run.metrics_log.write(dict(
        scalars, task=task.index, task_name=task.task.name, step=task.step, global_step=global_step,
        learning_rate=learning_rate, images_per_second=images_per_second, eta_seconds=eta,
    ))
    with run.writer.as_default(step=global_step):
        for name, value in scalars.items():
            tf.summary.scalar(f"loss/{name}", value)
        tf.summary.scalar("learning_rate", learning_rate)
        tf.summary.scalar("images_per_second", images_per_second)
    run.progress.update(
        global_step, task.label,
        f"G {scalars['g_total']:.3f} D {scalars['d_loss']:.3f} distill {scalars['distillation']:.4f} "
        f"{images_per_second:.0f} img/s", eta=eta,
    )
    task.window_start, task.window_steps = time.monotonic(), 0


DISTILL_INPUTS = {"swap": "the task's targets", "unswap": "the task's inputs", "noise": "noise"}


def distillation_text(config, method):
    """How the run distils earlier tasks, with what `auto` resolved to (one line)."""
    if not method.distills:
        return "none"
    kind = ("exact (eq. 10: every earlier task in every step)" if config.distillation == "exact" else
            f"sampled ({config.distill_passes} passes of up to {config.distill_runs} runs a step)")
    text = f"{kind}, beta {config.beta:g}, on {DISTILL_INPUTS[config.distill_input]} ({config.distill_input})"
    if method.copies_previous_task:
        text += "; a new task starts " + (
            "from the last task's weights" if config.task_init == "previous" else "from fresh weights")
    return text


def settings_text(config, tasks, method, strategy, policy, jit_compile, lengths):
    """The resolved settings of a run, printed once at its start."""
    replicas = strategy.num_replicas_in_sync
    try:
        devices = ", ".join(strategy.extended.worker_devices)
    except RuntimeError:  # the default strategy: one device, placed by TensorFlow
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus[0].name if gpus else "CPU"
    per_task = str(lengths[0]) if len(set(lengths)) == 1 else ", ".join(map(str, lengths))
    schedule = "" if config.lr_schedule == "constant" else (
        f", decaying linearly to zero over the last {config.decay_fraction:.0%} of each task"
    )
    logdir = os.path.dirname(os.path.normpath(config.workdir)) or "."
    return "\n".join([
        f"Run: {method.name} on {len(tasks)} {config.mode} task(s): {', '.join(task.name for task in tasks)}",
        f"  model: {config.image_size}x{config.image_size} images, generator ngf {config.ngf}, "
        f"{config.n_blocks} residual blocks, K {config.K}; PatchGAN ndf {config.ndf} ({config.discriminator})",
        f"  steps: {per_task} per task ({sum(lengths)} in all), batch {config.batch_size} "
        f"({config.batch_size // replicas} per replica on {replicas} replica(s): {devices})",
        f"  learning rate {config.learning_rate:g}{schedule}; precision {policy}, "
        f"XLA {'on' if jit_compile else 'off'}, seed {config.seed}",
        f"  distillation: {distillation_text(config, method)}",
        f"  writes to {config.workdir} (TensorBoard: tensorboard --logdir {logdir})",
    ])
