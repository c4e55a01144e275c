"""Evaluates training runs and writes the report: what `evaluate.py` does, as a library.

    from hyper_lifelong_gan import run_evaluationreport
    evaluations = run_evaluationreport.evaluate_runs(
        ["runs/hyper_lifelong_gan", "runs/sft"], metrics=("fid", "acc"),
        fid_features="classifier")

For every run (a `train.py` workdir) and every completed stage i, the generators
saved after learning task i are restored and every task j <= i is evaluated on its
test split with the fixed evaluation noise (`training.evaluation.eval_z`), which
fills the continual-learning matrices M[i][j] (docs/design.md, "Metrics"):

* acc: the share of task j's outputs that a domain classifier, trained on the real
  target images (train split) of all tasks of the sequence, assigns to domain j.
  The classifier is cached in `<workdir>/domain_classifier`, and one classifier
  serves all runs of the same sequence evaluated together, so their columns are
  comparable.
* fid / fid_classifier: the Frechet distance between the features of task j's
  outputs and of its real test targets, on InceptionV3 pool features (`fid`) or on
  the domain classifier's features (`fid_classifier`, the offline alternative; the
  two are never mixed up).
* l1 / psnr / ssim: against the ground truth, as the trainer computes them
  (`training.evaluation.evaluate_paired`).
* params: the generator parameters after each task, from results.json.

Outputs per run: the matrices in `<workdir>/results.json` (metrics[m][i][j], None
where j > i), `<workdir>/report.md` (the paper's Table 4/6 layout, one column per
run, then each matrix with forgetting; `report.html` shows the same with the
figures, and opens from disk), a heatmap PNG per matrix and an
input | output | target grid PNG per task in `<workdir>/evaluation/`, and the same
scalars and images in TensorBoard (`<workdir>/tensorboard/eval`); with
`save_outputs`, every task's generated and real test images as PNG files in
`<workdir>/outputs/<task>/{generated,real}/` for the standard FID tools (`fid` here
is a Keras-Inception FID, not comparable with published FID).
"""

import dataclasses
import json
import math
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

from datasets import pipeline
from datasets.tasks import DatasetError
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.metrics import domain_classifier
from hyper_lifelong_gan.metrics import fid
from hyper_lifelong_gan.metrics import image_quality
from hyper_lifelong_gan.metrics import report
from hyper_lifelong_gan.training import evaluation
from hyper_lifelong_gan.training import trainer
from hyper_lifelong_gan.training.logging_utils import write_json_atomically

METRICS = ("fid", "acc", "l1", "psnr", "ssim", "params")
HIGHER_IS_BETTER = {
    "acc": True, "psnr": True, "ssim": True, "fid": False, "fid_classifier": False, "l1": False,
}
# The domain classifier's training: a few hundred balanced steps reach >= 95% on the
# real test images of the built-in sequence, in seconds on a CPU.
CLASSIFIER_STEPS = 300
CLASSIFIER_BATCH_SIZE = 32
CLASSIFIER_SEED = 0
CLASSIFIER_DIR = "domain_classifier"
REPORT_FILE = "report.md"
FIGURES_DIR = "evaluation"
TENSORBOARD_DIR = os.path.join("tensorboard", "eval")
GRID_ROWS = 4
# Grid images are enlarged (nearest neighbour, whole pixels) to at least this side,
# so 32-px toy outputs are visible and the column names fit.
GRID_MIN_SIDE = 96


class EvaluationError(ValueError):
    """Bad input to the evaluation, explained in one sentence a CLI prints as it is."""


# ---------------------------------------------------------------------------- inputs


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
        return os.path.join(self.workdir, trainer.RESULTS)


