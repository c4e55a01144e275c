"""The multi-task ResNet generator (hyper_lifelong_gan/models/generator.py): the shared layer
check, every conv kind, growing by a task, and mixed precision."""

import keras
import numpy as np
import pytest
from layer_test_case import HIDDEN, Z_DIM, K, _images, _np, _perturb, _z, run_layer_test

from hyper_lifelong_gan.models import CONV_KINDS, ResnetGenerator, build_generator, copy_weights, grow_generator

TINY_GENERATOR = dict(ngf=4, n_blocks=1, num_bases=K, z_dim=Z_DIM, hidden_units=HIDDEN)


def test_generator_basics():
    # Eight hyper convs of the tiny generator have 6 weights each (W, H's four and C,
    # the per-task ones with a row per task), the last one a bias too (a row per task);
    # seven norms have two (gamma, beta).
    run_layer_test(
        ResnetGenerator,
        init_kwargs=dict(num_tasks=2, **TINY_GENERATOR),
        input_shape=(2, 16, 16, 3),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 16, 16, 3),
        expected_num_trainable_weights=8 * 6 + 1 + 7 * 2,
        unused_tasks=(0,),
        mixed_precision_output_dtype="float32",
        mixed_precision_tolerance=0.25,  # bfloat16 through 8 convs and 7 norms
    )


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
            np.testing.assert_array_equal(_np(layer.coefficients)[1], np.eye(K, dtype="float32"))


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


@pytest.mark.parametrize("conv_kind", CONV_KINDS)
def test_reference_padding_reaches_every_conv_kind_and_its_saved_config(conv_kind):
    same = build_generator(conv_kind=conv_kind, num_tasks=2, **TINY_GENERATOR)
    reference = build_generator(conv_kind=conv_kind, num_tasks=2, padding="reference", **TINY_GENERATOR)
    assert [layer.padding for layer in reference.down_convs + reference.up_convs] == ["reference"] * 4
    assert copy_weights(same, reference) == len(reference.weights)  # the same weights either way
    x, z = _images((2, 16, 16, 3)), _z()
    shifted = _np(reference(x, task=1, z=z))
    assert shifted.shape == x.shape
    assert np.max(np.abs(shifted - _np(same(x, task=1, z=z)))) > 1e-3
    rebuilt = ResnetGenerator.from_config(reference.get_config())
    assert rebuilt.padding == "reference" and rebuilt.up_convs[1].padding == "reference"
    with pytest.raises(ValueError, match="valid choices are same, reference"):
        ResnetGenerator(padding="valid")


@pytest.mark.parametrize("conv_kind", CONV_KINDS)
def test_output_bias_is_per_task_where_the_filters_are(conv_kind):
    import tensorflow as tf

    from hyper_lifelong_gan.layers.task_selection import TaskRuns

    generator = build_generator(conv_kind=conv_kind, num_tasks=2, **TINY_GENERATOR)
    bias = generator.tail_conv.bias
    per_task = conv_kind != "plain"
    assert tuple(bias.shape) == ((2, 3) if per_task else (3,))
    assert any(v is bias for v in generator.stacked_task_weights) == per_task
    np.testing.assert_array_equal(_np(bias), 0.0)  # zero at the start, as the reference's
    bias.assign(np.random.default_rng(3).normal(0, 0.3, bias.shape).astype("float32"))
    x, z = _images((2, 16, 16, 3)), _z()
    singles = [_np(generator(x, task=task, z=z)) for task in range(2)]
    # Every way of naming tasks (an int, a tensor, runs of images) adds each task's own bias.
    np.testing.assert_allclose(_np(generator(x, task=tf.constant(1), z=z)), singles[1], atol=1e-5)
    runs = _np(generator(x, task=TaskRuns([1, 0], [1, 1]), z=z))
    np.testing.assert_allclose(runs, np.stack([singles[1][0], singles[0][1]]), atol=1e-5)
