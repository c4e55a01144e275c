"""Generating every learned task's test outputs and scoring them against the ground truth."""

import numpy as np
import tensorflow as tf

from datasets import pipeline
from hyper_lifelong_gan.metrics import image_quality

PAIRED_METRICS = ("l1", "psnr", "ssim")
EVAL_Z_SEED = (20210619, 7)


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


def evaluate_paired(generators, tasks, config, upto):
    """{metric: [value of task j for j in 0..upto]}: L1, PSNR and SSIM of each learned
    task's test outputs against the ground truth, averaged over test images."""
    z = eval_z(generators)
    results = {name: [] for name in PAIRED_METRICS}
    for index in range(upto + 1):
        predict = tf.function(lambda x, index=index: generate(generators, index, x, z))
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


def sample_rows(generators, task, task_index, config, count=4):
    """Up to `count` (input, output, target) triples of the task's test split, as numpy."""
    z = eval_z(generators)
    inputs, targets = next(iter(test_batches(task, config, count)))
    outputs = generate(generators, task_index, inputs, z)
    return [
        (np.asarray(a), np.asarray(b), np.asarray(c))
        for a, b, c in zip(inputs.numpy(), outputs.numpy(), targets.numpy())
    ]
