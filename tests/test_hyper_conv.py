"""HyperConv2D and HyperConv2DTranspose: the shared layer check, then the paper's eqs. 1-4,
its parameter counts and the Table 3 ablations."""

import numpy as np
import pytest
import tensorflow as tf
from layer_test_case import HIDDEN, TINY_HYPER, Z_DIM, K, _images, _np, _perturb_task, _weights, _z, run_layer_test

from hyper_lifelong_gan.layers import HyperConv2D, HyperConv2DTranspose, hyper_conv

# Per task of one hyper layer at the paper's sizes (|z| = 64, hidden 64, K = 7):
# H_i = 64*64 + 64 + 64*(k*k*7) + k*k*7, C_i = 7*7 (docs/design.md).
PAPER_GENERATOR_3X3 = 8_255
PAPER_GENERATOR_7X7 = 26_455
PAPER_COEFFICIENTS = 49


def _hyper_params(num_tasks, kernel_area, c_in, c_out, generators=None, coefficients=True):
    generators = num_tasks if generators is None else generators
    mlp = Z_DIM * HIDDEN + HIDDEN + HIDDEN * kernel_area * K + kernel_area * K
    return K * c_in * c_out + generators * mlp + (num_tasks * K * K if coefficients else 0)


def _ablation_case(ablation, num_trainable_weights, num_params):
    """The shared check's case for a Table 3 ablation (`ablation`: the flag it turns off) of
    a 3x3 conv serving two tasks, called for task 1."""
    return dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, num_tasks=2, **ablation, **TINY_HYPER),
        input_shape=(2, 5, 5, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 3, 3, 5),
        expected_num_trainable_weights=num_trainable_weights,
        expected_num_params=num_params,
        unused_tasks=(0,),
    )


