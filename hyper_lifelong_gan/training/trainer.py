"""The continual trainer: learns a task sequence, checkpoints, resumes, evaluates.

Read top to bottom: set-up (strategy, precision), the two task modes, then per
task: models, optimizers, checkpoint, input, the loop, and the end-of-task
evaluation that fills results.json. A run interrupted anywhere resumes from its
workdir when the same command is run again. The run folder's files (the recorded
flags, results.json, the generators after each task) are `workdir.py`'s; the
scores are the evaluation package's.

A sequence is either paired (pix2pix tasks) or unpaired (CycleGAN tasks); a small
mode object (`PairedMode`, `UnpairedMode`, siblings on `TaskMode`) builds what one
task of its kind trains (networks, optimizers, the step, the checkpoint's
contents) and scores it. The loop itself is the same for both.

Public entry point: `train` (and `prepare_data`, which the comparison calls once
for all its methods).
"""

import contextlib
import dataclasses
import os
import time

import keras
import numpy as np
import tensorflow as tf

from datasets import pipeline, prepare
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.evaluation import classifier as domain_classifier
from hyper_lifelong_gan.evaluation import scores
from hyper_lifelong_gan.methods import CycleGenerators, set_task_seed
from hyper_lifelong_gan.methods.base import weights_trackable
from hyper_lifelong_gan.metrics import report
from hyper_lifelong_gan.metrics.facts import BASELINE_PREFIX, PAIRED_METRICS, UNPAIRED_METRICS
from hyper_lifelong_gan.models import build_patch_discriminator
from hyper_lifelong_gan.training import distributed, summaries
from hyper_lifelong_gan.training.image_pool import POOL_SIZE, ImagePool
from hyper_lifelong_gan.training.logging_utils import Progress, StepCostModel, format_duration
from hyper_lifelong_gan.training.run_control import INTERRUPT, TrainingInterrupted, workdir_lock
from hyper_lifelong_gan.training.steps import LOSS_NAMES, PairedTaskStep
from hyper_lifelong_gan.training.unpaired_steps import UnpairedTaskStep
from hyper_lifelong_gan.workdir import (  # noqa: F401 (ConfigMismatch, prepare_config: the trainer's too)
    PROGRESS,
    RESULTS,
    ConfigMismatch,
    assert_restored,
    check_checkpoint_layout,
    check_or_write_run_config,
    check_run_config,
    empty_results,
    load_json,
    prepare_config,
    restore_cycle_generators,
    restore_task_generators,
    save_task_generators,
    write_json_atomically,
)


class NonFiniteLoss(FloatingPointError):
    """A loss became NaN or Inf; the last checkpoint (all of whose steps were finite) is kept."""


# ----------------------------------------------------------------------------- set-up


def prepare_data(tasks, config):
    """Downloads or generates every task's data before anything is trained, so that a
    missing archive stops the run at its start, not after hours of earlier tasks.

    Every task is tried, so that one message names every file that cannot be
    downloaded here (offline, a sequence may miss several archives).

    Raises:
        datasets.pipeline.DatasetError: as `datasets.prepare.prepare_tasks`.
    """
    prepare.prepare_tasks(tasks, config.data_dir or None)


def make_strategy(config):
    """The strategy --strategy asks for (`distributed.make_strategy`); before any other TF op."""
    return distributed.make_strategy(config.strategy, config.cluster_timeout)


def precision_policy(config):
    if not config.mixed_precision:
        return "float32"
    return "mixed_float16" if tf.config.list_logical_devices("GPU") else "mixed_bfloat16"


def use_jit(config):
    if config.jit_compile == "auto":
        return bool(tf.config.list_logical_devices("GPU"))
    return config.jit_compile == "true"


def make_optimizer(config, variables, policy):
    optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.adam_beta1)
    if policy == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    optimizer.build(variables)
    return optimizer


# ------------------------------------------------------------------- results bookkeeping


def record_stage(results, stage, scores, params, num_tasks):
    """Fills row `stage` of every metric matrix (None for tasks not learned yet); a
    score named `baseline_<metric>` fills results["baselines"][<metric>] alike."""
    for name, values in scores.items():
        row = list(values) + [None] * (num_tasks - len(values))
        if name.startswith(BASELINE_PREFIX):
            table = results.setdefault("baselines", {})
            name = name[len(BASELINE_PREFIX):]
        else:
            table = results["metrics"]
        matrix = table.setdefault(name, [])
        del matrix[stage:]
        matrix.append(row)
    del results["params"][stage:]
    results["params"].append(params)


