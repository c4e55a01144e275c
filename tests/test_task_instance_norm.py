"""TaskInstanceNorm: the shared layer check, then per-image statistics, per-task affine
parameters, and float32 statistics under bfloat16."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layer_test_case import _np, _perturb_task, _task_rows, run_layer_test

from hyper_lifelong_gan.layers import TaskInstanceNorm

LAYER_CASES = {
    "task_instance_norm": dict(
        layer_cls=TaskInstanceNorm,
        init_kwargs=dict(num_tasks=2),
        input_shape=(2, 5, 5, 3),
        call_kwargs=dict(task=1),
        expected_output_shape=(2, 5, 5, 3),
        expected_num_trainable_weights=2,
        expected_num_params=12,
        unused_tasks=(0,),
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_basics(case):
    run_layer_test(**LAYER_CASES[case])


def _channel_shifted_images(shape, seed=0):
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-5, 5, size=(shape[0], 1, 1, shape[-1]))
    scales = rng.uniform(0.5, 3, size=(shape[0], 1, 1, shape[-1]))
    return (offsets + scales * rng.normal(size=shape)).astype("float32")


def test_instance_norm_at_init_standardises_each_image_and_channel():
    norm = TaskInstanceNorm(num_tasks=2)
    x = _channel_shifted_images((3, 6, 6, 4))
    for task in range(2):
        y = _np(norm(x, task=task))
        np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
        np.testing.assert_allclose(y.var(axis=(1, 2)), 1.0, atol=1e-3)


def test_instance_norm_task_affine_changes_only_that_task():
    norm = TaskInstanceNorm(num_tasks=2)
    x = _channel_shifted_images((2, 5, 5, 3), seed=1)
    before = _np(norm(x, task=0))
    _perturb_task(norm, 1, seed=2)
    rows = _task_rows(norm, 1)
    gamma, beta = rows["tasks_gamma"], rows["tasks_beta"]
    np.testing.assert_array_equal(_np(norm(x, task=0)), before)
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + norm.epsilon) * gamma + beta
    np.testing.assert_allclose(_np(norm(x, task=1)), expected, rtol=1e-4, atol=1e-4)


def test_instance_norm_statistics_in_float32_under_bfloat16():
    # A large offset against a small spread: bfloat16 (8 significant bits) holds
    # these inputs exactly enough, but not their mean (step 0.5 near 100).
    norm = TaskInstanceNorm(num_tasks=1, dtype="mixed_bfloat16")
    rng = np.random.default_rng(3)
    x = (100.0 + 2.0 * rng.normal(size=(2, 8, 8, 3))).astype("float32")
    y = norm(x, task=0)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert all(keras.backend.standardize_dtype(w.dtype) == "float32" for w in norm.weights)

    seen = _np(keras.ops.cast(keras.ops.cast(x, "bfloat16"), "float32")).astype("float64")
    mean, var = seen.mean(axis=(1, 2), keepdims=True), seen.var(axis=(1, 2), keepdims=True)
    expected = (seen - mean) / np.sqrt(var + norm.epsilon)
    error = np.max(np.abs(_np(keras.ops.cast(y, "float32")) - expected))
    assert error < 0.02  # the bfloat16 rounding of outputs of size ~3

    # The same normalisation with bfloat16 statistics misses by far more.
    x16 = tf.cast(x, tf.bfloat16)
    mean16 = tf.reduce_mean(x16, axis=(1, 2), keepdims=True)
    var16 = tf.reduce_mean(tf.square(x16 - mean16), axis=(1, 2), keepdims=True)
    naive = tf.cast((x16 - mean16) * tf.math.rsqrt(var16 + 1e-5), tf.float32).numpy()
    assert np.max(np.abs(naive - expected)) > 5 * 0.02
