"""Generating a task's test outputs: the fixed evaluation noise, the test split in a
fixed order, and one pass of generation that every metric reads (`test_outputs`)."""

import numpy as np
import tensorflow as tf

from datasets import pipeline

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


def predictor(generators, task_index, z, config):
    """`generate` for one task as a tf.function traced once for any batch size (the
    last test batch is smaller).

    Generators that gather a task's rows (`TaskGenerators.gathers_task_rows`) share
    one function of (inputs, task, z) for all their tasks, kept on the generators
    object: a stage of a 100-task run is then scored without tracing the generator
    once per task."""
    images = tf.TensorSpec([None, config.image_size, config.image_size, 3], tf.float32)
    if not generators.gathers_task_rows:
        return tf.function(lambda inputs: generate(generators, task_index, inputs, z), input_signature=[images])
    shared = generators.__dict__.get("_shared_predictor")
    if shared is None or shared.input_signature[0] != images:
        signature = [images, tf.TensorSpec([], tf.int32), tf.TensorSpec(z.shape, z.dtype)]
        shared = tf.function(lambda inputs, task, z: generate(generators, task, inputs, z), input_signature=signature)
        generators._shared_predictor = shared
    task = tf.constant(task_index, tf.int32)
    return lambda inputs: shared(inputs, task, z)


def test_outputs(generators, task, task_index, config, z):
    """(inputs, generated outputs, targets) batches of the task's test split (at most
    `config.eval_examples` examples; 0: all), in a fixed order: the one pass of
    generation per (stage, task) that every metric reads."""
    predict = predictor(generators, task_index, z, config)
    for inputs, targets in test_batches(task, config, config.eval_examples):
        yield inputs, predict(inputs), targets


def real_test_targets(task, config):
    """An unpaired task's real target-domain test images, each once: its test batches
    pair every input with a target and repeat the (usually smaller) target split, which
    would weight some real images more than others in FID's statistics."""
    images = pipeline.target_images(task, "test", config.image_size, config.data_dir or None)
    if config.eval_examples:
        images = images.take(config.eval_examples)
    return (batch.numpy() for batch in images.batch(config.batch_size))


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
