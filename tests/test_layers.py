"""Layers and the ResNet generator: the shared layer check, then the paper's equations."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan.layers import hyper_conv
from hyper_lifelong_gan.layers import (
    HyperConv2D,
    HyperConv2DTranspose,
    PiggybackConv2D,
    PiggybackConv2DTranspose,
    PlainConv2D,
    PlainConv2DTranspose,
    ReflectionPadding2D,
    TaskInstanceNorm,
)
from hyper_lifelong_gan.models import CONV_KINDS, ResnetGenerator, build_generator, copy_weights, grow_generator
from layer_test_case import run_layer_test

# Tiny hyper layers: K bases, |z| and the MLP's hidden size.
K, Z_DIM, HIDDEN = 3, 8, 6
TINY_HYPER = dict(num_bases=K, z_dim=Z_DIM, hidden_units=HIDDEN)
TINY_GENERATOR = dict(ngf=4, n_blocks=1, num_bases=K, z_dim=Z_DIM, hidden_units=HIDDEN)

# Per task of one hyper layer at the paper's sizes (|z| = 64, hidden 64, K = 7):
# H_i = 64*64 + 64 + 64*(k*k*7) + k*k*7, C_i = 7*7 (docs/design.md).
PAPER_GENERATOR_3X3 = 8_255
PAPER_GENERATOR_7X7 = 26_455
PAPER_COEFFICIENTS = 49



def _z(seed=0, dim=Z_DIM):
    return np.random.default_rng(seed).normal(size=(dim,)).astype("float32")


def _images(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _np(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def _weights(layer):
    return {w.name: _np(w) for w in layer.weights}


def _perturb(variables, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    for variable in variables:
        variable.assign(_np(variable) + scale * rng.normal(size=variable.shape).astype("float32"))


# ---------------------------------------------------------------------------
# Every layer through the shared check.
# ---------------------------------------------------------------------------


def _hyper_params(num_tasks, kernel_area, c_in, c_out, generators=None, coefficients=True):
    generators = num_tasks if generators is None else generators
    mlp = Z_DIM * HIDDEN + HIDDEN + HIDDEN * kernel_area * K + kernel_area * K
    return K * c_in * c_out + generators * mlp + (num_tasks * K * K if coefficients else 0)


LAYER_CASES = {
    "hyper_conv_same": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, padding="same", num_tasks=2, **TINY_HYPER),
        input_shape=(2, 6, 6, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 6, 6, 5),
        expected_num_trainable_weights=1 + 2 * 4 + 2,
        expected_num_params=_hyper_params(2, 9, 4, 5),
        unused_weights=("task_0_",),
    ),
    "hyper_conv_strided_valid": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, strides=2, num_tasks=2, **TINY_HYPER),
        input_shape=(2, 7, 7, 4),
        call_kwargs=dict(task=0, z=_z()),
        expected_output_shape=(2, 3, 3, 5),
        expected_num_trainable_weights=11,
        unused_weights=("task_1_",),
    ),
    "hyper_conv_7x7": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=4, kernel_size=7, num_tasks=1, **TINY_HYPER),
        input_shape=(1, 9, 9, 3),
        call_kwargs=dict(task=0, z=_z()),
        expected_output_shape=(1, 3, 3, 4),
        expected_num_trainable_weights=6,
        expected_num_params=_hyper_params(1, 49, 3, 4),
    ),
    "hyper_conv_transpose": dict(
        layer_cls=HyperConv2DTranspose,
        init_kwargs=dict(filters=5, kernel_size=3, strides=2, padding="same", num_tasks=2, **TINY_HYPER),
        input_shape=(2, 4, 4, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 8, 8, 5),
        expected_num_trainable_weights=11,
        expected_num_params=_hyper_params(2, 9, 4, 5),
        unused_weights=("task_0_",),
    ),
    "hyper_conv_learned_base_filters": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, num_tasks=2, dynamic_base_filters=False, **TINY_HYPER),
        input_shape=(2, 5, 5, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 3, 3, 5),
        expected_num_trainable_weights=1 + 2 + 2,
        expected_num_params=K * 20 + 2 * 9 * K + 2 * K * K,
        unused_weights=("task_0_",),
    ),
    "hyper_conv_shared_filter_generator": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, num_tasks=2, task_specific_base_filters=False, **TINY_HYPER),
        input_shape=(2, 5, 5, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 3, 3, 5),
        expected_num_trainable_weights=1 + 4 + 2,
        expected_num_params=_hyper_params(2, 9, 4, 5, generators=1),
        unused_weights=("task_0_",),
    ),
    "hyper_conv_no_coefficients": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, num_tasks=2, task_coefficients=False, **TINY_HYPER),
        input_shape=(2, 5, 5, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 3, 3, 5),
        expected_num_trainable_weights=1 + 2 * 4,
        expected_num_params=_hyper_params(2, 9, 4, 5, coefficients=False),
        unused_weights=("task_0_",),
    ),
    "plain_conv": dict(
        layer_cls=PlainConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, padding="same"),
        input_shape=(2, 6, 6, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 6, 6, 5),
        expected_num_trainable_weights=1,
        expected_num_params=9 * 4 * 5,
    ),
    "plain_conv_transpose": dict(
        layer_cls=PlainConv2DTranspose,
        init_kwargs=dict(filters=5, kernel_size=3, strides=2, padding="same"),
        input_shape=(2, 4, 4, 4),
        expected_output_shape=(2, 8, 8, 5),
        expected_num_trainable_weights=1,
        expected_num_params=9 * 4 * 5,
    ),
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
    "task_instance_norm": dict(
        layer_cls=TaskInstanceNorm,
        init_kwargs=dict(num_tasks=2),
        input_shape=(2, 5, 5, 3),
        call_kwargs=dict(task=1),
        expected_output_shape=(2, 5, 5, 3),
        expected_num_trainable_weights=4,
        expected_num_params=12,
        unused_weights=("task_0_",),
    ),
    "reflection_padding": dict(
        layer_cls=ReflectionPadding2D,
        init_kwargs=dict(padding=2),
        input_shape=(2, 5, 5, 3),
        expected_output_shape=(2, 9, 9, 3),
        expected_num_trainable_weights=0,
        expected_num_params=0,
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_basics(case):
    run_layer_test(**LAYER_CASES[case])


def test_generator_basics():
    # Four hyper convs of the tiny generator have 11 weights each (W, two H_i of
    # four, two C_i), eight in all; seven norms have two (gamma, beta) per task.
    run_layer_test(
        ResnetGenerator,
        init_kwargs=dict(num_tasks=2, **TINY_GENERATOR),
        input_shape=(2, 16, 16, 3),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 16, 16, 3),
        expected_num_trainable_weights=8 * 11 + 7 * 4,
        unused_weights=("task_0_",),
        mixed_precision_output_dtype="float32",
        mixed_precision_tolerance=0.25,  # bfloat16 through 8 convs and 7 norms
    )


# ---------------------------------------------------------------------------
# HyperConv2D: eqs. 1-4.
# ---------------------------------------------------------------------------


def _numpy_base_filters(weights, prefix, z, kernel_area):
    """B_i = H_i(z) (eq. 3): z -> ReLU(z W1 + b1) W2 + b2, reshaped to (k*k, K)."""
    hidden = np.maximum(z @ weights[f"{prefix}_hidden_kernel"] + weights[f"{prefix}_hidden_bias"], 0.0)
    bases = hidden @ weights[f"{prefix}_output_kernel"] + weights[f"{prefix}_output_bias"]
    return bases.reshape(kernel_area, -1)


def _built_hyper(cls=HyperConv2D, filters=5, kernel_size=3, c_in=4, **kwargs):
    kwargs = {"num_tasks": 2, **TINY_HYPER, **kwargs}
    layer = cls(filters, kernel_size, **kwargs)
    layer.build((None, None, None, c_in))
    return layer


def test_hyper_kernel_matches_eq_4_by_hand():
    layer = _built_hyper()
    _perturb([layer.coefficients[1]], seed=1)  # C_1 away from the identity.
    z = _z(seed=2)
    weights = _weights(layer)
    bases = _numpy_base_filters(weights, "task_1", z, 9)
    combination = weights["task_1_coefficients"] @ weights["shared_weight"]
    expected = (bases @ combination).reshape(3, 3, 4, 5)
    np.testing.assert_allclose(_np(layer.kernel(1, z)), expected, rtol=1e-5, atol=1e-6)


def test_hyper_kernel_at_identity_coefficients_is_bases_times_shared_weight():
    layer = _built_hyper()
    z = _z(seed=3)
    weights = _weights(layer)
    for task in range(2):
        np.testing.assert_array_equal(weights[f"task_{task}_coefficients"], np.eye(K, dtype="float32"))
        bases = _numpy_base_filters(weights, f"task_{task}", z, 9)
        expected = (bases @ weights["shared_weight"]).reshape(3, 3, 4, 5)
        np.testing.assert_allclose(_np(layer.kernel(task, z)), expected, rtol=1e-5, atol=1e-6)


def test_hyper_defaults_are_the_papers():
    layer = HyperConv2D(8, 3)
    assert (layer.num_bases, layer.z_dim, layer.hidden_units) == (7, 64, 64)


@pytest.mark.parametrize(
    "cls, kernel_size, c_in, c_out, per_task",
    [
        (HyperConv2D, 3, 256, 256, PAPER_GENERATOR_3X3),
        (HyperConv2DTranspose, 3, 256, 128, PAPER_GENERATOR_3X3),
        (HyperConv2D, 7, 3, 64, PAPER_GENERATOR_7X7),
    ],
)
def test_hyper_parameter_counts_per_task(cls, kernel_size, c_in, c_out, per_task):
    one, two = (cls(c_out, kernel_size, num_tasks=n) for n in (1, 2))
    for layer in (one, two):
        layer.build((None, None, None, c_in))
    assert tuple(one.shared_weight.shape) == (7, c_in * c_out)
    assert one.count_params() == 7 * c_in * c_out + per_task + PAPER_COEFFICIENTS
    assert two.count_params() - one.count_params() == per_task + PAPER_COEFFICIENTS
    assert sum(int(np.prod(w.shape)) for w in two.task_weights(1)) == per_task + PAPER_COEFFICIENTS
    assert tuple(two.filter_generators[1][-1].shape) == (kernel_size * kernel_size * 7,)


@pytest.mark.parametrize("strides, padding", [(1, "same"), (2, "same"), (1, "valid"), (2, "valid")])
def test_hyper_conv_is_conv2d_with_generated_kernel(strides, padding):
    layer = HyperConv2D(5, 3, strides=strides, padding=padding, num_tasks=2, **TINY_HYPER)
    x, z = _images((2, 7, 7, 4)), _z()
    y = layer(x, task=1, z=z)
    expected = tf.nn.conv2d(x, layer.kernel(1, z), strides=strides, padding=padding.upper())
    np.testing.assert_allclose(_np(y), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_hyper_tasks_are_independent():
    layer = HyperConv2D(5, 3, padding="same", num_tasks=2, **TINY_HYPER)
    x, z = _images((2, 6, 6, 4)), _z()
    before = [_np(layer(x, task=t, z=z)) for t in range(2)]
    assert np.max(np.abs(before[0] - before[1])) > 1e-3  # each task has its own H_i
    _perturb(layer.task_weights(1), seed=4)
    after = [_np(layer(x, task=t, z=z)) for t in range(2)]
    np.testing.assert_array_equal(after[0], before[0])
    assert np.max(np.abs(after[1] - before[1])) > 1e-3


def test_hyper_different_z_give_different_filters():
    layer = _built_hyper()
    first, second = _np(layer.kernel(0, _z(seed=5))), _np(layer.kernel(0, _z(seed=6)))
    assert np.max(np.abs(first - second)) > 1e-3
    np.testing.assert_array_equal(first, _np(layer.kernel(0, _z(seed=5))))


def test_hyper_filter_generator_starts_nearly_independent_of_z():
    """At init H_i(z) is mostly its (z-independent) output bias: base filters of unit
    variance whose z-dependent part has the variance INITIAL_Z_SHARE^2 of He scaling,
    so drawing z every step barely perturbs the first steps; the kernel keeps the He
    variance 2 / fan_in of a conventional convolution."""
    share = hyper_conv.INITIAL_Z_SHARE
    layer = HyperConv2D(32, 7, num_tasks=1)  # the paper's K, |z| and hidden size
    layer.build((None, None, None, 16))
    zs = np.random.default_rng(0).normal(size=(256, 64)).astype("float32")
    bases = np.stack([_np(layer.base_filters(0, z)) for z in zs])  # (256, 49, 7)
    assert 0.8 < bases.var() < 1.2
    # Across z each entry varies by w . relu(h(z)): variance s^2 (1/2 - 1/(2 pi)) * 2.
    z_variance = bases.var(axis=0).mean()
    expected = share**2 * 2 * (0.5 - 0.5 / np.pi)
    assert 0.7 * expected < z_variance < 1.3 * expected
    assert z_variance < 0.05 * bases.var()
    kernel_variance = _np(layer.kernel(0, zs[0])).var()
    assert 0.75 < kernel_variance / (2.0 / (7 * 7 * 16)) < 1.25


def test_hyper_rejects_unknown_task():
    layer = _built_hyper()
    with pytest.raises(ValueError, match="serves tasks 0..1"):
        layer.kernel(2, _z())


@pytest.mark.parametrize("task_specific", [True, False])
@pytest.mark.parametrize("dynamic", [True, False])
@pytest.mark.parametrize("coefficients", [True, False])
def test_hyper_table_3_ablation_weights(task_specific, dynamic, coefficients):
    num_tasks = 3
    layer = HyperConv2D(
        5, 3, num_tasks=num_tasks, dynamic_base_filters=dynamic, task_specific_base_filters=task_specific,
        task_coefficients=coefficients, **TINY_HYPER,
    )
    x, z = _images((2, 5, 5, 4)), _z()
    for task in range(num_tasks):
        assert layer(x, task=task, z=z).shape == (2, 3, 3, 5)

    prefixes = [f"task_{t}" for t in range(num_tasks)] if task_specific else ["shared"]
    if dynamic:
        generator = ["hidden_kernel", "hidden_bias", "output_kernel", "output_bias"]
    else:
        generator = ["base_filters"]
    expected = ["shared_weight"] + [f"{p}_{g}" for p in prefixes for g in generator]
    if coefficients:
        expected += [f"task_{t}_coefficients" for t in range(num_tasks)]
    assert [w.name for w in layer.weights] == expected
    if not dynamic:
        assert all(tuple(w.shape) == (9, K) for w in layer.weights if w.name.endswith("base_filters"))

    own = [w.name for w in layer.task_weights(2)]
    assert own == [n for n in expected if n.startswith("task_2_")]


def test_hyper_learned_base_filters_kernel():
    layer = _built_hyper(dynamic_base_filters=False)
    _perturb([layer.coefficients[1]], seed=7)
    weights = _weights(layer)
    combination = weights["task_1_coefficients"] @ weights["shared_weight"]
    expected = (weights["task_1_base_filters"] @ combination).reshape(3, 3, 4, 5)
    # z is not used when base filters are learned.
    np.testing.assert_allclose(_np(layer.kernel(1, _z(seed=8))), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_np(layer.kernel(1, _z(seed=8))), _np(layer.kernel(1, _z(seed=9))))


def test_hyper_shared_filter_generator_tasks_differ_only_by_coefficients():
    layer = HyperConv2D(5, 3, num_tasks=2, task_specific_base_filters=False, **TINY_HYPER)
    x, z = _images((2, 5, 5, 4)), _z()
    np.testing.assert_array_equal(_np(layer(x, task=0, z=z)), _np(layer(x, task=1, z=z)))
    assert [w.name for w in layer.task_weights(1)] == ["task_1_coefficients"]
    _perturb(layer.task_weights(1), seed=10)
    assert np.max(np.abs(_np(layer(x, task=0, z=z)) - _np(layer(x, task=1, z=z)))) > 1e-3


def test_hyper_without_coefficients_kernel_is_bases_times_shared_weight():
    layer = _built_hyper(task_coefficients=False)
    z = _z(seed=11)
    weights = _weights(layer)
    expected = (_numpy_base_filters(weights, "task_1", z, 9) @ weights["shared_weight"]).reshape(3, 3, 4, 5)
    np.testing.assert_allclose(_np(layer.kernel(1, z)), expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# Transposed convolutions.
# ---------------------------------------------------------------------------


def _transposed(kind, kernel_size):
    if kind == "hyper":
        return HyperConv2DTranspose(5, kernel_size, 2, "same", num_tasks=2, **TINY_HYPER)
    if kind == "plain":
        return PlainConv2DTranspose(5, kernel_size, 2, "same")
    return PiggybackConv2DTranspose(5, kernel_size, 2, "same", num_tasks=2)


@pytest.mark.parametrize("kind", CONV_KINDS)
@pytest.mark.parametrize(
    "kernel_size", [1, 2, 3, 4, 5]
)
def test_transposed_same_stride_2_doubles_size(kind, kernel_size):
    layer = _transposed(kind, kernel_size)
    for size in (4, 5):
        y = layer(_images((1, size, size, 4)), task=1, z=_z())
        assert tuple(y.shape) == (1, 2 * size, 2 * size, 5)
        assert tuple(layer.compute_output_shape((1, size, size, 4))) == tuple(y.shape)


@pytest.mark.parametrize("strides, padding", [(2, "same"), (1, "same"), (2, "valid")])
def test_hyper_conv_transpose_is_tf_conv2d_transpose(strides, padding):
    layer = HyperConv2DTranspose(5, 3, strides=strides, padding=padding, num_tasks=2, **TINY_HYPER)
    x, z = _images((2, 4, 4, 4)), _z()
    y = layer(x, task=1, z=z)
    kernel = layer.kernel(1, z)
    # tf.nn.conv2d_transpose wants (k, k, out_channels, in_channels).
    assert tuple(kernel.shape) == (3, 3, 5, 4)
    expected = tf.nn.conv2d_transpose(x, kernel, tuple(y.shape), strides=strides, padding=padding.upper())
    np.testing.assert_allclose(_np(y), expected.numpy(), rtol=1e-5, atol=1e-5)


def test_hyper_conv_transpose_kernel_layout():
    """F_i = reshape(B_i @ W_i) is (k, k, c_in, c_out): a one-pixel input of channel c
    spreads F_i[:, :, c, :] over the output, unflipped."""
    layer = HyperConv2DTranspose(5, 3, num_tasks=2, **TINY_HYPER)
    layer.build((None, None, None, 4))
    z = _z(seed=12)
    flat = _np(layer.flat_kernel(1, z))
    assert flat.shape == (9, 4 * 5)
    factor = flat.reshape(3, 3, 4, 5)
    np.testing.assert_array_equal(_np(layer.kernel(1, z)), factor.transpose(0, 1, 3, 2))
    for channel in range(4):
        impulse = np.zeros((1, 1, 1, 4), "float32")
        impulse[..., channel] = 1.0
        y = _np(layer(impulse, task=1, z=z))
        np.testing.assert_allclose(y[0], factor[:, :, channel, :], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# TaskInstanceNorm.
# ---------------------------------------------------------------------------


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
    _perturb(norm.task_weights(1), seed=2)
    gamma, beta = (_np(w) for w in norm.task_weights(1))
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


# ---------------------------------------------------------------------------
# ReflectionPadding2D.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("padding", [0, 1, 3])
def test_reflection_padding_matches_numpy(padding):
    x = _images((2, 7, 6, 3))
    y = ReflectionPadding2D(padding)(x)
    expected = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(_np(y), expected)


# ---------------------------------------------------------------------------
# PiggybackConv2D.
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# The ResNet generator.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("conv_kind", CONV_KINDS)
def test_generator_output_is_an_image_like_the_input(conv_kind):
    generator = build_generator(conv_kind=conv_kind, num_tasks=2, **TINY_GENERATOR)
    for size in (16, 32):
        x = np.random.default_rng(size).uniform(-1, 1, size=(2, size, size, 3)).astype("float32")
        for task in range(2):
            y = _np(generator(x, task=task, z=_z()))
            assert y.shape == x.shape
            assert np.all(np.abs(y) <= 1.0)


@pytest.mark.parametrize("conv_kind", CONV_KINDS)
def test_grow_generator_keeps_earlier_tasks(conv_kind):
    generator = build_generator(conv_kind=conv_kind, **TINY_GENERATOR)
    _perturb(generator.trainable_weights, seed=13, scale=0.1)  # not the initial values
    x, z = _images((2, 16, 16, 3)), _z()
    before = _np(generator(x, task=0, z=z))
    grown = grow_generator(generator, 2)
    assert (generator.num_tasks, grown.num_tasks) == (1, 2)
    np.testing.assert_array_equal(_np(grown(x, task=0, z=z)), before)
    np.testing.assert_array_equal(_np(generator(x, task=0, z=z)), before)  # the teacher is untouched
    assert grown(x, task=1, z=z).shape == x.shape
    if conv_kind == "hyper":
        for layer in grown.conv_layers():
            np.testing.assert_array_equal(_np(layer.coefficients[1]), np.eye(K, dtype="float32"))


def test_copy_weights_rejects_shape_mismatch():
    small = build_generator(**TINY_GENERATOR)
    large = build_generator(**{**TINY_GENERATOR, "ngf": 8})
    with pytest.raises(ValueError, match="Cannot copy"):
        copy_weights(small, large)


def test_generator_under_global_mixed_precision():
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        generator = build_generator(num_tasks=2, **TINY_GENERATOR)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert {layer.compute_dtype for layer in generator._flatten_layers()} == {"bfloat16"}
    assert {keras.backend.standardize_dtype(w.dtype) for w in generator.weights} == {"float32"}
    y = generator(_images((2, 16, 16, 3)), task=1, z=_z())
    assert keras.backend.standardize_dtype(y.dtype) == "float32"
    assert np.all(np.abs(_np(y)) <= 1.0)


def test_generator_dtype_argument_reaches_its_layers():
    generator = build_generator(dtype="mixed_bfloat16", **TINY_GENERATOR)
    assert {layer.compute_dtype for layer in generator._flatten_layers()} == {"bfloat16"}
