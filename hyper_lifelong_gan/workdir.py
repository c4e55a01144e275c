"""The run folder (a `--workdir`): what a run writes there and how it is read back.

The trainer writes a run folder, and evaluate.py, translate.py, export.py and the
experiment commands read it, all through this module:

    run_config.json     the run's resolved flags (`check_or_write_run_config`)
    progress.json       {"completed_tasks": n}
    results.json        the continual-learning matrices (`empty_results`)
    tasks/task_<i>/     the generators saved after learning task i
                        (`save_task_generators`, `restore_task_generators`),
                        for the stages --keep_stages keeps (`kept_stages`)
    checkpoints/task_<i>/  task i's resumable checkpoints (the trainer's)

JSON files are written atomically (`write_json_atomically`): a crash never leaves
half a file. `prepare_config` turns the flags (given, or recorded in
run_config.json) into the run they describe: the resolved config, its tasks and
its method.
"""

import dataclasses
import json
import os
import shutil

import tensorflow as tf

from datasets import builtin as builtin_tasks
from datasets import tasks as task_registry
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.methods import CycleGenerators, get_method
from hyper_lifelong_gan.metrics.facts import PAIRED_METRICS

RUN_CONFIG = "run_config.json"
RESULTS = "results.json"
PROGRESS = "progress.json"


class ConfigMismatch(config_lib.InvalidConfig):
    """The workdir holds a run made with other flags."""


class StageNotKept(config_lib.InvalidConfig):
    """The generators of a stage were dropped by the run's --keep_stages."""


# -------------------------------------------------------------------------- JSON files


def load_json(path, default):
    """The JSON contents of `path`, or `default` where there is no such file."""
    if not os.path.exists(path):
        return default
    with open(path) as stream:
        return json.load(stream)


def completed_tasks(workdir):
    """How many tasks of the run in `workdir` are learned (progress.json; 0 for a new run)."""
    return load_json(os.path.join(workdir, PROGRESS), {"completed_tasks": 0})["completed_tasks"]


