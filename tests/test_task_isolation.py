"""A forward pass for task i reaches only task i's own parameters and the shared ones."""

import numpy as np
import tensorflow as tf

from hyper_lifelong_gan.models import build_generator


def test_task_forward_touches_only_its_own_and_shared_parameters():
    generator = build_generator(num_tasks=3, ngf=4, n_blocks=1)
    images = tf.random.uniform((2, 16, 16, 3), -1, 1, seed=0)
    z = generator.sample_z(0)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(generator(images, task=1, z=z)))
    gradients = dict(zip(
        [v.path for v in generator.trainable_variables],
        tape.gradient(loss, generator.trainable_variables),
    ))
    # Per-task parameters are rows of stacked weights: row 1 is task 1's own, rows 0
    # and 2 belong to the other tasks; every other variable is shared.
    stacked = {v.path for v in generator.stacked_task_weights}
    shared = set(gradients) - stacked
    assert stacked and shared
    for path in stacked:
        rows = tf.convert_to_tensor(gradients[path]).numpy()
        assert rows.shape[0] == 3
        assert not np.any(rows[[0, 2]]), path
        assert np.any(rows[1]), path
    for path in shared:
        assert gradients[path] is not None and tf.reduce_any(gradients[path] != 0), path
    # The shared weight matrices are what every task has in common.
    assert any(path.endswith("shared_weight") for path in shared)
