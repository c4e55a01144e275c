"""Generating every learned task's test outputs and scoring them: against the ground
truth for paired tasks, with the sequence's domain classifier (Acc) for unpaired ones."""

import os

import numpy as np
import tensorflow as tf

from datasets import pipeline
from hyper_lifelong_gan.metrics import domain_classifier, image_quality

PAIRED_METRICS = ("l1", "psnr", "ssim")
UNPAIRED_METRICS = ("acc",)
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


def evaluate_paired(generators, tasks, config, upto):
    """{metric: [value of task j for j in 0..upto]}: L1, PSNR and SSIM of each learned
    task's test outputs against the ground truth, averaged over test images."""
    z = eval_z(generators)
    results = {name: [] for name in PAIRED_METRICS}
    for index in range(upto + 1):
        predict = predictor(generators, index, z, config)
        sums = {name: 0.0 for name in PAIRED_METRICS}
        count = 0
        for inputs, targets in test_batches(tasks[index], config, config.eval_examples):
            outputs = predict(inputs)
            sums["l1"] += float(tf.reduce_sum(image_quality.l1(outputs, targets)))
            sums["psnr"] += float(tf.reduce_sum(image_quality.psnr(outputs, targets)))
            sums["ssim"] += float(tf.reduce_sum(image_quality.ssim(outputs, targets)))
            count += int(inputs.shape[0])
        for name in PAIRED_METRICS:
            results[name].append(sums[name] / max(count, 1))
    return results


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
    test outputs that `classifier` assigns to that task's domain (paper Table 6).
    Unpaired tasks have no ground truth, so nothing is compared pixel by pixel."""
    z = eval_z(generators)
    outputs_per_task = []
    for index in range(upto + 1):
        predict = predictor(generators, index, z, config)
        outputs_per_task.append(
            [predict(inputs) for inputs, _ in test_batches(tasks[index], config, config.eval_examples)]
        )
    return {"acc": [float(value) for value in domain_classifier.accuracy_per_task(classifier, outputs_per_task)]}


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