def write_json_atomically(path, payload):
    """Writes JSON so that a crash never leaves a half-written file behind."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as stream:
        json.dump(payload, stream, indent=2)
        stream.write("\n")
    os.replace(temporary, path)


def empty_results(method, tasks, metric_names=PAIRED_METRICS):
    """The results.json of a run that has learned nothing yet."""
    return {
        "method": method.name,
        "tasks": [task.name for task in tasks],
        "metrics": {name: [] for name in metric_names},
        "params": [],
    }


def extend_results(results, tasks):
    """`results` (results.json) of a run resumed with more tasks after its recorded
    ones: the new task list, every row of every matrix padded with None for the new
    tasks, and the length of the shorter sequence added to results["extended_after"]
    (a key only extended runs have). Unchanged where `tasks` is the recorded list."""
    names = [task.name for task in tasks]
    before = len(results["tasks"])
    if before == len(names):
        return results
    results["extended_after"] = results.get("extended_after", []) + [before]
    results["tasks"] = names
    for table in (results["metrics"], results.get("baselines", {})):
        for matrix in table.values():
            for row in matrix:
                row.extend([None] * (len(names) - len(row)))
    return results


# ------------------------------------------------------------------ the run's config


def prepare_config(config):
    """The run a `TrainConfig` describes: validates the flags, parses the task list and
    fills the size defaults.

    Returns:
        (resolved, tasks, method): the config with every default filled (sizes,
        schedule, workdir), `mode` set to what the tasks are ("paired" or
        "unpaired") and the lengths in canonical form; the `datasets.tasks.Task`s
        in training order; the `ContinualMethod`.

    Raises:
        config.InvalidConfig: a flag value the run cannot use (one sentence).
        datasets.tasks.DatasetError: an unknown task.
    """
    config_lib.validate(config)
    method = get_method(config.method)  # fails early with the list of valid names
    if config.task_init == "previous" and not method.copies_previous_task:
        raise config_lib.InvalidConfig(
            f"--task_init=previous copies the last task's rows of one shared model, which --method={config.method} "
            "does not grow; use it with hyper_lifelong_gan or lifelong_gan_pp, or leave --task_init at auto."
        )
    if not config.tasks:
        builtin = builtin_tasks.UNPAIRED_TASKS if config.mode == "unpaired" else builtin_tasks.PAIRED_TASKS
        config = dataclasses.replace(config, tasks=",".join(builtin))
    tasks = task_registry.parse_tasks(config.tasks)
    mode = sequence_mode(tasks)
    if config.mode not in ("auto", mode):
        raise config_lib.InvalidConfig(
            f"--mode={config.mode} does not fit the tasks {config.tasks}, which are {mode}; "
            "leave --mode at auto when naming --tasks."
        )
    toy = all(task.name.startswith("toy_") for task in tasks)
    resolved = dataclasses.replace(
        config_lib.resolve(config, toy=toy, copies_previous_task=method.copies_previous_task), mode=mode)
    resolved = _recorded_for_auto(config, resolved)
    config_lib.check_schedule(resolved, len(tasks))
    resolved = config_lib.canonical_lengths(resolved)
    config_lib.validate(resolved)  # the filled sizes too
    return resolved, tasks, method


# Fields whose `auto` changed meaning (2026-12-06: with sampled distillation, previous and
# unswap): a run recorded before resumes, at auto, with what it recorded.
AUTO_FROM_RECORD = ("task_init", "distill_input")


def _recorded_for_auto(given, resolved):
    """`resolved` with the fields of AUTO_FROM_RECORD that `given` leaves at auto, and
    those of FORMER_DEFAULTS it leaves at their default where the run recorded the
    former one, set to what the run in its workdir recorded, if one did."""
    recorded = load_json(os.path.join(resolved.workdir, RUN_CONFIG), {})
    kept = {name: recorded[name] for name in AUTO_FROM_RECORD
            if getattr(given, name) == "auto" and recorded.get(name, "auto") != "auto"}
    defaults = config_lib.TrainConfig.__dataclass_fields__
    kept.update({name: former for name, former in config_lib.FORMER_DEFAULTS.items()
                 if getattr(given, name) == defaults[name].default and recorded.get(name) == former})
    return dataclasses.replace(resolved, **kept)


def sequence_mode(tasks):
    """"paired" or "unpaired": what every task of the sequence is; mixed sequences are refused."""
    modes = {task.mode for task in tasks}
    if len(modes) > 1:
        by_mode = {
            mode: ", ".join(task.name for task in tasks if task.mode == mode) for mode in sorted(modes)
        }
        raise config_lib.InvalidConfig(
            f"The sequence mixes paired tasks ({by_mode['paired']}) and unpaired tasks "
            f"({by_mode['unpaired']}); one run learns tasks of one kind, so train them as two runs."
        )
    return modes.pop()


def check_run_config(config):
    """Refuses to resume a run made with other flags.

    Returns the flags the workdir's run recorded (with UNRECORDED_VALUES for those it
    predates), or None where the workdir holds no run.
    """
    path = os.path.join(config.workdir, RUN_CONFIG)
    if not os.path.exists(path):
        return None
    with open(path) as stream:
        recorded = {**config_lib.UNRECORDED_VALUES, **json.load(stream)}
    retired = [
        f"--{name}={recorded[name]!r} (now {now})"
        for name, (default, now) in config_lib.RETIRED_FIELDS.items() if recorded.get(name, default) != default
    ] + [
        f"--{name}={value!r} (now {now})"
        for (name, value), now in config_lib.RETIRED_CHOICES.items() if recorded.get(name) == value
    ]
    if retired:
        raise ConfigMismatch(
            f"{config.workdir} holds a run made with flags this version renamed or removed ({'; '.join(retired)}): "
            "finish it with the version that made it, or train again in another --workdir."
        )
    extension = extended_sequence(recorded, config)
    differences = [
        f"--{name}={recorded.get(name)!r} (now {value!r})"
        for name, value in dataclasses.asdict(config).items()
        # A field the recorded run did not know (added since) cannot have differed.
        if name in recorded and name not in config_lib.RESUMABLE_CHANGES and recorded[name] != value
        and not _lowered_learning_rate(name, recorded[name], value) and name not in extension
    ]
    if differences:
        more = (" (a resume may add tasks after the recorded ones, each recorded task keeping its length)"
                if any(difference.startswith(tuple(f"--{name}=" for name in SEQUENCE_FIELDS))
                       for difference in differences) else "")
        raise ConfigMismatch(
            f"{config.workdir} holds a run made with other flags ({'; '.join(differences)}): "
            f"run with the same flags to resume it{more}, or choose another --workdir."
        )
    return recorded


# The fields that say which tasks a run learns and how long each trains.
SEQUENCE_FIELDS = ("tasks", "steps_per_task", "epochs_per_task")


def extended_sequence(recorded, config):
    """The sequence fields a resume may change because `config` extends the recorded
    run: its tasks are the recorded ones followed by more, with the same lengths for
    the recorded ones (a lifelong run learns new tasks later). Empty otherwise."""
    if recorded.get("tasks") == config.tasks:
        return ()
    try:
        before = [task.name for task in task_registry.parse_tasks(recorded["tasks"])]
        after = [task.name for task in task_registry.parse_tasks(config.tasks)]
    except task_registry.DatasetError:  # a recorded folder task is gone: no extension to see
        return ()
    if len(after) <= len(before) or after[:len(before)] != before:
        return ()
    for name, cast in (("steps_per_task", int), ("epochs_per_task", float)):
        old, new = recorded.get(name), getattr(config, name)
        if (old is None) != (new is None):
            return ()
        if old is not None and (config_lib.per_task_values(old, len(before), name, cast)
                                != config_lib.per_task_values(new, len(after), name, cast)[:len(before)]):
            return ()
    return SEQUENCE_FIELDS


def _lowered_learning_rate(name, recorded, value):
    # The one learning change a run may resume with: a lower --learning_rate, the
    # way on after a loss became NaN or Inf (`trainer.NonFiniteLoss`).
    return name == "learning_rate" and isinstance(recorded, (int, float)) and 0 < value < recorded


def check_or_write_run_config(config):
    """Records the flags of a new run; refuses to resume a run made with other flags.

    A resumed run with a lower --learning_rate, or with tasks added after the
    recorded ones, records them, so that later resumes use them too.
    """
    recorded = check_run_config(config)
    if recorded is None or any(recorded.get(name) != getattr(config, name)
                               for name in ("learning_rate", *SEQUENCE_FIELDS)):
        write_json_atomically(os.path.join(config.workdir, RUN_CONFIG), dataclasses.asdict(config))


# ------------------------------------------------------------ generators after each task


def task_checkpoint_prefix(workdir, task):
    """The checkpoint prefix of the generators saved after learning task `task` (0-based)."""
    return os.path.join(workdir, "tasks", f"task_{task}", "generator")


def save_task_generators(workdir, task, generators):
    """The generators right after learning `task`: the teacher of task + 1, and what
    evaluate.py reads to fill row `task` of the matrices."""
    tf.train.Checkpoint(**generators.checkpoint_items()).write(task_checkpoint_prefix(workdir, task))


def restore_task_generators(workdir, task, method, generator_config):
    """The `TaskGenerators` saved after learning `task` (of an unpaired run: G, the
    input -> target generator, which is saved under the same names)."""
    generators = method.rebuild(task + 1, generator_config)
    return read_task_generators(generators, workdir, task)


def restore_cycle_generators(workdir, task, method, generator_config):
    """Both generators (`CycleGenerators`) an unpaired run saved after learning `task`."""
    generators = CycleGenerators.rebuild(method, task + 1, generator_config)
    return read_task_generators(generators, workdir, task)


def read_task_generators(generators, workdir, task):
    """Reads the generators saved after learning `task` into `generators` (built alike,
    e.g. both generators of an unpaired run); every saved object must match.

    Raises:
        StageNotKept: the run did not keep that stage (one sentence naming the kept ones).
    """
    check_stage_saved(workdir, task)
    prefix = task_checkpoint_prefix(workdir, task)
    check_checkpoint_layout(prefix)
    assert_restored(tf.train.Checkpoint(**generators.checkpoint_items()).read(prefix), prefix)
    return generators


def assert_restored(status, prefix):
    """Checks that the restore `status` of checkpoint `prefix` matched every object. A
    checkpoint written before the generators' last convolution had a bias lacks it: the
    bias (and its optimizer moments) keep their initial zeros, which is exactly the
    network the checkpoint was trained as, and the rest is not checked."""
    # Keys as `methods.base.weights_trackable` makes them, with TensorFlow's escape of
    # "." in an object's name: ".../tail_conv..tasks_bias/.ATTRIBUTES/VARIABLE_VALUE".
    names = [name.replace("..", ".") for name, _ in tf.train.list_variables(prefix)]
    has_generator = any("/tail_conv." in name for name in names)
    has_output_bias = any(f"/tail_conv.{bias}/" in name for name in names for bias in ("bias", "tasks_bias"))
    if has_generator and not has_output_bias:
        status.expect_partial()
    else:
        status.assert_existing_objects_matched()


def check_checkpoint_layout(prefix):
    """Raises InvalidConfig (one sentence) for a checkpoint written before per-task
    parameters were stacked into one variable per weight (each task then had its own
    variables, named task_<i>_..., which today's models cannot read)."""
    if any(".task_0_gamma" in name for name, _ in tf.train.list_variables(prefix)):
        raise config_lib.InvalidConfig(
            f"The checkpoint {prefix} was written by an older version of this code that stored each "
            "task's parameters separately; train the run again in a new --workdir."
        )


# ------------------------------------------------------------------ retention (--keep_stages)


def kept_stages(config, num_tasks, completed, extended_after=()):
    """The stages (0-based) whose generators the run keeps once `completed` tasks are
    learned: those --keep_stages keeps (`config.keeps_stage`), the last task's, the
    latest learned one (the teacher of the next task, which resuming needs) and, in
    a run whose sequence was extended after n tasks (results.json's
    `extended_after`), the n-th, where the shorter sequence ended."""
    ends = {num_tasks - 1, completed - 1} | {length - 1 for length in extended_after}
    return [
        stage for stage in range(completed)
        if config_lib.keeps_stage(config.keep_stages, num_tasks, stage) or stage in ends
    ]


def saved_stages(workdir):
    """The stages (0-based, sorted) whose generators are in the run folder."""
    return [stage for stage in range(_count_task_folders(workdir)) if _generators_saved(workdir, stage)]


def _count_task_folders(workdir):
    folder = os.path.join(workdir, "tasks")
    names = os.listdir(folder) if os.path.isdir(folder) else []
    indices = [int(name[len("task_"):]) for name in names if name.startswith("task_") and name[5:].isdigit()]
    return max(indices, default=-1) + 1


def _generators_saved(workdir, stage):
    return os.path.isfile(task_checkpoint_prefix(workdir, stage) + ".index")


def check_stage_saved(workdir, stage):
    """Raises StageNotKept (one sentence) unless the generators after `stage` (0-based) are saved."""
    if _generators_saved(workdir, stage):
        return
    kept = ", ".join(str(kept + 1) for kept in saved_stages(workdir)) or "none"
    raise StageNotKept(
        f"The model after task {stage + 1} of {workdir} was not kept (the run's --keep_stages drops "
        f"stages to bound its folder); choose one of the kept stages: {kept}."
    )


def prune_run_folder(config, num_tasks, completed, extended_after=()):
    """Deletes what --keep_stages does not keep once `completed` tasks are learned: the
    generators of dropped stages and the resumable checkpoints of learned tasks. A
    resume starts the next task from the last stage's generators, with fresh
    optimizers, so it needs no learned task's checkpoint, except that
    --discriminator=shared reads the discriminator of the latest one's. With every
    stage kept nothing is deleted."""
    if config_lib.keep_period(config.keep_stages, num_tasks) is None:
        return
    kept = set(kept_stages(config, num_tasks, completed, extended_after))
    checkpoints_needed_from = completed - 1 if config.discriminator == "shared" else completed
    for stage in range(completed):
        if stage not in kept:
            shutil.rmtree(os.path.dirname(task_checkpoint_prefix(config.workdir, stage)), ignore_errors=True)
        if stage < checkpoints_needed_from:
            shutil.rmtree(task_checkpoint_dir(config.workdir, stage), ignore_errors=True)


def task_checkpoint_dir(workdir, task):
    """The folder of task `task`'s resumable checkpoints (0-based)."""
    return os.path.join(workdir, "checkpoints", f"task_{task}")