def print_tables(results, stream=None):
    lines = [f"Method: {results['method']}; generator parameters per stage: "
             + ", ".join(f"{p / 1e6:.3f}M" for p in results["params"])]
    for name, matrix in results["metrics"].items():
        baseline = results.get("baselines", {}).get(name)
        lines.append(report.continual_matrix_table(name, results["tasks"], matrix, baseline=baseline))
    text = "\n\n".join(lines)
    print(text, file=stream, flush=True)
    return text


# -------------------------------------------------------------------------- task modes


@dataclasses.dataclass
class TaskSetup:
    """What one task trains.

    Attributes:
        generators: the student (`TaskGenerators`, or `CycleGenerators` for unpaired
            tasks); after the task it serves every task learned so far.
        step: the step function `step(inputs, targets, z, noise_seed) -> {loss: value}`.
        generator_optimizer: whose learning rate is logged.
        checkpoint_items: everything the task's resumable checkpoint holds.
    """

    generators: object
    step: object
    generator_optimizer: object
    checkpoint_items: dict


class TaskMode:
    """What a mode of the sequence is given; `PairedMode` and `UnpairedMode` each add
    what one task of their kind trains and how it is scored:

    - `name`, `loss_names` (what the step returns), `metric_names` (what results.json
      records);
    - `restore_generators(task)`: the generators saved after learning `task`;
    - `start_task(previous, task_index) -> TaskSetup`, inside `strategy.scope()`;
    - `evaluate(generators, upto) -> {metric: [value of task j for j <= upto]}`.
    """

    def __init__(self, config, tasks, method, strategy, policy, jit_compile):
        self.config = config
        self.tasks = tasks
        self.method = method
        self.strategy = strategy
        self.policy = policy
        self.jit_compile = jit_compile
        self.generator_config = config_lib.generator_config(config)


class PairedMode(TaskMode):
    """Paired tasks: pix2pix with a conditional PatchGAN on (input, output) pairs;
    scored by L1, PSNR and SSIM against the ground truth."""

    name = "paired"
    loss_names = LOSS_NAMES
    metric_names = PAIRED_METRICS

    def restore_generators(self, task):
        return restore_task_generators(self.config.workdir, task, self.method, self.generator_config)

    def start_task(self, previous, task_index):
        """Networks, optimizers and step of task `task_index`; call inside `strategy.scope()`."""
        config, method = self.config, self.method
        student = method.start_task(previous, task_index, self.generator_config)
        discriminator = build_patch_discriminator(input_channels=6, ndf=config.ndf)
        generator_optimizer = make_optimizer(config, method.trainable_variables(student, task_index), self.policy)
        discriminator_optimizer = make_optimizer(config, discriminator.trainable_variables, self.policy)
        step = PairedTaskStep(
            student, previous, discriminator, method, task_index, config, self.strategy,
            generator_optimizer, discriminator_optimizer, jit_compile=self.jit_compile,
        )
        items = dict(
            discriminator=discriminator, generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer, **student.checkpoint_items(),
        )
        return TaskSetup(student, step, generator_optimizer, items)

    def evaluate(self, generators, upto):
        return scores.evaluate_paired(generators, self.tasks, self.config, upto)


