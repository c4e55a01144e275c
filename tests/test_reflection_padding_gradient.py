"""ReflectionPadding2D's own gradient equals TensorFlow's MirrorPad gradient."""

import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan.layers import ReflectionPadding2D


def _gradients(layer_or_pad, x, weights):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(layer_or_pad(x) * weights)
    return tape.gradient(loss, x)


@pytest.mark.parametrize("height,width,padding", [(9, 7, 3), (8, 8, 1), (4, 5, 3), (2, 3, 1), (6, 6, 2)])
@pytest.mark.parametrize("static", [True, False])
def test_gradient_matches_mirror_pad(height, width, padding, static):
    # (4, 5, 3) and (2, 3, 1): borders that overlap, the general path; static=False
    # hides the sizes (a serving signature's None dimensions).
    x = tf.random.stateless_normal((2, height, width, 3), seed=(1, 2))
    weights = tf.random.stateless_normal((2, height + 2 * padding, width + 2 * padding, 3), seed=(3, 4))
    layer = ReflectionPadding2D(padding)
    reference = lambda t: tf.pad(t, ((0, 0), (padding, padding), (padding, padding), (0, 0)), mode="REFLECT")  # noqa: E731
    expected = _gradients(reference, x, weights)
    if static:
        got = _gradients(layer, x, weights)
        got_xla = tf.function(lambda t: _gradients(layer, t, weights), jit_compile=True)(x)
        np.testing.assert_allclose(got_xla.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    else:
        dynamic = tf.function(lambda t: _gradients(layer, t, weights),
                              input_signature=[tf.TensorSpec((None, None, None, 3))])
        got = dynamic(x)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(layer(x).numpy(), reference(x).numpy())


def test_zero_padding_is_identity():
    x = tf.ones((1, 4, 4, 2))
    assert ReflectionPadding2D(0)(x) is x
