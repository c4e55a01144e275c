"""The continual trainer: learns a task sequence, checkpoints, resumes, evaluates.

Read top to bottom: set-up (strategy, precision), the run's state, then one task
(`train_task`) as named steps: start it (models, optimizers, checkpoint restore,
input), train its steps (each followed by the log, the sample grids, the save and
the interrupt check that are due), then save, evaluate, record and wait for the
other workers. A run interrupted anywhere resumes from its workdir when the same
command is run again. The run folder's files (the recorded
flags, results.json, the generators after each task) are `workdir.py`'s; the
scores are the evaluation package's.

A sequence is either paired (pix2pix tasks) or unpaired (CycleGAN tasks); a small
mode object (`modes.py`) builds what one task of its kind trains and scores it. The
loop itself is the same for both; when things happen (task lengths, learning rate,
seeds, which tasks are evaluated) is `schedule.py`'s.

Public entry point: `train` (and `prepare_data`, which the comparison calls once
for all its methods).
"""

import contextlib
import dataclasses
import os
import time

import keras
import tensorflow as tf

from datasets import pipeline, prepare
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import workdir as workdir_lib
from hyper_lifelong_gan.methods import set_task_seed
from hyper_lifelong_gan.metrics.facts import BASELINE_PREFIX
from hyper_lifelong_gan.reporting import tables
from hyper_lifelong_gan.reporting.progress import Progress, format_duration
from hyper_lifelong_gan.training import distributed, schedule, summaries
from hyper_lifelong_gan.training.logging_utils import StepCostModel
from hyper_lifelong_gan.training.modes import (  # noqa: F401 (the trainer's names of old, for callers and tests)
    MODES,
    PairedMode,
    UnpairedMode,
    carry_shared_discriminators,
    make_optimizer,
    trackable,
    use_learning_rate,
)
from hyper_lifelong_gan.training.run_control import INTERRUPT, TrainingInterrupted, workdir_lock
from hyper_lifelong_gan.training.schedule import step_seed, task_lengths, train_examples  # noqa: F401 (callers')
from hyper_lifelong_gan.training.step_log import NonFiniteLoss, check_finite, log_step, settings_text
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

# ----------------------------------------------------------------------------- set-up


def prepare_data(tasks, config):
    """Downloads or generates every task's data before anything is trained, so that a
    missing archive stops the run at its start, not after hours of earlier tasks. In a
    sequence of more than 10 tasks the built-in toy tasks, which need no download, are
    generated when a task first reads them instead (a hundred toy tasks would take many
    minutes before the first step).

    Every task is tried, so that one message names every file that cannot be
    downloaded here (offline, a sequence may miss several archives).

    Raises:
        datasets.pipeline.DatasetError: as `datasets.prepare.prepare_tasks`.
    """
    lazy = len(tasks) > config_lib.FULL_UP_TO_TASKS
    prepare.prepare_tasks([task for task in tasks if not (lazy and task.source == "builtin")], config.data_dir or None)


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


# ------------------------------------------------------------------- results bookkeeping


def record_stage(results, stage, scores, params, num_tasks, complete=True):
    """Fills row `stage` of every metric matrix (None for tasks not learned yet); a
    score named `baseline_<metric>` fills results["baselines"][<metric>] alike.

    A row that is not `complete` (--eval_schedule evaluated only some of the tasks
    learned so far; the others are None) is listed in results["partial_rows"]
    (0-based), a key that only runs with such rows have."""
    partial = [row for row in results.get("partial_rows", []) if row < stage] + ([] if complete else [stage])
    results.pop("partial_rows", None)
    if partial:
        results["partial_rows"] = partial
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
        lines.append(tables.continual_matrix_table(name, results["tasks"], matrix, baseline=baseline))
    text = "\n\n".join(lines)
    print(text, file=stream, flush=True)
    return text


# ------------------------------------------------------------------------- training


