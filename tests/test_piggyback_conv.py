"""PiggybackConv2D and PiggybackConv2DTranspose: the shared layer check, then the kernel
made of new filters and combinations of the frozen bank, and its parameter counts."""

import numpy as np
import pytest
import tensorflow as tf
from layer_test_case import _images, _np, _weights, run_layer_test

from hyper_lifelong_gan.layers import PiggybackConv2D, PiggybackConv2DTranspose

LAYER_CASES = {
    "piggyback_conv": dict(
        layer_cls=PiggybackConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, padding="same", num_tasks=3),
        input_shape=(2, 6, 6, 4),
        call_kwargs=dict(task=2),
        expected_output_shape=(2, 6, 6, 5),
        # task 0: 5 filters; tasks 1, 2: ceil(2.5) = 3 new filters and a
        # (bank, 2) combination, bank = 5 then 5 + 3 filters.
        expected_num_trainable_weights=5,
        expected_num_params=9 * 4 * 5 + (9 * 4 * 3 + 5 * 2) + (9 * 4 * 3 + 8 * 2),
        # The bank (task 0's kernel, task 1's new filters) is behind stop_gradient.
        unused_weights=("task_0_", "task_1_"),
    ),
    "piggyback_conv_transpose": dict(
        layer_cls=PiggybackConv2DTranspose,
        init_kwargs=dict(filters=5, kernel_size=3, strides=2, padding="same", num_tasks=2),
        input_shape=(2, 4, 4, 4),
        call_kwargs=dict(task=1),
        expected_output_shape=(2, 8, 8, 5),
        expected_num_trainable_weights=3,
        expected_num_params=9 * 4 * 5 + 9 * 4 * 3 + 5 * 2,
        unused_weights=("task_0_",),
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_basics(case):
    run_layer_test(**LAYER_CASES[case])


def test_piggyback_task_0_is_a_plain_conv():
    layer = PiggybackConv2D(5, 3, strides=2, padding="same", num_tasks=3)
    x = _images((2, 7, 7, 4))
    y = layer(x, task=0)
    expected = tf.nn.conv2d(x, layer.unconstrained[0], strides=2, padding="SAME")
    np.testing.assert_allclose(_np(y), expected.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("task", [1, 2])
def test_piggyback_kernel_is_new_filters_then_bank_combinations(task):
    layer = PiggybackConv2D(5, 3, padding="same", num_tasks=3)
    x = _images((2, 6, 6, 4))
    y = layer(x, task=task)
    weights = _weights(layer)
    new = int(np.ceil(0.5 * 5))
    assert layer.new_filters_per_task == new
    # The bank: task 0's kernel, then the new filters of tasks 1..task-1.
    bank = np.concatenate(
        [weights["task_0_kernel"]] + [weights[f"task_{t}_unconstrained"] for t in range(1, task)], axis=-1
    )
    assert bank.shape[-1] == 5 + (task - 1) * new
    kernel = _np(layer.kernel(task))
    assert kernel.shape == (3, 3, 4, 5)
    np.testing.assert_array_equal(kernel[..., :new], weights[f"task_{task}_unconstrained"])
    combined = np.einsum("hwib,bo->hwio", bank, weights[f"task_{task}_combination"])
    np.testing.assert_allclose(kernel[..., new:], combined, rtol=1e-5, atol=1e-6)
    expected = tf.nn.conv2d(x, kernel, strides=1, padding="SAME")
    np.testing.assert_allclose(_np(y), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_piggyback_new_task_loss_does_not_reach_the_bank():
    layer = PiggybackConv2D(5, 3, padding="same", num_tasks=2)
    x = _images((2, 6, 6, 4))
    layer(x, task=1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(x, task=1)))
    task_0_kernel, task_1_new, task_1_combination = layer.trainable_weights
    gradients = tape.gradient(loss, [task_0_kernel, task_1_new, task_1_combination])
    assert gradients[0] is None or not np.any(gradients[0].numpy())
    assert np.any(gradients[1].numpy()) and np.any(gradients[2].numpy())


def test_piggyback_parameter_counts():
    one, two = (PiggybackConv2D(256, 3, num_tasks=n) for n in (1, 2))
    for layer in (one, two):
        layer.build((None, None, None, 256))
    assert one.count_params() == 3 * 3 * 256 * 256
    assert two.count_params() - one.count_params() == 128 * 9 * 256 + 256 * 128
