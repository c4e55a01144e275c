"""Reflection padding (tensorflow-addons is gone; this is all the generator needs)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the border, as the ResNet generator does.

    Under TensorFlow the gradient is folded back with slices and one concatenation
    per axis instead of TensorFlow's MirrorPadGrad, which is about 1.6x slower on
    CPU for the generator's pads (docs/performance.md); each input position sums
    the same gradient entries, so the result equals MirrorPadGrad's up to the
    order of a corner pixel's four terms.

    Args:
        padding: how many pixels to add on every side.

    Example:
    >>> ReflectionPadding2D(3)(keras.ops.ones((1, 8, 8, 3))).shape
    (1, 14, 14, 3)
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if padding < 0:
            raise ValueError(f"`padding` must be non-negative, got {padding}.")
        self.padding = padding

    def call(self, inputs):
        p = self.padding
        if p == 0:
            return inputs
        if keras.backend.backend() == "tensorflow":
            return _reflect_pad_tf(inputs, p)
        return ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda size: None if size is None else size + 2 * self.padding  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        config = super().get_config()
        config.update(padding=self.padding)
        return config


def _reflect_pad_tf(inputs, p):
    import tensorflow as tf

    @tf.custom_gradient
    def pad(x):
        def grad(upstream):
            return _fold(_fold(upstream, p, 1, x.shape[1]), p, 2, x.shape[2])

        return tf.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), mode="REFLECT"), grad

    return pad(inputs)


def _fold(g, p, axis, size):
    """The gradient of reflecting `p` pixels on both ends of `axis` (1 or 2): `g` is
    the gradient of the padded tensor (size + 2p along `axis`); input row r in
    1..p also receives padded row p - r, input row size-1-r padded row size-1+p+r."""
    import tensorflow as tf

    def rows(start, stop):
        return g[:, start:stop] if axis == 1 else g[:, :, start:stop]

    if size is not None and size >= 2 * p + 2:
        # Static size with disjoint borders: add the mirrored strips onto theirs, one concat.
        length = size + 2 * p
        return tf.concat([
            rows(p, p + 1),
            rows(p + 1, 2 * p + 1) + tf.reverse(rows(0, p), [axis]),
            rows(2 * p + 1, length - 2 * p - 1),
            rows(length - 2 * p - 1, length - p - 1) + tf.reverse(rows(length - p, length), [axis]),
            rows(length - p - 1, length - p),
        ], axis)
    # Unknown or small size (borders may overlap): pad the mirrored strips back to
    # full size and add them.
    size = tf.shape(g)[axis] - 2 * p

    def spread(strip, before, after):
        paddings = [[0, 0], [0, 0], [0, 0], [0, 0]]
        paddings[axis] = [before, after]
        return tf.pad(tf.reverse(strip, [axis]), paddings)

    return (rows(p, -p) + spread(rows(0, p), 1, size - p - 1)
            + spread(rows(-p, None), size - p - 1, 1))