def train(config, interrupt_after_steps=None, log_stream=None, stop_after_tasks=None, block_full=None):
    """Learns `config.tasks` one after another; returns the results dictionary.

    `interrupt_after_steps` stops the run (with a checkpoint, like Ctrl-C) after
    that many steps of this invocation: tests use it to check resuming.
    `stop_after_tasks` returns once that many tasks of the sequence are learned
    (`processes.py` trains a long sequence in blocks, one process each), and
    earlier where `block_full(tasks learned)`, asked after each task, says so.

    Ctrl-C (SIGINT, in the main thread) stops the run at its next safe point with a
    checkpoint saved, and the returned results then hold fewer stages than tasks
    (see run_control.py). A second process on the same workdir is refused
    (`run_control.WorkdirBusy`); a loss that becomes NaN or Inf stops the run
    (`NonFiniteLoss`) without checkpointing the bad state.
    """
    installed = INTERRUPT.install()
    try:
        with INTERRUPT.deferred():
            return _locked_train(config, interrupt_after_steps, log_stream, stop_after_tasks, block_full)
    finally:
        if installed:
            INTERRUPT.uninstall()
        INTERRUPT.reset()


def _locked_train(config, interrupt_after_steps, log_stream, stop_after_tasks, block_full):
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
        files = distributed.WorkerFiles(config.workdir, strategy)  # the chief writes, the others into scratch
        try:
            run = open_run(config, tasks, method, policy, strategy, files, interrupt_after_steps, log_stream)
            last = len(tasks) if stop_after_tasks is None else min(len(tasks), stop_after_tasks)
            for task_index in range(run.completed, last):
                if not train_task(run, task_index):
                    return run.results
                if block_full is not None and task_index + 1 < last and block_full(task_index + 1):
                    last = task_index + 1
                    break
            if last < len(tasks):  # the next block of tasks goes on in another process
                if run.progress is not None:
                    run.progress.close()
                return run.results
            return finish_run(run)
        finally:
            files.cleanup()
            keras.mixed_precision.set_global_policy("float32")


@dataclasses.dataclass
class RunState:
    """What one invocation of the trainer carries from task to task.

    Attributes:
        config, tasks, mode, strategy, files: the run (`files`: `distributed.WorkerFiles`).
        results: the results.json contents, one row per learned task.
        completed: tasks learned before this invocation.
        lengths: steps of each task.
        metrics_log, writer, samples, cost_model: metrics.jsonl, TensorBoard, its
            sample grids, and the step-cost model behind the ETA.
        previous: the generators after the last learned task (the next one's teacher).
        progress: the progress line, made at the first task this invocation trains.
        steps_this_run: steps trained by this invocation (for `interrupt_after_steps`).
    """

    config: object
    tasks: list
    mode: object
    strategy: object
    files: object
    interrupt_after_steps: object
    log_stream: object
    results: dict
    completed: int
    lengths: list
    metrics_log: object
    writer: object
    samples: object
    cost_model: object
    previous: object = None
    progress: object = None
    steps_this_run: int = 0

    @property
    def results_path(self):
        return os.path.join(self.config.workdir, RESULTS)


@dataclasses.dataclass
class TaskState:
    """One task being trained: where it is, and what is not yet checked or saved.

    `unchecked` holds (step, losses) not yet checked for NaN/Inf (fetched at the next
    log or save); `saved_step` is the step of the last checkpoint (None: none yet);
    `shown` are the tasks --eval_schedule evaluates after this one, whose sample grids
    are also the ones written while it trains (`schedule.tasks_to_evaluate`);
    the window (start time, steps, whether it is the first) measures throughput.
    """

    index: int
    task: object
    setup: object
    step_counter: object
    manager: object
    iterator: object
    num_steps: int
    step_offset: int
    step: int
    saved_step: object
    num_tasks: int
    shown: list
    unchecked: list = dataclasses.field(default_factory=list)
    window_start: float = dataclasses.field(default_factory=time.monotonic)
    window_steps: int = 0
    first_window: bool = True  # holds the step's tracing (and XLA compile): not a step's cost

    @property
    def label(self):
        return f"task {self.index + 1}/{self.num_tasks} {self.task.name}"