def load_run(workdir):
    """Reads a train.py workdir; raises EvaluationError (one sentence) if it is not one."""
    if not workdir:
        raise EvaluationError("--workdir is required: the folder of a train.py run.")
    if not os.path.isdir(workdir):
        raise EvaluationError(f"The workdir {workdir} does not exist.")
    config_path = os.path.join(workdir, trainer.RUN_CONFIG)
    if not os.path.isfile(config_path):
        raise EvaluationError(
            f"{workdir} holds no training run (no {trainer.RUN_CONFIG}); "
            "pass the --workdir of a train.py run."
        )
    try:
        recorded = _read_json(config_path)
        known = {field.name for field in dataclasses.fields(config_lib.TrainConfig)}
        config = config_lib.TrainConfig(**{k: v for k, v in recorded.items() if k in known})
        config, tasks, method = trainer.prepare_config(config)
    except (ValueError, TypeError, DatasetError) as error:
        raise EvaluationError(f"The run in {workdir} cannot be read: {error}") from None
    config = dataclasses.replace(config, workdir=workdir)
    completed = _read_json(os.path.join(workdir, trainer.PROGRESS), {}).get("completed_tasks", 0)
    if completed < 1:
        raise EvaluationError(
            f"{workdir} has no completed task yet; train at least one task before evaluating."
        )
    for stage in range(completed):
        if not os.path.isfile(trainer.task_checkpoint_prefix(workdir, stage) + ".index"):
            raise EvaluationError(
                f"{workdir} says {completed} tasks are learned, but the generators saved "
                f"after task {stage + 1} ({tasks[stage].name}) are missing."
            )
    results = _read_json(os.path.join(workdir, trainer.RESULTS), None) or trainer.empty_results(
        method, tasks
    )
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
        if not os.path.isfile(os.path.join(workdir, trainer.RUN_CONFIG)):
            continue
        completed = _read_json(os.path.join(workdir, trainer.PROGRESS), {}).get("completed_tasks", 0)
        (found if completed >= 1 else unfinished).append(workdir)
    return found, unfinished


def _read_json(path, default=None):
    if not os.path.isfile(path):
        return default
    try:
        with open(path) as stream:
            return json.load(stream)
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


# -------------------------------------------------------------------- feature extractors


def fid_feature_function(fid_features, inception_weights=None, classifier=None):
    """The feature function FID is computed with, and the metric key it is reported as.

    Raises `fid.InceptionWeightsUnavailable` quickly when Inception is wanted and
    its weights are not on disk.
    """
    _check_feature_space(fid_features)
    if fid_features == fid.FeatureSpace.INCEPTION:
        return fid.InceptionFeatures(weights_path=inception_weights), fid.fid_metric_key(fid_features)
    return domain_classifier.ClassifierFeatures(classifier), fid.fid_metric_key(fid_features)


def _check_feature_space(fid_features):
    if fid_features not in fid.FeatureSpace.ALL:
        raise EvaluationError(
            f"Unknown --fid_features {fid_features!r}; valid values are "
            f"{', '.join(fid.FeatureSpace.ALL)}."
        )


def sequence_domain_classifier(tasks, image_size, cache_dir, data_dir=None,
                               steps=CLASSIFIER_STEPS, batch_size=CLASSIFIER_BATCH_SIZE):
    """The domain classifier of a task sequence (T classes, class i = task i).

    Trained on the real target images of the train split of every task, or loaded
    from `cache_dir` where an earlier evaluation left it (`load_or_train`).
    """
    _require_two_tasks(tasks)

    def real_targets():
        return [
            pipeline.target_images(task, "train", image_size, data_dir).batch(batch_size)
            for task in tasks
        ]

    return domain_classifier.load_or_train(
        cache_dir, [task.name for task in tasks], image_size, real_targets,
        **classifier_training_config(steps, batch_size),
    )


def _require_two_tasks(tasks):
    if len(tasks) < 2:
        raise EvaluationError(
            "Acc and classifier-feature FID need a sequence of at least two tasks; "
            f"this run learns only {tasks[0].name}: pass --classifier_tasks with the sequence whose "
            "classifier should judge it (the paper's Table 1: cityscapes,maps,facades,edges2handbags)."
        )