class UnpairedMode(TaskMode):
    """Unpaired tasks: CycleGAN (generators G and F grown alike by the method, two
    PatchGANs on single images, an image pool of 50 per discriminator); scored by
    Acc, the share of each task's outputs the sequence's domain classifier assigns
    to that task."""

    name = "unpaired"
    loss_names = UnpairedTaskStep.loss_names

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._classifier = None  # the sequence's domain classifier, loaded or trained on first use

    @property
    def metric_names(self):
        # Acc needs a classifier of at least two domains; a lone task has no score.
        return UNPAIRED_METRICS if len(self.tasks) > 1 else ()

    def restore_generators(self, task):
        return restore_cycle_generators(self.config.workdir, task, self.method, self.generator_config)

    def start_task(self, previous, task_index):
        """Networks, optimizers, image pools and step of task `task_index`; call inside `strategy.scope()`."""
        config, method = self.config, self.method
        generators = CycleGenerators.start_task(method, previous, task_index, self.generator_config)
        input_discriminator = build_patch_discriminator(input_channels=3, ndf=config.ndf, name="input_discriminator")
        target_discriminator = build_patch_discriminator(input_channels=3, ndf=config.ndf, name="target_discriminator")
        generator_optimizer = make_optimizer(config, generators.trainable_variables(method, task_index), self.policy)
        discriminator_optimizer = make_optimizer(
            config, input_discriminator.trainable_variables + target_discriminator.trainable_variables, self.policy
        )
        image_shape = (config.image_size, config.image_size, 3)
        pool_seed = config.seed * 1000 + task_index
        input_pool = ImagePool(image_shape, POOL_SIZE, seed=2 * pool_seed, name="input_pool")
        target_pool = ImagePool(image_shape, POOL_SIZE, seed=2 * pool_seed + 1, name="target_pool")
        step = UnpairedTaskStep(
            generators, previous, input_discriminator, target_discriminator, input_pool, target_pool,
            method, task_index, config, self.strategy, generator_optimizer, discriminator_optimizer,
            jit_compile=self.jit_compile,
        )
        items = dict(
            input_discriminator=input_discriminator, target_discriminator=target_discriminator,
            input_pool=input_pool, target_pool=target_pool, generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer, **generators.checkpoint_items(),
        )
        return TaskSetup(generators, step, generator_optimizer, items)

    def evaluate(self, generators, upto):
        if not self.metric_names:
            return {}
        if self._classifier is None:
            self._classifier = domain_classifier.run_classifier(self.tasks, self.config)
        return scores.evaluate_unpaired(generators, self.tasks, self.config, upto, self._classifier)


MODES = {mode.name: mode for mode in (PairedMode, UnpairedMode)}


# ---------------------------------------------------------------------------- training


def train(config, interrupt_after_steps=None, log_stream=None):
    """Learns `config.tasks` one after another; returns the results dictionary.

    `interrupt_after_steps` stops the run (with a checkpoint, like Ctrl-C) after
    that many steps of this invocation: tests use it to check resuming.

    Ctrl-C (SIGINT, in the main thread) stops the run at its next safe point with a
    checkpoint saved, and the returned results then hold fewer stages than tasks
    (see run_control.py). A second process on the same workdir is refused
    (`run_control.WorkdirBusy`); a loss that becomes NaN or Inf stops the run
    (`NonFiniteLoss`) without checkpointing the bad state.
    """
    installed = INTERRUPT.install()
    try:
        with INTERRUPT.deferred():
            return _locked_train(config, interrupt_after_steps, log_stream)
    finally:
        if installed:
            INTERRUPT.uninstall()
        INTERRUPT.reset()


def _locked_train(config, interrupt_after_steps, log_stream):
    config, tasks, method = prepare_config(config)
    strategy = make_strategy(config)  # multi_worker: before any other TF op; waits for the peers
    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise config_lib.InvalidConfig(
            f"--batch_size={config.batch_size} does not split over the {replicas} replicas of this "
            f"run; use a multiple of {replicas}."
        )
    chief = distributed.is_chief(strategy)
    check_run_config(config)  # other flags are refused before any download
    with INTERRUPT.abortable():
        distributed.chief_first(strategy, lambda: prepare_data(tasks, config))  # a shared --data_dir: one at a time
    INTERRUPT.check()
    # The chief locks (and creates) the workdir once the data is there and records the
    # flags under the lock: a run that could not start writes nothing to it. The other
    # workers of a multi-worker run only read it.
    with workdir_lock(config.workdir) if chief else contextlib.nullcontext():
        if chief:
            check_or_write_run_config(config)
        policy = precision_policy(config)
        keras.mixed_precision.set_global_policy(policy)
        try:
            return _train(config, tasks, method, policy, interrupt_after_steps, log_stream, strategy)
        finally:
            keras.mixed_precision.set_global_policy("float32")


def _train(config, tasks, method, policy, interrupt_after_steps, log_stream, strategy):
    workdir = config.workdir
    files = distributed.WorkerFiles(workdir, strategy)  # the chief writes, the others into scratch
    try:
        return _train_tasks(config, tasks, method, policy, interrupt_after_steps, log_stream, strategy, files)
    finally:
        files.cleanup()