def open_run(config, tasks, method, policy, strategy, files, interrupt_after_steps, log_stream):
    """The state of a run (new or resumed) at the start of this invocation; prints its settings."""
    workdir = config.workdir
    mode = MODES[config.mode](config, tasks, method, strategy, policy, use_jit(config))
    results = load_json(os.path.join(workdir, RESULTS), empty_results(method, tasks, mode.metric_names))
    if len(results["tasks"]) < len(tasks):  # resumed with more tasks after the recorded ones
        results = workdir_lib.extend_results(results, tasks)
        if files.chief:
            write_json_atomically(os.path.join(workdir, RESULTS), results)
    mode.recall(results)
    writer = files.summary_writer(os.path.join(workdir, "tensorboard"))
    summaries.write_hparams(writer, config)
    run = RunState(
        config=config, tasks=tasks, mode=mode, strategy=strategy, files=files,
        interrupt_after_steps=interrupt_after_steps, log_stream=log_stream, results=results,
        completed=workdir_lib.completed_tasks(workdir),
        lengths=task_lengths(config, tasks), metrics_log=files.metrics_log(os.path.join(workdir, "metrics.jsonl")),
        writer=writer, samples=summaries.SampleGrids(tasks, config),
        cost_model=StepCostModel(
            distills=method.distills,
            passes=config.distill_passes if config.distillation == "sampled" else 0,
            distill_area=config.distill_scale**2,
        ),
    )
    print(settings_text(config, tasks, method, strategy, policy, mode.jit_compile, run.lengths),
          file=log_stream, flush=True)
    if distributed.is_multi_worker(strategy):
        role = ("the chief: writes the run" if files.chief
                else f"writes nothing to the workdir (scratch: {files.scratch})")
        workers = strategy.num_replicas_in_sync // len(strategy.extended.worker_devices)
        print(f"  worker {distributed.worker_label(strategy)} of {workers}, {role}", file=log_stream, flush=True)
    if run.completed:
        with strategy.scope():
            run.previous = mode.restore_generators(run.completed - 1)
    if run.completed == len(tasks):
        print(f"All {len(tasks)} tasks of {workdir} are already learned.", file=log_stream)
    return run


def train_task(run, task_index):
    """Learns task `task_index`: start it, train its steps, save, evaluate, record.

    Returns False where the run stops here (an interrupt, with a checkpoint saved).
    """
    task = start_task(run, task_index)
    try:
        train_steps(run, task)
        save_checkpoint(run, task)
        save_generators(run, task)
        scores = evaluate_task(run, task)
    except (KeyboardInterrupt, TrainingInterrupted):
        save_checkpoint(run, task)
        _stop(run, f"Interrupted at step {task.step} of task {task_index + 1} ({task.task.name}); checkpoint saved.")
        return False
    record_results(run, task, scores)
    worker_barrier(run)
    run.previous = task.setup.generators
    if INTERRUPT.requested and task_index + 1 < len(run.tasks):
        _stop(run, f"Interrupted after task {task_index + 1} ({task.task.name}); its results are saved.")
        return False
    return True


def start_task(run, task_index):
    """Networks, optimizers and step of a task (the student grows from the frozen
    previous stage), its checkpoint restored where a previous run stopped mid-task,
    and its input stream from the first step not yet trained."""
    config = run.config
    set_task_seed(config.seed, task_index)
    with run.strategy.scope():
        setup = run.mode.start_task(run.previous, task_index)
        step_counter = tf.Variable(0, dtype=tf.int64, name="step_in_task")
    carry_shared_discriminators(config, task_index, setup)
    checkpoint = tf.train.Checkpoint(
        step=step_counter, **{name: trackable(item) for name, item in setup.checkpoint_items.items()},
    )
    checkpoint_dir = workdir_lib.task_checkpoint_dir(config.workdir, task_index)
    manager = run.files.checkpoint_manager(checkpoint, checkpoint_dir, max_to_keep=2)
    latest = tf.train.latest_checkpoint(checkpoint_dir)  # every worker resumes from the chief's
    if latest:
        check_checkpoint_layout(latest)
        assert_restored(checkpoint.restore(latest), latest)
        use_learning_rate(setup.checkpoint_items, config.learning_rate)
    start_step = int(step_counter.numpy())
    step_offset = sum(run.lengths[:task_index])  # global step of this task's step 0
    if run.progress is None:
        run.progress = Progress(sum(run.lengths), step_offset + start_step, stream=run.log_stream)
    with INTERRUPT.abortable():  # a toy task's data may be generated now (`prepare_data`)
        iterator = task_input(run, task_index, start_step)
    return TaskState(
        index=task_index, task=run.tasks[task_index], setup=setup, step_counter=step_counter, manager=manager,
        iterator=iterator, num_steps=run.lengths[task_index],
        step_offset=step_offset, step=start_step, saved_step=start_step if latest else None,
        num_tasks=len(run.tasks), shown=schedule.tasks_to_evaluate(config, len(run.tasks), task_index),
    )