def classifier_training_config(steps=CLASSIFIER_STEPS, batch_size=CLASSIFIER_BATCH_SIZE):
    return dict(steps=steps, batch_size=batch_size, seed=CLASSIFIER_SEED)


def classifier_cache_dir(run):
    return os.path.join(run.workdir, CLASSIFIER_DIR)


class _SharedClassifiers:
    """One domain classifier per (sequence, image size), shared by the runs evaluated
    together, so that their Acc columns are measured by the same judge.

    The first run of a sequence loads or trains it; later runs get a copy of its
    cache file in their own workdir.
    """

    def __init__(self, steps, batch_size, log):
        self.steps = steps
        self.batch_size = batch_size
        self.log = log
        self._by_sequence = {}

    def get(self, run, tasks=None):
        """The classifier of `tasks` (default: the run's own sequence)."""
        tasks = tasks or run.tasks
        _require_two_tasks(tasks)  # before the log line promising a training
        names = [task.name for task in tasks]
        key = (tuple(names), run.config.image_size)
        training_config = classifier_training_config(self.steps, self.batch_size)
        path = domain_classifier.classifier_cache_path(
            classifier_cache_dir(run), names, run.config.image_size, **training_config
        )
        if key in self._by_sequence:
            model, source = self._by_sequence[key]
            if not os.path.isfile(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                shutil.copyfile(source, path)
                shutil.copyfile(source[: -len(".keras")] + ".json", path[: -len(".keras")] + ".json")
            return model
        if os.path.isfile(path):
            self.log(f"Loading the domain classifier {path}.")
        else:
            self.log(
                f"Training the domain classifier on the real targets of {len(tasks)} tasks "
                f"({self.steps} steps); it is cached in {os.path.dirname(path)}."
            )
        model = sequence_domain_classifier(
            tasks, run.config.image_size, classifier_cache_dir(run),
            run.config.data_dir or None, self.steps, self.batch_size,
        )
        self._by_sequence[key] = (model, path)
        return model


# ------------------------------------------------------------------------ evaluation


IMAGE_QUALITY = {"l1": image_quality.l1, "psnr": image_quality.psnr, "ssim": image_quality.ssim}


def _test_outputs(generators, task, task_index, config, z):
    """(generated outputs, targets) batches of the task's test split, in a fixed order."""
    predict = evaluation.predictor(generators, task_index, z, config)
    for inputs, targets in evaluation.test_batches(task, config, config.eval_examples):
        yield predict(inputs), targets


def _real_test_targets(task, config):
    """An unpaired task's real target-domain test images, each once: its test batches
    pair every input with a target and repeat the (usually smaller) target split, which
    would weight some real images more than others in FID's statistics."""
    images = pipeline.target_images(task, "test", config.image_size, config.data_dir or None)
    if config.eval_examples:
        images = images.take(config.eval_examples)
    return (batch.numpy() for batch in images.batch(config.batch_size))


def _feature_statistics(feature_fn, batches):
    statistics = fid.RunningStatistics()
    for batch in batches:
        statistics.update(feature_fn(batch))
    return statistics


def evaluate_run(run, metrics, *, eval_examples=0, classifier=None, fid_features=None,
                 log=None, domains=None):
    """Fills the continual-learning matrices of one run.

    One pass of generation per (stage, task) serves every metric: L1/PSNR/SSIM are
    the per-image functions the trainer's `evaluate_paired` averages, over the same
    test examples with the same noise, so they reproduce the trainer's numbers.

    Args:
        run: a `Run` (see `load_run`).
        metrics: names from METRICS ('params' is read from results.json, not computed).
        eval_examples: test examples per task; 0 means the whole test split.
        classifier: the domain classifier, needed for 'acc'.
        fid_features: (feature function, metric key) from `fid_feature_function`,
            needed for 'fid'.
        log: a function of one line of progress text.
        domains: the classifier's class of each of the run's tasks (default: task j is
            class j; see `classifier_domains`).

    Returns:
        (matrices, generators): {metric key: matrix}, each matrix `run.completed`
        rows of T values with None where j > i (FID under 'fid' or
        'fid_classifier' by its feature space), and the generators after the last
        completed task.
    """
    log = log or (lambda line: None)
    config = dataclasses.replace(run.config, eval_examples=eval_examples)
    num_tasks = len(run.tasks)
    paired = [name for name in evaluation.PAIRED_METRICS if name in metrics]
    if paired and not any(task.paired for task in run.tasks):
        log(f"{run.workdir}: {', '.join(paired)} skipped: unpaired tasks have no ground truth.")
        paired = []
    wants_acc = "acc" in metrics
    feature_fn, fid_key = fid_features if "fid" in metrics else (None, None)
    keys = (["acc"] if wants_acc else []) + ([fid_key] if fid_key else []) + paired
    matrices = {key: [] for key in keys}
    real_statistics = {}  # task index -> feature statistics of its real test targets
    generators = None

    for stage in range(run.completed):
        log(f"{run.workdir}: evaluating the generators saved after task {stage + 1}/{num_tasks} "
            f"({run.tasks[stage].name}).")
        generators = trainer.restore_task_generators(
            run.workdir, stage, run.method, config_lib.generator_config(config)
        )
        z = evaluation.eval_z(generators)
        rows = {key: [None] * num_tasks for key in keys}
        for task_index in range(stage + 1):
            task = run.tasks[task_index]
            # Unpaired tasks have no ground truth to compare with.
            scored = paired if task.paired else []
            keep_real = fid_key is not None and task_index not in real_statistics
            keep_paired_real = keep_real and task.paired
            sums = {name: 0.0 for name in scored}
            count = 0
            outputs, targets = [], []
            for generated, target in _test_outputs(generators, task, task_index, config, z):
                for name in scored:
                    sums[name] += float(tf.reduce_sum(IMAGE_QUALITY[name](generated, target)))
                count += int(generated.shape[0])
                if wants_acc or fid_key:
                    outputs.append(generated.numpy())
                if keep_paired_real:
                    targets.append(target.numpy())
            for name in scored:
                rows[name][task_index] = sums[name] / max(count, 1)
            if wants_acc:
                # accuracy_per_task scores its k-th list against domain k.
                domain = domains[task_index] if domains else task_index
                per_domain = [[] for _ in range(domain)] + [outputs]
                rows["acc"][task_index] = float(
                    domain_classifier.accuracy_per_task(classifier, per_domain)[domain]
                )
            if fid_key:
                if keep_real:
                    real = targets if task.paired else _real_test_targets(task, config)
                    real_statistics[task_index] = _feature_statistics(feature_fn, real)
                fake_statistics = _feature_statistics(feature_fn, outputs)
                rows[fid_key][task_index] = real_statistics[task_index].frechet_distance(
                    fake_statistics
                )
        for key in keys:
            matrices[key].append(rows[key])
    return matrices, generators


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


# ------------------------------------------------------------------ outputs for FID tools

OUTPUTS_DIR = "outputs"


def _write_png(path, image):
    from PIL import Image

    pixels = np.clip(np.rint((np.asarray(image, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)


def save_outputs_of_run(run, eval_examples=0, log=None):
    """Writes every learned task's test outputs and real test images as PNG files, for
    the standard FID tools (e.g. `python -m pytorch_fid REAL GENERATED`).

    The generators are those after the last learned task (the stage the paper's tables
    report), with the evaluation's fixed noise; images at the run's --image_size.
    Layout: <workdir>/outputs/<task>/generated/00000.png ... and
    <workdir>/outputs/<task>/real/00000.png ... (a paired task's real images are the
    targets of the same test examples; an unpaired task's, its target-domain test
    images). Folders are replaced on every call.

    Returns:
        {task name: (generated folder, real folder)}.
    """
    log = log or (lambda line: None)
    config = dataclasses.replace(run.config, eval_examples=eval_examples)
    generators = trainer.restore_task_generators(
        run.workdir, run.completed - 1, run.method, config_lib.generator_config(config)
    )
    z = evaluation.eval_z(generators)
    folders = {}
    for task_index, task in enumerate(run.tasks[: run.completed]):
        task_dir = os.path.join(run.workdir, OUTPUTS_DIR, task.name)
        generated_dir, real_dir = os.path.join(task_dir, "generated"), os.path.join(task_dir, "real")
        for folder in (generated_dir, real_dir):
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
        counts = {generated_dir: 0, real_dir: 0}

        def write(folder, batch):
            for image in np.asarray(batch):
                _write_png(os.path.join(folder, f"{counts[folder]:05d}.png"), image)
                counts[folder] += 1

        for generated, target in _test_outputs(generators, task, task_index, config, z):
            write(generated_dir, generated)
            if task.paired:
                write(real_dir, target)
        if not task.paired:
            for batch in _real_test_targets(task, config):
                write(real_dir, batch)
        log(f"{run.workdir}: {task.name}: {counts[generated_dir]} generated and {counts[real_dir]} "
            f"real test images in {os.path.dirname(generated_dir)}.")
        folders[task.name] = (generated_dir, real_dir)
    return folders


def stage_params(run):
    """Generator parameters after each completed task: results.json's, else counted."""
    params = list(run.results.get("params") or [])
    if len(params) >= run.completed:
        return params[: run.completed]
    generator_config = config_lib.generator_config(run.config)
    return [
        trainer.restore_task_generators(run.workdir, stage, run.method, generator_config)
        .count_params()
        for stage in range(run.completed)
    ]


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
        write_json_atomically(run.results_path, results)
        return
    run_evaluationsettings = results.setdefault("evaluation", {})
    run_evaluationsettings["eval_examples"] = eval_examples or "all"
    if classifier_tasks and "acc" in matrices:
        run_evaluationsettings["acc_classifier_tasks"] = [task.name for task in classifier_tasks]
    if fid_key:
        run_evaluationsettings[fid_key] = (
            "Keras' ImageNet InceptionV3 pool features (2048-d); not the Inception graph of the "
            "FID reference code, so not comparable with published FID" if fid_key == "fid"
            else "the domain classifier's pooled features"
        )
    write_json_atomically(run.results_path, results)


# ---------------------------------------------------------------------------- report


def comparison_table(evaluations):
    """The paper's Table 4/6 layout: metric rows, one column per run (final-stage means)."""
    order = [key for key in ("acc", "fid", "fid_classifier") + evaluation.PAIRED_METRICS
             if any(key in e.means for e in evaluations)]
    return report.markdown_table({e.name: e.means for e in evaluations}, metrics_order=order)


def params_line(run, params):
    stages = ", ".join(
        f"after {name} {count / 1e6:.3f}M ({count:,})" for name, count in zip(run.task_names, params)
    )
    return f"Generator parameters of {run.method.name}: {stages}."


def run_report_text(run_evaluation, table):
    """The markdown of one run's report.md: the comparison table, then its matrices."""
    run = run_evaluation.run
    parts = [
        f"# Evaluation of {run.workdir}",
        f"Method {run.method.name}; tasks {', '.join(run.task_names)}; "
        f"{run.completed}/{len(run.tasks)} learned; test examples per task: "
        f"{run_evaluation.eval_examples or 'all'}. Acc in percent; FID (classifier features) is "
        "the Frechet distance on the domain classifier's features, not comparable to Inception FID. "
        "Forgetting is how much worse a task got since it was learned (positive = forgot): "
        "M[j][j] - M[T][j] for Acc, PSNR and SSIM, M[T][j] - M[j][j] for FID and L1.",
    ]
    if table:
        parts.append("## Mean over tasks after the last task\n\n" + table.rstrip())
    for key, matrix in run_evaluation.matrices.items():
        table_of_matrix = report.continual_matrix_table(
            key, run.task_names, _square(matrix, len(run.tasks))
        )
        parts.append(
            f"## {report.metric_label(key)}: task j after learning task i\n\n"
            + table_of_matrix.rstrip()
        )
    if run_evaluation.params is not None:
        parts.append("## Parameters\n\n" + params_line(run, run_evaluation.params))
    return "\n\n".join(parts) + "\n"


def _square(matrix, num_tasks):
    """The matrix padded with rows of None for the stages not learned yet."""
    return list(matrix) + [[None] * num_tasks for _ in range(num_tasks - len(matrix))]


def write_figures(run, generators, matrices, config):
    """Heatmap per matrix and input | output | target grid per task; returns their paths."""
    folder = os.path.join(run.workdir, FIGURES_DIR)
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for key, matrix in matrices.items():
        path = os.path.join(folder, f"heatmap_{key}.png")
        report.save_heatmap_png(
            path, _square(matrix, len(run.tasks)), run.task_names,
            f"{report.metric_label(key)} of {run.method.name}",
            higher_is_better=HIGHER_IS_BETTER[key], percent=key in report.PERCENT_METRICS,
        )
        paths[f"heatmap_{key}"] = path
    grids = {}
    for task_index, task in enumerate(run.tasks[: run.completed]):
        rows = _enlarged(evaluation.sample_rows(generators, task, task_index, config, count=GRID_ROWS))
        path = os.path.join(folder, f"samples_{task.name}.png")
        report.save_image_grid_png(path, rows)
        paths[f"samples_{task.name}"] = path
        grids[task.name] = report.image_grid_array(rows)
    return paths, grids


def _enlarged(rows):
    """Grid rows with every image repeated to at least GRID_MIN_SIDE pixels a side."""
    factor = max(1, -(-GRID_MIN_SIDE // rows[0][0].shape[0]))
    return [
        tuple(None if image is None else image.repeat(factor, 0).repeat(factor, 1) for image in row)
        for row in rows
    ]


def write_tensorboard(run, matrices, means, grids, figure_paths):
    """Scalars (step = tasks learned) and images in <workdir>/tensorboard/eval."""
    writer = tf.summary.create_file_writer(os.path.join(run.workdir, TENSORBOARD_DIR))
    with writer.as_default():
        for key, matrix in matrices.items():
            for stage, row in enumerate(matrix):
                known = [value for value in row if value is not None]
                for task_name, value in zip(run.task_names, row):
                    if value is not None:
                        tf.summary.scalar(f"{key}/{task_name}", value, step=stage + 1)
                if known:
                    tf.summary.scalar(f"{key}/mean", float(np.mean(known)), step=stage + 1)
        for key, value in means.items():
            if value is not None:
                tf.summary.scalar(f"final_mean/{key}", value, step=run.completed)
        for task_name, grid in grids.items():
            tf.summary.image(f"samples/{task_name}", grid[None], step=run.completed)
        for name, path in figure_paths.items():
            if name.startswith("heatmap_"):
                with open(path, "rb") as stream:
                    image = tf.io.decode_png(stream.read(), channels=3)
                tf.summary.image(f"heatmaps/{name[len('heatmap_'):]}", image[None], step=run.completed)
    writer.flush()
    writer.close()


REPORT_HTML_FILE = "report.html"


def _markdown_to_html(text):
    """HTML of the markdown report.md uses: '#'/'##' headings, pipe tables, paragraphs."""
    import html

    parts, table = [], []

    def close_table():
        if table:
            rows = [line.strip().strip("|").split("|") for line in table]
            head, body = rows[0], [row for row in rows[1:] if not set("".join(row)) <= set("-: ")]
            cells = lambda row, tag: "".join(f"<{tag}>{html.escape(c.strip())}</{tag}>" for c in row)  # noqa: E731
            parts.append("<table><tr>" + cells(head, "th") + "</tr>"
                         + "".join("<tr>" + cells(row, "td") + "</tr>" for row in body) + "</table>")
            table.clear()

    for block in text.split("\n\n"):
        for line in block.strip().splitlines():
            if line.startswith("|"):
                table.append(line)
                continue
            close_table()
            if line.startswith("## "):
                parts.append(f"<h2>{html.escape(line[3:])}</h2>")
            elif line.startswith("# "):
                parts.append(f"<h1>{html.escape(line[2:])}</h1>")
            elif line.strip():
                parts.append(f"<p>{html.escape(line)}</p>")
        close_table()
    return "\n".join(parts)


def write_report_html(run_evaluation, table):
    """report.html beside report.md: its tables, then the heatmaps and sample grids,
    embedded as data URIs so the page opens from disk with no server."""
    import base64
    import html

    figures = []
    for name, path in run_evaluation.figures.items():
        with open(path, "rb") as stream:
            data = base64.b64encode(stream.read()).decode("ascii")
        figures.append(f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(name)}">'
                       f"<figcaption>{html.escape(name)}</figcaption></figure>")
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>Evaluation of {html.escape(run_evaluation.run.workdir)}</title>"
        "<style>body{font-family:sans-serif;max-width:1100px} table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right} th:first-child,td:first-child"
        "{text-align:left} figure{display:inline-block;margin:8px}</style></head><body>\n"
        + _markdown_to_html(run_report_text(run_evaluation, table))
        + "\n<h2>Figures</h2>\n" + "\n".join(figures) + "\n</body></html>\n"
    )
    path = os.path.join(run_evaluation.run.workdir, REPORT_HTML_FILE)
    with open(path, "w") as stream:
        stream.write(page)
    return path


@dataclasses.dataclass
class RunEvaluation:
    """What `evaluate_runs` found for one run.

    Attributes:
        run: the `Run`.
        name: its column in the comparison table.
        matrices: {metric key: M[i][j]} as written to results.json.
        means: {metric key: mean over tasks after the last learned task}.
        params: generator parameters per stage (None unless 'params' was asked).
        eval_examples: test examples per task (0: all).
        figures: {name: PNG path} of the heatmaps and sample grids.
        report_path: its report.md (None when only 'params' was asked).
    """

    run: Run
    name: str
    matrices: dict
    means: dict
    params: list
    eval_examples: int
    figures: dict
    report_path: str | None


def evaluate_runs(
    workdirs,
    metrics=("fid", "acc"),
    *,
    fid_features=fid.FeatureSpace.INCEPTION,
    inception_weights=None,
    eval_examples=0,
    classifier_steps=CLASSIFIER_STEPS,
    classifier_batch_size=CLASSIFIER_BATCH_SIZE,
    stream=None,
    log_stream=None,
    save_outputs=False,
    classifier_tasks=None,
):
    """Evaluates training runs, writes their reports, and prints the tables.

    Every input is checked before any heavy work, so a bad workdir, an unknown
    metric or missing Inception weights fail in seconds.

    Args:
        workdirs: train.py workdirs; each becomes one column of the comparison.
        metrics: a subset of METRICS, or a comma-separated string of them.
        fid_features: 'inception' (FID on Keras' ImageNet InceptionV3, not the paper's
            FID reference network: see `save_outputs_of_run`) or 'classifier' (the
            offline alternative, reported as fid_classifier).
        inception_weights: a file of InceptionV3's no-top ImageNet weights, if not
            in Keras' cache.
        eval_examples: test examples per task; 0 means the whole test split.
        classifier_steps, classifier_batch_size: training of the domain classifier.
        stream: where the tables go (default stdout).
        log_stream: where progress lines go (default stderr).
        save_outputs: also write every task's generated and real test images to
            <workdir>/outputs (see `save_outputs`), for the standard FID tools.
        classifier_tasks: a task sequence (comma-separated) whose domain classifier
            scores Acc instead of the run's own sequence; it must include the run's
            tasks. A single-task run needs it (the paper's Table 1).

    Returns:
        A `RunEvaluation` per workdir, in order.

    Raises:
        EvaluationError: a bad input, in one sentence.
        fid.InceptionWeightsUnavailable: FID on Inception features without weights.
    """
    stream = stream or sys.stdout
    log_stream = log_stream or sys.stderr

    def log(line):
        print(line, file=log_stream, flush=True)

    metrics = parse_metrics(metrics)
    _check_feature_space(fid_features)
    if eval_examples < 0:
        raise EvaluationError(f"--eval_examples must be >= 0 (0 means all); got {eval_examples}.")
    if not workdirs:
        workdirs, unfinished = discover_runs()
        if not workdirs:
            raise EvaluationError(
                f"No --workdir given and no run with a learned task under {config_lib.RUNS_ROOT}/ "
                "(where train.py writes by default); pass --workdir=FOLDER of a train.py run."
            )
        log(f"No --workdir given: evaluating the {len(workdirs)} run(s) under "
            f"{config_lib.RUNS_ROOT}/: {', '.join(workdirs)}"
            + (f" (skipped, no task learned yet: {', '.join(unfinished)})" if unfinished else "")
            + ".")
    unique = list(dict.fromkeys(os.path.normpath(workdir) for workdir in workdirs))
    runs = [load_run(workdir) for workdir in unique]
    classifier_sequence = parse_classifier_tasks(classifier_tasks)
    domains = {run.workdir: classifier_domains(run, classifier_sequence) if classifier_sequence else None
               for run in runs}
    wants_fid = "fid" in metrics
    on_inception = fid_features == fid.FeatureSpace.INCEPTION
    # Built before any heavy work: without weights this fails in seconds.
    inception = None
    if wants_fid and on_inception:
        inception = fid_feature_function(fid_features, inception_weights)
    matrix_metrics = [name for name in metrics if name != "params"]
    classifiers = _SharedClassifiers(classifier_steps, classifier_batch_size, log)

    names = run_names(runs)
    evaluations = []
    for run, name in zip(runs, names):
        classifier = None
        if "acc" in metrics or (wants_fid and not on_inception):
            classifier = classifiers.get(run, classifier_sequence)
        features = None
        if wants_fid:
            features = inception or fid_feature_function(fid_features, classifier=classifier)
        matrices, means, figures = {}, {}, {}
        if matrix_metrics:
            matrices, final_generators = evaluate_run(
                run, matrix_metrics, eval_examples=eval_examples, classifier=classifier,
                fid_features=features, log=log, domains=domains[run.workdir],
            )
            means = final_means(matrices)
        params = stage_params(run) if "params" in metrics else None
        if save_outputs:
            save_outputs_of_run(run, eval_examples, log)
        update_results(run, matrices, params, eval_examples, features[1] if features else None,
                       classifier_sequence)
        if matrices:
            config = dataclasses.replace(run.config, eval_examples=eval_examples)
            figures, grids = write_figures(run, final_generators, matrices, config)
            write_tensorboard(run, matrices, means, grids, figures)
        evaluations.append(RunEvaluation(
            run=run, name=name, matrices=matrices, means=means, params=params,
            eval_examples=eval_examples, figures=figures,
            report_path=os.path.join(run.workdir, REPORT_FILE) if matrices else None,
        ))

    table = comparison_table(evaluations) if any(e.means for e in evaluations) else ""
    for run_evaluation in evaluations:
        if run_evaluation.matrices:  # --metrics=params alone leaves an earlier report as it is
            with open(run_evaluation.report_path, "w") as report_file:
                report_file.write(run_report_text(run_evaluation, table))
            write_report_html(run_evaluation, table)
        # On the terminal the comparison table is printed once, after every run's matrices.
        print(run_report_text(run_evaluation, table=""), file=stream)
    if table:
        print("Mean over tasks after the last task (paper Tables 4 and 6):\n", file=stream)
        print(table, file=stream)
        for run_evaluation in evaluations:
            print(f"Report: {run_evaluation.report_path}; figures in "
                  f"{os.path.join(run_evaluation.run.workdir, FIGURES_DIR)}; TensorBoard: "
                  f"{os.path.join(run_evaluation.run.workdir, TENSORBOARD_DIR)}.", file=stream)
    stream.flush()
    return evaluations