def _train_tasks(config, tasks, method, policy, interrupt_after_steps, log_stream, strategy, files):
    workdir = config.workdir
    mode = MODES[config.mode](config, tasks, method, strategy, policy, use_jit(config))
    results_path = os.path.join(workdir, RESULTS)
    results = load_json(results_path, empty_results(method, tasks, mode.metric_names))
    completed = load_json(os.path.join(workdir, PROGRESS), {"completed_tasks": 0})["completed_tasks"]
    metrics_log = files.metrics_log(os.path.join(workdir, "metrics.jsonl"))
    writer = files.summary_writer(os.path.join(workdir, "tensorboard"))
    lengths = task_lengths(config, tasks)
    total_steps = sum(lengths)
    summaries.write_hparams(writer, config)
    samples = summaries.SampleGrids(tasks, config)
    cost_model = StepCostModel(
        distills=method.distills, tasks_per_step=config.distill_tasks_per_step,
        distill_area=config.distill_scale**2,
    )
    print(settings_text(config, tasks, method, strategy, policy, mode.jit_compile, lengths),
          file=log_stream, flush=True)
    if distributed.is_multi_worker(strategy):
        scratch = f"writes nothing to the workdir (scratch: {files.scratch})"
        role = "the chief: writes the run" if files.chief else scratch
        workers = strategy.num_replicas_in_sync // len(strategy.extended.worker_devices)
        print(f"  worker {distributed.worker_label(strategy)} of {workers}, {role}",
              file=log_stream, flush=True)
    progress = None
    steps_this_run = 0

    previous = None
    if completed:
        with strategy.scope():
            previous = mode.restore_generators(completed - 1)
    if completed == len(tasks):
        print(f"All {len(tasks)} tasks of {workdir} are already learned.", file=log_stream)

    for task_index in range(completed, len(tasks)):
        task = tasks[task_index]
        # --- models, optimizers, step: the student grows from the frozen previous stage.
        set_task_seed(config.seed, task_index)
        with strategy.scope():
            setup = mode.start_task(previous, task_index)
            step_counter = tf.Variable(0, dtype=tf.int64, name="step_in_task")
        student, step_fn = setup.generators, setup.step
        num_steps = lengths[task_index]
        step_offset = sum(lengths[:task_index])  # global step of this task's step 0
        carry_shared_discriminators(config, task_index, setup)
        # --- checkpoint of this task: resume mid-task where a previous run stopped.
        checkpoint = tf.train.Checkpoint(
            step=step_counter,
            **{name: _trackable(item) for name, item in setup.checkpoint_items.items()},
        )
        checkpoint_dir = os.path.join(workdir, "checkpoints", f"task_{task_index}")
        manager = files.checkpoint_manager(checkpoint, checkpoint_dir, max_to_keep=2)
        latest = tf.train.latest_checkpoint(checkpoint_dir)  # every worker resumes from the chief's
        if latest:
            check_checkpoint_layout(latest)
            assert_restored(checkpoint.restore(latest), latest)
            _use_learning_rate(setup.checkpoint_items, config.learning_rate)
        start_step = int(step_counter.numpy())
        if progress is None:
            progress = Progress(total_steps, step_offset + start_step, stream=log_stream)
        # --- input: one deterministic stream per task; a resumed segment skips the
        # batches already trained on, so that it sees what an uninterrupted run sees
        # (the skipped batches are produced by the input pipeline, not trained on).
        dataset = pipeline.make_dataset(
            task, "train", config.image_size, config.batch_size, training=True,
            jitter=config.jitter == "true", seed=config.seed * 7919 + task_index * 104729,
            data_dir=config.data_dir or None,
        ).skip(start_step)
        iterator = iter(distributed.distribute_dataset(strategy, dataset))
        # --- the loop. Ctrl-C is honoured between steps (run_control.py); every step's
        # losses are checked for NaN/Inf before anything is logged or checkpointed.
        label = f"task {task_index + 1}/{len(tasks)} {task.name}"
        window_start, window_steps = time.monotonic(), 0
        first_window = True  # holds the step's tracing (and XLA compile): not a step's cost
        step = start_step
        saved_step = start_step if latest else None
        unchecked = []  # (step, losses) not yet checked: fetched at the next log or save
        try:
            while step < num_steps:
                INTERRUPT.check()
                inputs, targets = next(iterator)
                set_learning_rates(config, setup, step, num_steps)
                z = student.models[0].sample_z(_step_seed(config.seed, task_index, step))
                noise_seed = tf.constant(_step_seed(config.seed + 1, task_index, step))
                values = step_fn(inputs, targets, z, noise_seed)
                step += 1
                steps_this_run += 1
                window_steps += 1
                step_counter.assign(step)
                unchecked.append((step, values))
                if step % config.log_every == 0 or step == num_steps:
                    _check_finite(unchecked, mode.loss_names, task_index, task.name, saved_step)
                    elapsed = time.monotonic() - window_start
                    images_per_second = window_steps * config.batch_size / max(elapsed, 1e-9)
                    if not first_window or task_index not in cost_model.measured:
                        cost_model.observe(task_index, elapsed, window_steps)
                    first_window = False
                    eta = cost_model.remaining_seconds(task_index, step, lengths)
                    _log_step(
                        values, mode.loss_names, task_index, task.name, step, config, images_per_second,
                        setup.generator_optimizer, metrics_log, writer, progress, label, eta,
                        step_offset=step_offset,
                    )
                    window_start, window_steps = time.monotonic(), 0
                if files.chief and config.sample_every and step % config.sample_every == 0 and step < num_steps:
                    samples.write(writer, student, task_index, step_offset + step)
                if step % config.checkpoint_every == 0 and step < num_steps:
                    _check_finite(unchecked, mode.loss_names, task_index, task.name, saved_step)
                    files.save(manager)
                    saved_step = step
                if interrupt_after_steps is not None and steps_this_run >= interrupt_after_steps:
                    raise TrainingInterrupted(f"stopped after {steps_this_run} steps as requested")
            _check_finite(unchecked, mode.loss_names, task_index, task.name, saved_step)
            if saved_step != step:
                files.save(manager)
                saved_step = step
            # --- end of task: keep the generators, evaluate every task seen so far.
            save_task_generators(files.path(workdir), task_index, student)
            files.drop(os.path.join(workdir, "tasks"))
            INTERRUPT.check()
            scores = None
            if files.chief:  # evaluation is local: it runs once, on the chief
                with INTERRUPT.abortable():
                    scores = mode.evaluate(student, task_index)
            INTERRUPT.check()
        except (KeyboardInterrupt, TrainingInterrupted):
            if saved_step != step:
                _check_finite(unchecked, mode.loss_names, task_index, task.name, saved_step)
                files.save(manager)
            progress.close()
            print(
                f"Interrupted at step {step} of task {task_index + 1} ({task.name}); checkpoint saved. "
                "Run the same command again to resume.", file=log_stream, flush=True,
            )
            return results
        # Every worker: its status must not hang on seeing the chief's results.json.
        record_stage(results, task_index, scores or {}, student.count_params(), len(tasks))
        if files.chief:
            write_json_atomically(results_path, results)
            _write_task_summaries(
                writer, student, tasks, task_index, results["metrics"], samples, step_offset + num_steps
            )
            write_json_atomically(os.path.join(workdir, PROGRESS), {"completed_tasks": task_index + 1})
        distributed.barrier(strategy)  # the other workers wait here for the chief's results
        previous = student
        if INTERRUPT.requested and task_index + 1 < len(tasks):
            progress.close()
            print(
                f"Interrupted after task {task_index + 1} ({task.name}); its results are saved. "
                "Run the same command again to resume.", file=log_stream, flush=True,
            )
            return results
    if progress is not None:
        progress.close()
    if files.chief:
        print_tables(results, stream=log_stream)
    return results


