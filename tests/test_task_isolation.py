"""A forward pass for task i reaches only task i's own parameters and the shared ones."""

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
    own = {v.path for v in generator.task_variables(1)}
    others = {v.path for task in (0, 2) for v in generator.task_variables(task)}
    shared = set(gradients) - own - others
    assert own and others and shared
    for path in others:
        gradient = gradients[path]
        assert gradient is None or not tf.reduce_any(gradient != 0), path
    for path in own | shared:
        assert gradients[path] is not None and tf.reduce_any(gradients[path] != 0), path
    # The shared weight matrices are what every task has in common.
    assert any(path.endswith("shared_weight") for path in shared)
