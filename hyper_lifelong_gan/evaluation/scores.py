"""Scoring generated test outputs: one pass of generation per (stage, task) feeds any
set of metrics, for the end-of-task evaluation (`evaluate_paired`,
`evaluate_unpaired`) and for evaluate.py (`evaluate_run`) alike.

A scorer takes every batch of the pass, `update(inputs, outputs, targets)`, and
then gives its scores, `result() -> {key: value}`:

* `MeanQuality`: L1, PSNR and SSIM against the ground truth (paired tasks),
  averaged over the test images.
* `DomainAccuracy`: Acc, the share of the outputs the sequence's domain
  classifier assigns to the task's domain (paper Table 6).
* `Structure`: the structure score of unpaired tasks and its baseline.
* `Frechet`: FID between the outputs' and the real images' features.

Each end-of-task score comes with a trivial baseline, so "never learned" reads
differently from "not forgotten": for paired tasks the scores of predicting the
mean target colour of the training split everywhere; for unpaired tasks (no
ground truth) the structure score, the mean SSIM between the grayscale input and
the grayscale output of the same image, beside its mean with another input's
output (a generator that ignores its input scores the same on both). Baselines are
returned as `baseline_<metric>`.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from datasets import pipeline
from hyper_lifelong_gan import workdir as workdir_lib
from hyper_lifelong_gan.evaluation.generation import eval_z, real_test_targets, test_batches, test_outputs
from hyper_lifelong_gan.evaluation.runs import EvaluationError
from hyper_lifelong_gan.metrics import domain_classifier, fid, image_quality
from hyper_lifelong_gan.metrics.facts import BASELINE_PREFIX, PAIRED_METRICS

# Luminance weights (ITU-R BT.601) of the grayscale images the structure score compares.
LUMA = (0.299, 0.587, 0.114)
IMAGE_QUALITY = {"l1": image_quality.l1, "psnr": image_quality.psnr, "ssim": image_quality.ssim}


# ------------------------------------------------------------------------------ scorers


class MeanQuality:
    """The mean over test images of per-image metrics against the ground truth."""

    def __init__(self, names=PAIRED_METRICS):
        self.sums = {name: 0.0 for name in names}
        self.count = 0

    def update(self, inputs, outputs, targets):
        for name, total in summed_quality(outputs, targets, tuple(self.sums)).items():
            self.sums[name] += float(total)
        self.count += int(targets.shape[0])

    def result(self):
        return {name: value / max(self.count, 1) for name, value in self.sums.items()}


@tf.function
def summed_quality(outputs, targets, names):
    """{name: the batch's sum of that metric}, in one graph per batch shape: run op by op,
    SSIM's few dozen small ops a batch took most of the time of a 100-task stage's
    evaluation on a CPU."""
    return {name: tf.reduce_sum(IMAGE_QUALITY[name](outputs, targets)) for name in names}


class DomainAccuracy:
    """Acc: the share of the outputs that `classifier` assigns to class `domain`."""

    def __init__(self, classifier, domain):
        self.classifier = classifier
        self.domain = domain
        self.outputs = []

    def update(self, inputs, outputs, targets):
        self.outputs.append(outputs)

    def result(self):
        # accuracy_per_task scores its k-th list against domain k.
        per_domain = [[] for _ in range(self.domain)] + [self.outputs]
        return {"acc": float(domain_classifier.accuracy_per_task(self.classifier, per_domain)[self.domain])}


class Structure:
    """"structure" and "baseline_structure": `structure_scores` of the inputs and outputs."""

    def __init__(self):
        self.inputs, self.outputs = [], []

    def update(self, inputs, outputs, targets):
        self.inputs.append(inputs)
        self.outputs.append(outputs)

    def result(self):
        own, other = structure_scores(tf.concat(self.inputs, 0), tf.concat(self.outputs, 0))
        return {"structure": own, BASELINE_PREFIX + "structure": other}


class Frechet:
    """FID (under `key`) between the features of the outputs and of the real images.

    `real_statistics`: {task index: `fid.RunningStatistics`} shared across stages,
    so each task's real images pass through the feature network once; a paired
    task's real images are the targets of this pass, an unpaired task's its
    target-domain test images (`real_test_targets`).
    """

    def __init__(self, feature_fn, key, task, task_index, config, real_statistics):
        self.feature_fn, self.key = feature_fn, key
        self.task, self.task_index, self.config = task, task_index, config
        self.real_statistics = real_statistics
        self.outputs, self.targets = [], []

    def update(self, inputs, outputs, targets):
        self.outputs.append(outputs.numpy())
        if self.task_index not in self.real_statistics and self.task.paired:
            self.targets.append(targets.numpy())

    def result(self):
        if self.task_index not in self.real_statistics:
            real = self.targets if self.task.paired else real_test_targets(self.task, self.config)
            self.real_statistics[self.task_index] = fid.feature_statistics(self.feature_fn, real)
        generated = fid.feature_statistics(self.feature_fn, self.outputs)
        return {self.key: self.real_statistics[self.task_index].frechet_distance(generated)}


def score_task(generators, task, task_index, config, z, scorers):
    """One pass of generation over the task's test split, fed to every scorer;
    returns their results merged, in the order of `scorers`."""
    for inputs, outputs, targets in test_outputs(generators, task, task_index, config, z):
        for scorer in scorers:
            scorer.update(inputs, outputs, targets)
    scores = {}
    for scorer in scorers:
        scores.update(scorer.result())
    return scores


# --------------------------------------------------------------------------- baselines


_MEAN_COLOUR_SCORES = {}


def mean_target_colour(task, config):
    """The mean colour (3,) in [-1, 1] of the task's training targets at the run's size."""
    total, pixels = np.zeros(3), 0
    for images in pipeline.target_images(task, "train", config.image_size, config.data_dir or None).batch(64):
        images = images.numpy().astype(np.float64)
        total += images.sum(axis=(0, 1, 2))
        pixels += images.shape[0] * images.shape[1] * images.shape[2]
    return total / max(pixels, 1)


def _mean_colour_key(task, config):
    return (task.name, config.image_size, config.data_dir, config.eval_examples)


def mean_colour_scores(task, config):
    """{metric: value} of the trivial paired baseline: every test output is a flat image
    of the training targets' mean colour (computed once per task and size, or taken from
    the run's record: `recall_mean_colour_scores`)."""
    key = _mean_colour_key(task, config)
    if key not in _MEAN_COLOUR_SCORES:
        colour = tf.constant(mean_target_colour(task, config), tf.float32)
        quality = MeanQuality()
        for inputs, targets in test_batches(task, config, config.eval_examples):
            quality.update(inputs, tf.broadcast_to(colour, tf.shape(targets)), targets)
        _MEAN_COLOUR_SCORES[key] = quality.result()
    return _MEAN_COLOUR_SCORES[key]


def recall_mean_colour_scores(tasks, config, baselines):
    """Takes each task's mean-colour baseline from a run's record (results.json's
    "baselines": per metric, a row per stage) where it holds one, so a later process of
    the run (the next block of tasks, a resume) does not compute it again: a 100-task
    run's blocks spent a third of their evaluation on it. The baseline does not depend
    on the stage, so any recorded row serves."""
    for index, task in enumerate(tasks):
        recorded = {}
        for name in PAIRED_METRICS:
            column = [row[index] for row in baselines.get(name, ()) if index < len(row) and row[index] is not None]
            if not column:
                break
            recorded[name] = column[0]
        else:
            _MEAN_COLOUR_SCORES.setdefault(_mean_colour_key(task, config), recorded)


def grayscale(images):
    """[B, H, W, 3] images in [-1, 1] -> their luminance, repeated in 3 channels."""
    gray = tf.reduce_sum(tf.cast(images, tf.float32) * tf.constant(LUMA), axis=-1, keepdims=True)
    return tf.repeat(gray, 3, axis=-1)


def structure_scores(inputs, outputs):
    """(own, other): the mean SSIM between each grayscale input and the grayscale output
    of the same image, and with the output of another input (the next one, cyclically).

    A translation that keeps its input's content scores own well above other; an
    output that ignores its input (a texture in the target palette) scores both alike.
    """
    inputs, outputs = grayscale(inputs), grayscale(outputs)
    own = image_quality.ssim(inputs, outputs)
    other = image_quality.ssim(inputs, tf.roll(outputs, shift=1, axis=0))
    return float(tf.reduce_mean(own)), float(tf.reduce_mean(other))


# ------------------------------------------------------------- the end-of-task evaluation


def evaluate_paired(generators, tasks, config, upto, indices=None):
    """{metric: [value of task j for j in 0..upto]}: L1, PSNR and SSIM of each learned
    task's test outputs against the ground truth, averaged over test images, and
    `baseline_<metric>`: the same of the mean-colour baseline (`mean_colour_scores`).
    Only the tasks of `indices` (default: all) are evaluated; the others get None."""
    z = eval_z(generators)
    results = {name: [] for name in PAIRED_METRICS}
    results.update({BASELINE_PREFIX + name: [] for name in PAIRED_METRICS})
    for index in range(upto + 1):
        if indices is not None and index not in indices:
            for values in results.values():
                values.append(None)
            continue
        scores = score_task(generators, tasks[index], index, config, z, [MeanQuality()])
        baseline = mean_colour_scores(tasks[index], config)
        for name in PAIRED_METRICS:
            results[name].append(scores[name])
            results[BASELINE_PREFIX + name].append(baseline[name])
    return results


def evaluate_unpaired(generators, tasks, config, upto, classifier, indices=None):
    """{"acc": [value of task j for j in 0..upto]}: the share of each learned task's
    test outputs that `classifier` assigns to that task's domain (paper Table 6);
    "structure" and "baseline_structure": `structure_scores` of each task's test
    inputs and outputs. Unpaired tasks have no ground truth, so no output is compared
    with a target pixel by pixel. Only the tasks of `indices` (default: all) are
    evaluated; the others get None."""
    z = eval_z(generators)
    results = {"acc": [], "structure": [], BASELINE_PREFIX + "structure": []}
    for index in range(upto + 1):
        if indices is not None and index not in indices:
            for values in results.values():
                values.append(None)
            continue
        scores = score_task(
            generators, tasks[index], index, config, z, [DomainAccuracy(classifier, index), Structure()]
        )
        for key, values in results.items():
            values.append(scores[key])
    return results


# ----------------------------------------------------------------- evaluate.py's matrices


def fid_feature_function(fid_features, inception_weights=None, classifier=None):
    """The feature function FID is computed with, and the metric key it is reported as.

    Raises `fid.InceptionWeightsUnavailable` quickly when Inception is wanted and
    its weights are not on disk.
    """
    check_feature_space(fid_features)
    if fid_features == fid.FeatureSpace.INCEPTION:
        return fid.InceptionFeatures(weights_path=inception_weights), fid.fid_metric_key(fid_features)
    return domain_classifier.ClassifierFeatures(classifier), fid.fid_metric_key(fid_features)


def check_feature_space(fid_features):
    if fid_features not in fid.FeatureSpace.ALL:
        raise EvaluationError(
            f"Unknown --fid_features {fid_features!r}; valid values are "
            f"{', '.join(fid.FeatureSpace.ALL)}."
        )


def evaluate_run(run, metrics, *, eval_examples=0, classifier=None, fid_features=None,
                 log=None, domains=None):
    """Fills the continual-learning matrices of one run.

    One pass of generation per (stage, task) serves every metric (`score_task`):
    L1/PSNR/SSIM are the scorer the end-of-task `evaluate_paired` uses, over the
    same test examples with the same noise, so they reproduce the trainer's numbers.

    Args:
        run: a `runs.Run` (see `runs.load_run`).
        metrics: names from `runs.METRICS` ('params' is read from results.json, not computed).
        eval_examples: test examples per task; 0 means the whole test split.
        classifier: the domain classifier, needed for 'acc'.
        fid_features: (feature function, metric key) from `fid_feature_function`,
            needed for 'fid'.
        log: a function of one line of progress text.
        domains: the classifier's class of each of the run's tasks (default: task j is
            class j; see `runs.classifier_domains`).

    Returns:
        (matrices, generators): {metric key: matrix}, each matrix `run.completed`
        rows of T values with None where j > i and in the rows of stages the run
        did not keep (--keep_stages) (FID under 'fid' or 'fid_classifier' by its
        feature space), and the generators after the last completed task.
    """
    log = log or (lambda line: None)
    config = dataclasses.replace(run.config, eval_examples=eval_examples)
    num_tasks = len(run.tasks)
    paired = [name for name in PAIRED_METRICS if name in metrics]
    if paired and not any(task.paired for task in run.tasks):
        log(f"{run.workdir}: {', '.join(paired)} skipped: unpaired tasks have no ground truth.")
        paired = []
    wants_acc = "acc" in metrics
    feature_fn, fid_key = fid_features if "fid" in metrics else (None, None)
    keys = (["acc"] if wants_acc else []) + ([fid_key] if fid_key else []) + paired
    matrices = {key: [] for key in keys}
    real_statistics = {}  # task index -> feature statistics of its real test targets
    generators = None

    kept = workdir_lib.saved_stages(run.workdir)
    for stage in range(run.completed):
        if stage not in kept:  # dropped by --keep_stages: a row of None
            for key in keys:
                matrices[key].append([None] * num_tasks)
            continue
        log(f"{run.workdir}: evaluating the generators saved after task {stage + 1}/{num_tasks} "
            f"({run.tasks[stage].name}).")
        generators = run.restore_generators(stage)
        z = eval_z(generators)
        rows = {key: [None] * num_tasks for key in keys}
        for task_index in range(stage + 1):
            task = run.tasks[task_index]
            scorers = []
            if paired and task.paired:  # unpaired tasks have no ground truth to compare with
                scorers.append(MeanQuality(paired))
            if wants_acc:
                scorers.append(DomainAccuracy(classifier, domains[task_index] if domains else task_index))
            if fid_key:
                scorers.append(Frechet(feature_fn, fid_key, task, task_index, config, real_statistics))
            for key, value in score_task(generators, task, task_index, config, z, scorers).items():
                rows[key][task_index] = value
        for key in keys:
            matrices[key].append(rows[key])
    return matrices, generators
