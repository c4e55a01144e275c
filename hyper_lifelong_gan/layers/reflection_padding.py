"""Reflection padding (tensorflow-addons is gone; this is all the generator needs)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the border, as the ResNet generator does.

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
        return ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda size: None if size is None else size + 2 * self.padding  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        config = super().get_config()
        config.update(padding=self.padding)
        return config