LAYER_CASES = {
    "hyper_conv_same": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, padding="same", num_tasks=2, **TINY_HYPER),
        input_shape=(2, 6, 6, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 6, 6, 5),
        expected_num_trainable_weights=1 + 4 + 1,  # W, H's four weights and C, rows stacked
        expected_num_params=_hyper_params(2, 9, 4, 5),
        unused_tasks=(0,),
    ),
    "hyper_conv_strided_valid": dict(
        layer_cls=HyperConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, strides=2, num_tasks=2, **TINY_HYPER),
        input_shape=(2, 7, 7, 4),
        call_kwargs=dict(task=0, z=_z()),
        expected_output_shape=(2, 3, 3, 5),
        expected_num_trainable_weights=6,
        unused_tasks=(1,),
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
        expected_num_trainable_weights=6,
        expected_num_params=_hyper_params(2, 9, 4, 5),
        unused_tasks=(0,),
    ),
    "hyper_conv_learned_base_filters": _ablation_case(
        dict(dynamic_base_filters=False), 1 + 1 + 1, K * 20 + 2 * 9 * K + 2 * K * K
    ),
    "hyper_conv_shared_filter_generator": _ablation_case(
        dict(task_specific_base_filters=False), 1 + 4 + 1, _hyper_params(2, 9, 4, 5, generators=1)
    ),
    "hyper_conv_no_coefficients": _ablation_case(
        dict(task_coefficients=False), 1 + 4, _hyper_params(2, 9, 4, 5, coefficients=False)
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_basics(case):
    run_layer_test(**LAYER_CASES[case])


def _task_view(layer, task):
    """Task `task`'s weights by their short name ("hidden_kernel", "coefficients", ...):
    its row of each stacked weight, and the shared ones ("shared_weight", or a shared
    filter generator's "shared_hidden_kernel" under its short name)."""
    view = {}
    for name, value in _weights(layer).items():
        if name.startswith("tasks_"):
            view[name.removeprefix("tasks_")] = value[task]
        else:
            view[name if name == "shared_weight" else name.removeprefix("shared_")] = value
    return view


def _numpy_base_filters(weights, z, kernel_area):
    """B_i = H_i(z) (eq. 3): z -> ReLU(z W1 + b1) W2 + b2, reshaped to (k*k, K)."""
    hidden = np.maximum(z @ weights["hidden_kernel"] + weights["hidden_bias"], 0.0)
    bases = hidden @ weights["output_kernel"] + weights["output_bias"]
    return bases.reshape(kernel_area, -1)


def _built_hyper(cls=HyperConv2D, filters=5, kernel_size=3, c_in=4, **kwargs):
    kwargs = {"num_tasks": 2, **TINY_HYPER, **kwargs}
    layer = cls(filters, kernel_size, **kwargs)
    layer.build((None, None, None, c_in))
    return layer


def test_hyper_kernel_matches_eq_4_by_hand():
    layer = _built_hyper()
    _perturb_task(layer, 1, seed=1)  # C_1 away from the identity, H_1 moved.
    z = _z(seed=2)
    weights = _task_view(layer, 1)
    bases = _numpy_base_filters(weights, z, 9)
    combination = weights["coefficients"] @ weights["shared_weight"]
    expected = (bases @ combination).reshape(3, 3, 4, 5)
    np.testing.assert_allclose(_np(layer.kernel(1, z)), expected, rtol=1e-5, atol=1e-6)


def test_hyper_kernel_at_identity_coefficients_is_bases_times_shared_weight():
    layer = _built_hyper()
    z = _z(seed=3)
    for task in range(2):
        weights = _task_view(layer, task)
        np.testing.assert_array_equal(weights["coefficients"], np.eye(K, dtype="float32"))
        bases = _numpy_base_filters(weights, z, 9)
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
    assert sum(int(np.prod(w.shape[1:])) for w in two.stacked_task_weights) == per_task + PAPER_COEFFICIENTS
    assert all(w.shape[0] == 2 for w in two.stacked_task_weights)
    assert tuple(two.filter_generators[-1].shape) == (2, kernel_size * kernel_size * 7)


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
    _perturb_task(layer, 1, seed=4)
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

    prefix = "tasks" if task_specific else "shared"
    if dynamic:
        generator = ["hidden_kernel", "hidden_bias", "output_kernel", "output_bias"]
    else:
        generator = ["base_filters"]
    expected = ["shared_weight"] + [f"{prefix}_{g}" for g in generator]
    if coefficients:
        expected += ["tasks_coefficients"]
    assert [w.name for w in layer.weights] == expected
    if not dynamic:
        rows = (num_tasks,) if task_specific else ()
        assert all(tuple(w.shape) == (*rows, 9, K) for w in layer.weights if w.name.endswith("base_filters"))

    stacked = [w.name for w in layer.stacked_task_weights]
    assert stacked == [n for n in expected if n.startswith("tasks_")]
    assert all(w.shape[0] == num_tasks for w in layer.stacked_task_weights)


def test_hyper_learned_base_filters_kernel():
    layer = _built_hyper(dynamic_base_filters=False)
    _perturb_task(layer, 1, seed=7)
    weights = _task_view(layer, 1)
    combination = weights["coefficients"] @ weights["shared_weight"]
    expected = (weights["base_filters"] @ combination).reshape(3, 3, 4, 5)
    # z is not used when base filters are learned.
    np.testing.assert_allclose(_np(layer.kernel(1, _z(seed=8))), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_np(layer.kernel(1, _z(seed=8))), _np(layer.kernel(1, _z(seed=9))))


def test_hyper_shared_filter_generator_tasks_differ_only_by_coefficients():
    layer = HyperConv2D(5, 3, num_tasks=2, task_specific_base_filters=False, **TINY_HYPER)
    x, z = _images((2, 5, 5, 4)), _z()
    np.testing.assert_array_equal(_np(layer(x, task=0, z=z)), _np(layer(x, task=1, z=z)))
    assert [w.name for w in layer.stacked_task_weights] == ["tasks_coefficients"]
    _perturb_task(layer, 1, seed=10)
    assert np.max(np.abs(_np(layer(x, task=0, z=z)) - _np(layer(x, task=1, z=z)))) > 1e-3


def test_hyper_without_coefficients_kernel_is_bases_times_shared_weight():
    layer = _built_hyper(task_coefficients=False)
    z = _z(seed=11)
    weights = _task_view(layer, 1)
    expected = (_numpy_base_filters(weights, z, 9) @ weights["shared_weight"]).reshape(3, 3, 4, 5)
    np.testing.assert_allclose(_np(layer.kernel(1, z)), expected, rtol=1e-5, atol=1e-6)


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