# ------------------------------------------------------------------- training schedule


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


def _optimizers(setup):
    return [item for item in setup.checkpoint_items.values() if isinstance(item, keras.optimizers.Optimizer)]


def set_learning_rates(config, setup, step, num_steps):
    """Sets every optimizer of the task to the rate of `step`, derived from the step
    alone (not from optimizer state), so a run resumed mid-decay continues it exactly."""
    if config.lr_schedule == "constant":
        return
    rate = config_lib.learning_rate_at(config, step, num_steps)
    for optimizer in _optimizers(setup):
        optimizer.learning_rate = rate


def carry_shared_discriminators(config, task_index, setup):
    """With --discriminator=shared, loads the discriminator(s) as they were at the end of
    the previous task (from its last checkpoint), so one discriminator goes on through
    the sequence, also across a resume; their optimizers start fresh per task."""
    if config.discriminator != "shared" or task_index == 0:
        return
    names = [name for name in setup.checkpoint_items if name.endswith("discriminator")]
    previous = tf.train.latest_checkpoint(os.path.join(config.workdir, "checkpoints", f"task_{task_index - 1}"))
    if previous is None:
        raise config_lib.InvalidConfig(
            f"--discriminator=shared needs the checkpoint of task {task_index} in {config.workdir}/checkpoints, "
            "which is missing; train the run from its start in a new --workdir."
        )
    carried = tf.train.Checkpoint(**{name: _trackable(setup.checkpoint_items[name]) for name in names})
    carried.read(previous).expect_partial().assert_existing_objects_matched()


