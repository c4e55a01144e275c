"""The runs an evaluation reads (train.py workdirs) and what it writes back into them."""

import dataclasses
import json
import math
import os

import numpy as np

from datasets.tasks import DatasetError
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import workdir as workdir_lib

METRICS = ("fid", "acc", "l1", "psnr", "ssim", "params")


class EvaluationError(ValueError):
    """Bad input to the evaluation, explained in one sentence a CLI prints as it is."""


def parse_metrics(spec):
    """The metric names of a `--metrics` value ('fid,acc' or a list), in order, unique."""
    entries = spec.split(",") if isinstance(spec, str) else list(spec)
    names = []
    for entry in (entry.strip().lower() for entry in entries):
        if not entry or entry in names:
            continue
        if entry not in METRICS:
            raise EvaluationError(
                f"Unknown metric {entry!r} in --metrics; valid metrics are {', '.join(METRICS)}."
            )
        names.append(entry)
    if not names:
        raise EvaluationError(
            f"--metrics is empty; name at least one of {', '.join(METRICS)}."
        )
    return tuple(names)


@dataclasses.dataclass
class Run:
    """A training run read from its workdir.

    Attributes:
        workdir: the folder train.py wrote.
        config: its resolved `TrainConfig`.
        tasks: the `datasets.tasks.Task`s of its sequence, in training order.
        method: its `ContinualMethod`.
        completed: how many tasks it has learned (stages to evaluate).
        results: the contents of its results.json (updated by the evaluation).
    """

    workdir: str
    config: config_lib.TrainConfig
    tasks: list
    method: object
    completed: int
    results: dict

    @property
    def task_names(self):
        return [task.name for task in self.tasks]

    @property
    def results_path(self):
        return os.path.join(self.workdir, workdir_lib.RESULTS)

    def restore_generators(self, stage):
        """The generators saved after learning task `stage` (0-based)."""
        return workdir_lib.restore_task_generators(
            self.workdir, stage, self.method, config_lib.generator_config(self.config)
        )

    def check_stage_kept(self, stage):
        """Raises EvaluationError (one sentence) where the run did not keep the
        generators after task `stage` (0-based; --keep_stages)."""
        try:
            workdir_lib.check_stage_saved(self.workdir, stage)
        except workdir_lib.StageNotKept as error:
            raise EvaluationError(str(error)) from None


def load_run(workdir):
    """Reads a train.py workdir; raises EvaluationError (one sentence) if it is not one."""
    if not workdir:
        raise EvaluationError("--workdir is required: the folder of a train.py run.")
    if not os.path.isdir(workdir):
        raise EvaluationError(f"The workdir {workdir} does not exist.")
    config_path = os.path.join(workdir, workdir_lib.RUN_CONFIG)
    if not os.path.isfile(config_path):
        raise EvaluationError(
            f"{workdir} holds no training run (no {workdir_lib.RUN_CONFIG}); "
            "pass the --workdir of a train.py run."
        )
    try:
        recorded = _read_json(config_path)
        known = {field.name for field in dataclasses.fields(config_lib.TrainConfig)}
        config = config_lib.TrainConfig(**{k: v for k, v in recorded.items() if k in known})
        config, tasks, method = workdir_lib.prepare_config(config)
    except (ValueError, TypeError, DatasetError) as error:
        raise EvaluationError(f"The run in {workdir} cannot be read: {error}") from None
    config = dataclasses.replace(config, workdir=workdir)
    completed = _read_json(os.path.join(workdir, workdir_lib.PROGRESS), {}).get("completed_tasks", 0)
    if completed < 1:
        raise EvaluationError(
            f"{workdir} has no completed task yet; train at least one task before evaluating."
        )
    results = _read_json(os.path.join(workdir, workdir_lib.RESULTS), None) or workdir_lib.empty_results(
        method, tasks
    )
    saved = workdir_lib.saved_stages(workdir)
    for stage in workdir_lib.kept_stages(config, len(tasks), completed, results.get("extended_after", ())):
        if stage not in saved:
            raise EvaluationError(
                f"{workdir} says {completed} tasks are learned, but the generators saved "
                f"after task {stage + 1} ({tasks[stage].name}) are missing."
            )
    try:
        workdir_lib.check_checkpoint_layout(workdir_lib.task_checkpoint_prefix(workdir, saved[-1]))
    except config_lib.InvalidConfig as error:
        raise EvaluationError(str(error)) from None
    return Run(workdir, config, tasks, method, completed, results)