def task_input(run, task_index, start_step):
    """One deterministic stream per task; a resumed segment skips the batches already
    trained on, so that it sees what an uninterrupted run sees (the skipped batches
    are produced by the input pipeline, not trained on)."""
    config = run.config
    dataset = pipeline.make_dataset(
        run.tasks[task_index], "train", config.image_size, config.batch_size, training=True,
        jitter=config.jitter == "true", seed=config.seed * 7919 + task_index * 104729,
        data_dir=config.data_dir or None,
    ).skip(start_step)
    return iter(distributed.distribute_dataset(run.strategy, dataset))


def train_steps(run, task):
    """The task's remaining steps. Ctrl-C is honoured between steps (run_control.py);
    every step's losses are checked for NaN/Inf before anything is logged or saved."""
    config = run.config
    while task.step < task.num_steps:
        INTERRUPT.check()
        inputs, targets = next(task.iterator)
        schedule.set_learning_rates(config, task.setup, task.step, task.num_steps)
        z = task.setup.generators.models[0].sample_z(step_seed(config.seed, task.index, task.step))
        noise_seed = tf.constant(step_seed(config.seed + 1, task.index, task.step))
        values = task.setup.step(inputs, targets, z, noise_seed)
        task.step += 1
        run.steps_this_run += 1
        task.window_steps += 1
        task.step_counter.assign(task.step)
        task.unchecked.append((task.step, values))
        if task.step % config.log_every == 0 or task.step == task.num_steps:
            log_step(run, task, values)
        if task.step < task.num_steps:
            if run.files.chief and config.sample_every and task.step % config.sample_every == 0:
                run.samples.write(run.writer, task.setup.generators, task.shown, task.step_offset + task.step)
            if task.step % config.checkpoint_every == 0:
                save_checkpoint(run, task)
        if run.interrupt_after_steps is not None and run.steps_this_run >= run.interrupt_after_steps:
            raise TrainingInterrupted(f"stopped after {run.steps_this_run} steps as requested")


def save_checkpoint(run, task):
    """Saves the task's resumable checkpoint unless its step is saved already; only
    after every step since the last check is found finite."""
    if task.saved_step == task.step:
        return
    check_finite(run, task)
    run.files.save(task.manager)
    task.saved_step = task.step


def save_generators(run, task):
    """Keeps the generators after the task: the next task's teacher, and what
    evaluate.py, translate.py and export.py read."""
    save_task_generators(run.files.path(run.config.workdir), task.index, task.setup.generators)
    run.files.drop(os.path.join(run.config.workdir, "tasks"))
    INTERRUPT.check()


def evaluate_task(run, task):
    """Scores the tasks --eval_schedule picks after this one (`task.shown`); evaluation
    is local, so it runs once, on the chief."""
    scores = None
    if run.files.chief:
        with INTERRUPT.abortable():
            scores = run.mode.evaluate(task.setup.generators, task.index, task.shown)
    INTERRUPT.check()
    return scores


def record_results(run, task, scores):
    """Every worker records the task's row (a worker's status must not depend on seeing
    the chief's results.json); the chief writes it, its TensorBoard summaries and
    progress.json, then drops what --keep_stages does not keep."""
    config, generators = run.config, task.setup.generators
    complete = len(task.shown) == task.index + 1
    record_stage(run.results, task.index, scores or {}, generators.count_params(), len(run.tasks), complete)
    if not run.files.chief:
        return
    write_json_atomically(run.results_path, run.results)
    global_step = task.step_offset + task.num_steps
    summaries.write_stage(run.writer, run.tasks, task.index, run.results["metrics"], global_step)
    run.samples.write(run.writer, generators, task.shown, global_step)
    write_json_atomically(os.path.join(config.workdir, PROGRESS), {"completed_tasks": task.index + 1})
    workdir_lib.prune_run_folder(config, len(run.tasks), task.index + 1, run.results.get("extended_after", ()))


def worker_barrier(run):
    """The other workers of a multi-worker run wait here for the chief's results."""
    distributed.barrier(run.strategy)


def finish_run(run):
    if run.progress is not None:
        run.progress.close()
    if run.files.chief:
        print_tables(run.results, stream=run.log_stream)
    return run.results


def _stop(run, message):
    run.progress.close()
    print(f"{message} Run the same command again to resume.", file=run.log_stream, flush=True)


__all__ = [
    "ConfigMismatch", "NonFiniteLoss", "prepare_config", "prepare_data", "train", "print_tables", "format_duration",
]
