"""Generating every learned task's test outputs and scoring them: against the ground
truth for paired tasks, with the sequence's domain classifier (Acc) for unpaired ones.

Each score comes with a trivial baseline, so "never learned" reads differently from
"not forgotten": for paired tasks the scores of predicting the mean target colour of
the training split everywhere; for unpaired tasks (no ground truth) the structure
score, the mean SSIM between the grayscale input and the grayscale output of the
same image, beside its mean with another input's output (a generator that ignores
its input scores the same on both). Baselines are returned as `baseline_<metric>`.
"""

import os

import numpy as np
import tensorflow as tf

from datasets import pipeline
from hyper_lifelong_gan.metrics import domain_classifier, image_quality

PAIRED_METRICS = ("l1", "psnr", "ssim")
UNPAIRED_METRICS = ("acc", "structure")
BASELINE_PREFIX = "baseline_"
# Luminance weights (ITU-R BT.601) of the grayscale images the structure score compares.
LUMA = (0.299, 0.587, 0.114)
EVAL_Z_SEED = (20210619, 7)
# The domain classifier behind Acc: trained once per sequence on the real target
# images (train split) of all its tasks and cached in <workdir>/domain_classifier.
# The same folder and training settings as evaluate.py's, so both use one classifier.
CLASSIFIER_DIR = "domain_classifier"
CLASSIFIER_TRAINING = dict(steps=300, batch_size=32, seed=0)


def eval_z(generators):
    """The fixed noise vector every evaluation uses, so numbers are repeatable."""
    return generators.models[0].sample_z(EVAL_Z_SEED)


def test_batches(task, config, max_examples=0):
    """The task's test split in a fixed order, as (inputs, targets) batches."""
    dataset = pipeline.make_dataset(
        task, "test", config.image_size, config.batch_size, training=False, seed=config.seed,
        data_dir=config.data_dir or None, drop_remainder=False,
    )
    if max_examples:
        dataset = dataset.unbatch().take(max_examples).batch(config.batch_size)
    return dataset


def generate(generators, task_index, inputs, z):
    return generators(inputs, task=task_index, z=z, training=False)


def predictor(generators, task_index, z, config):
    """`generate` for one task as a tf.function traced once for any batch size (the
    last test batch is smaller)."""
    images = tf.TensorSpec([None, config.image_size, config.image_size, 3], tf.float32)
    return tf.function(lambda inputs: generate(generators, task_index, inputs, z), input_signature=[images])


def _paired_scores(pairs):
    """{metric: mean over images} of (outputs, targets) batches."""
    sums = {name: 0.0 for name in PAIRED_METRICS}
    count = 0
    for outputs, targets in pairs:
        sums["l1"] += float(tf.reduce_sum(image_quality.l1(outputs, targets)))
        sums["psnr"] += float(tf.reduce_sum(image_quality.psnr(outputs, targets)))
        sums["ssim"] += float(tf.reduce_sum(image_quality.ssim(outputs, targets)))
        count += int(targets.shape[0])
    return {name: value / max(count, 1) for name, value in sums.items()}


_MEAN_COLOUR_SCORES = {}


def mean_target_colour(task, config):
    """The mean colour (3,) in [-1, 1] of the task's training targets at the run's size."""
    total, pixels = np.zeros(3), 0
    for images in pipeline.target_images(task, "train", config.image_size, config.data_dir or None).batch(64):
        images = images.numpy().astype(np.float64)
        total += images.sum(axis=(0, 1, 2))
        pixels += images.shape[0] * images.shape[1] * images.shape[2]
    return total / max(pixels, 1)


def mean_colour_scores(task, config):
    """{metric: value} of the trivial paired baseline: every test output is a flat image
    of the training targets' mean colour (computed once per task and size)."""
    key = (task.name, config.image_size, config.data_dir, config.eval_examples)
    if key not in _MEAN_COLOUR_SCORES:
        colour = tf.constant(mean_target_colour(task, config), tf.float32)
        _MEAN_COLOUR_SCORES[key] = _paired_scores(
            (tf.broadcast_to(colour, tf.shape(targets)), targets)
            for _, targets in test_batches(task, config, config.eval_examples)
        )
    return _MEAN_COLOUR_SCORES[key]


def evaluate_paired(generators, tasks, config, upto):
    """{metric: [value of task j for j in 0..upto]}: L1, PSNR and SSIM of each learned
    task's test outputs against the ground truth, averaged over test images, and
    `baseline_<metric>`: the same of the mean-colour baseline (`mean_colour_scores`)."""
    z = eval_z(generators)
    results = {name: [] for name in PAIRED_METRICS}
    results.update({BASELINE_PREFIX + name: [] for name in PAIRED_METRICS})
    for index in range(upto + 1):
        predict = predictor(generators, index, z, config)
        scores = _paired_scores(
            (predict(inputs), targets) for inputs, targets in test_batches(tasks[index], config, config.eval_examples)
        )
        baseline = mean_colour_scores(tasks[index], config)
        for name in PAIRED_METRICS:
            results[name].append(scores[name])
            results[BASELINE_PREFIX + name].append(baseline[name])
    return results


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


def sequence_classifier(tasks, config):
    """The domain classifier of the run's sequence (class i = task i), trained on first use."""

    def real_targets():
        return [
            pipeline.target_images(task, "train", config.image_size, config.data_dir or None)
            .batch(CLASSIFIER_TRAINING["batch_size"])
            for task in tasks
        ]

    return domain_classifier.load_or_train(
        os.path.join(config.workdir, CLASSIFIER_DIR), [task.name for task in tasks], config.image_size,
        real_targets, **CLASSIFIER_TRAINING,
    )


def evaluate_unpaired(generators, tasks, config, upto, classifier):
    """{"acc": [value of task j for j in 0..upto]}: the share of each learned task's
    test outputs that `classifier` assigns to that task's domain (paper Table 6);
    "structure" and "baseline_structure": `structure_scores` of each task's test
    inputs and outputs. Unpaired tasks have no ground truth, so no output is compared
    with a target pixel by pixel."""
    z = eval_z(generators)
    outputs_per_task = []
    structure = {"structure": [], BASELINE_PREFIX + "structure": []}
    for index in range(upto + 1):
        predict = predictor(generators, index, z, config)
        inputs = [inputs for inputs, _ in test_batches(tasks[index], config, config.eval_examples)]
        outputs = [predict(batch) for batch in inputs]
        outputs_per_task.append(outputs)
        own, other = structure_scores(tf.concat(inputs, 0), tf.concat(outputs, 0))
        structure["structure"].append(own)
        structure[BASELINE_PREFIX + "structure"].append(other)
    accuracy = domain_classifier.accuracy_per_task(classifier, outputs_per_task)
    return {"acc": [float(value) for value in accuracy], **structure}


def sample_rows(generators, task, task_index, config, count=4, examples=None):
    """Up to `count` (input, output, target) triples of the task's test split, as numpy;
    `examples`: the (inputs, targets) to use instead of reading the first `count`."""
    z = eval_z(generators)
    inputs, targets = examples if examples is not None else next(iter(test_batches(task, config, count)))
    outputs = generate(generators, task_index, inputs, z)
    return [
        (np.asarray(a), np.asarray(b), np.asarray(c))
        for a, b, c in zip(inputs.numpy(), outputs.numpy(), targets.numpy())
    ]