def _trackable(item):
    # Keras 3 models keep layers in lists that TF's object tracking does not see.
    return weights_trackable(item) if isinstance(item, keras.layers.Layer) else item


def _use_learning_rate(checkpoint_items, learning_rate):
    """After a restore: the checkpoint holds the optimizers' learning rate, and a run
    may resume with a lower --learning_rate (after a NaN); use the flag's value."""
    for item in checkpoint_items.values():
        if isinstance(item, keras.optimizers.Optimizer):
            inner = getattr(item, "inner_optimizer", item)
            variable = getattr(inner, "_learning_rate", None)
            if isinstance(variable, keras.Variable):
                variable.assign(learning_rate)


def _check_finite(unchecked, loss_names, task_index, task_name, saved_step):
    """Raises `NonFiniteLoss` at the first step of `unchecked` with a NaN or Inf loss.

    The losses are fetched here, at the next log or checkpoint, not after every
    step: no extra synchronisation of the device, and no checkpoint of a bad state.
    Empties `unchecked`.
    """
    pending = list(unchecked)
    unchecked.clear()
    for step, values in pending:
        for name in loss_names:
            value = float(values[name])
            if not np.isfinite(value):
                kept = (
                    f"the last checkpoint (step {saved_step}) is kept" if saved_step
                    else "no checkpoint of this task was saved"
                )
                raise NonFiniteLoss(
                    f"The {name} loss became {value} at step {step} of task {task_index + 1} ({task_name}) and "
                    f"training stopped; {kept}: run the same command with a lower --learning_rate to resume"
                    " (or, for a new run, without --mixed_precision)."
                )


def _step_seed(seed, task_index, step):
    return (seed * 1000 + task_index, step)


def _log_step(values, loss_names, task_index, task_name, step, config, images_per_second, optimizer,
              metrics_log, writer, progress, label, eta, step_offset):
    scalars = {name: float(values[name]) for name in loss_names}
    global_step = step_offset + step  # steps of the earlier tasks + this one's
    learning_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    record = dict(
        scalars, task=task_index, task_name=task_name, step=step, global_step=global_step,
        learning_rate=learning_rate, images_per_second=images_per_second,
        eta_seconds=None if eta != eta else eta,
    )
    metrics_log.write(record)
    with writer.as_default(step=global_step):
        for name, value in scalars.items():
            tf.summary.scalar(f"loss/{name}", value)
        tf.summary.scalar("learning_rate", learning_rate)
        tf.summary.scalar("images_per_second", images_per_second)
    progress.update(
        global_step, label,
        f"G {scalars['g_total']:.3f} D {scalars['d_loss']:.3f} distill {scalars['distillation']:.4f} "
        f"{images_per_second:.0f} img/s", eta=None if eta != eta else eta,
    )


def _write_task_summaries(writer, generators, tasks, task_index, matrices, samples, global_step):
    """After each task: its row of the matrices, forgetting, and a sample grid
    (input | output | target) per task learned so far."""
    summaries.write_stage(writer, tasks, task_index, matrices, global_step)
    samples.write(writer, generators, task_index, global_step)


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
    return "\n".join([
        f"Run: {method.name} on {len(tasks)} {config.mode} task(s): {', '.join(task.name for task in tasks)}",
        f"  model: {config.image_size}x{config.image_size} images, generator ngf {config.ngf}, "
        f"{config.n_blocks} residual blocks, K {config.K}; PatchGAN ndf {config.ndf} ({config.discriminator})",
        f"  steps: {per_task} per task ({sum(lengths)} in all), batch {config.batch_size} "
        f"({config.batch_size // replicas} per replica on {replicas} replica(s): {devices})",
        f"  learning rate {config.learning_rate:g}{schedule}; precision {policy}, "
        f"XLA {'on' if jit_compile else 'off'}, seed {config.seed}",
        f"  writes to {config.workdir} (TensorBoard: tensorboard --logdir "
        f"{os.path.dirname(os.path.normpath(config.workdir)) or '.'})",
    ])


__all__ = [
    "ConfigMismatch", "NonFiniteLoss", "prepare_config", "prepare_data", "train", "print_tables", "format_duration",
]