def discover_runs(root=config_lib.RUNS_ROOT):
    """The workdirs under `root` (train.py's default home of runs, `runs/<method>`)
    that hold a run with at least one learned task, sorted; and the ones skipped
    because nothing is learned yet."""
    if not os.path.isdir(root):
        return [], []
    found, unfinished = [], []
    for name in sorted(os.listdir(root)):
        workdir = os.path.join(root, name)
        if not os.path.isfile(os.path.join(workdir, workdir_lib.RUN_CONFIG)):
            continue
        completed = _read_json(os.path.join(workdir, workdir_lib.PROGRESS), {}).get("completed_tasks", 0)
        (found if completed >= 1 else unfinished).append(workdir)
    return found, unfinished


def _read_json(path, default=None):
    """`workdir.load_json`, with a broken file as an EvaluationError."""
    if not os.path.isfile(path):
        return default
    try:
        return workdir_lib.load_json(path, default)
    except json.JSONDecodeError as error:
        raise EvaluationError(f"{path} is not valid JSON ({error}).") from None


def run_names(runs):
    """One column name per run: its method, with the workdir's name where methods repeat."""
    methods = [run.results.get("method") or run.config.method for run in runs]
    names = []
    for run, method in zip(runs, methods):
        name = method
        if methods.count(method) > 1:
            name = f"{method} ({os.path.basename(os.path.normpath(run.workdir))})"
        if run.completed < len(run.tasks):
            name += f" (after {run.completed}/{len(run.tasks)} tasks)"
        names.append(name)
    return names


def parse_classifier_tasks(spec):
    """The tasks of a `--classifier_tasks` value (None when empty); EvaluationError if bad."""
    if not spec:
        return None
    from datasets import tasks as task_registry

    try:
        tasks = task_registry.parse_tasks(spec)
    except DatasetError as error:
        raise EvaluationError(f"--classifier_tasks={spec}: {error}") from None
    if len(tasks) < 2:
        raise EvaluationError(f"--classifier_tasks={spec} names one task; a classifier needs at least two.")
    return tasks


def classifier_domains(run, classifier_tasks):
    """The class of each of the run's tasks in the classifier of `classifier_tasks`."""
    names = [task.name for task in classifier_tasks]
    missing = [name for name in run.task_names if name not in names]
    if missing:
        raise EvaluationError(
            f"{run.workdir} learns {', '.join(missing)}, which --classifier_tasks ({', '.join(names)}) "
            "does not include; the classifier can only score tasks it knows."
        )
    return [names.index(name) for name in run.task_names]


def stage_params(run):
    """Generator parameters after each completed task: results.json's, else counted."""
    params = list(run.results.get("params") or [])
    if len(params) >= run.completed:
        return params[: run.completed]
    return [run.restore_generators(stage).count_params() for stage in range(run.completed)]


def final_means(matrices):
    """{metric: mean over the tasks learned, after the last evaluated task}."""
    means = {}
    for key, matrix in matrices.items():
        known = [value for value in matrix[-1] if value is not None and not math.isnan(value)]
        means[key] = float(np.mean(known)) if known else None
    return means


def update_results(run, matrices, params, eval_examples, fid_key, classifier_tasks=None):
    """Writes the matrices (and params) into the run's results.json, same contract."""
    results = run.results
    results.setdefault("method", run.method.name)
    results.setdefault("tasks", run.task_names)
    results.setdefault("metrics", {})
    for key, matrix in matrices.items():
        results["metrics"][key] = matrix
    if params is not None:
        results["params"] = params
    if not matrices:
        workdir_lib.write_json_atomically(run.results_path, results)
        return
    settings = results.setdefault("evaluation", {})
    settings["eval_examples"] = eval_examples or "all"
    if classifier_tasks and "acc" in matrices:
        settings["acc_classifier_tasks"] = [task.name for task in classifier_tasks]
    if fid_key:
        settings[fid_key] = (
            "Keras' ImageNet InceptionV3 pool features (2048-d); not the Inception graph of the "
            "FID reference code, so not comparable with published FID" if fid_key == "fid"
            else "the domain classifier's pooled features"
        )
    workdir_lib.write_json_atomically(run.results_path, results)
