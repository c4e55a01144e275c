"""Conventional convolutions with the call signature of the hyper layers."""

import math

import keras
from keras import ops

from hyper_lifelong_gan.layers.hyper_conv import (
    _conv_output_shape,
    _conv_transpose,
    _conv_transpose_output_shape,
    _pair,
)


class _PlainKernel(keras.layers.Layer):
    """One stored filter, shared by every task (Full, LifelongGAN++)."""

    transposed = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", **kwargs):
        super().__init__(**kwargs)
        if padding not in ("valid", "same"):
            raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}.")
        self.filters = filters
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = padding

    def build(self, input_shape):
        in_channels = input_shape[-1]
        self.in_channels = in_channels
        channels = (self.filters, in_channels) if self.transposed else (in_channels, self.filters)
        fan_in = self.kernel_size[0] * self.kernel_size[1] * in_channels
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, *channels),
            initializer=keras.initializers.RandomNormal(stddev=math.sqrt(2.0 / fan_in)),
        )

    def task_weights(self, task):
        return []

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
        )
        return config


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class PlainConv2D(_PlainKernel):
    """A conventional 2D convolution (no bias) that accepts and ignores `task` and `z`.

    It lets one generator definition build both the hyper-factorized model and the
    conventional one of the Full and LifelongGAN++ baselines.

    Args:
        filters, kernel_size, strides, padding: as in `keras.layers.Conv2D`.

    Call arguments:
        inputs: a 4D tensor, channels last.
        task, z: ignored; every task uses the same filter.
    """

    def call(self, inputs, task=0, z=None):
        return ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding)

    def compute_output_shape(self, input_shape):
        return _conv_output_shape(input_shape, self.filters, self.kernel_size, self.strides, self.padding)


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class PlainConv2DTranspose(_PlainKernel):
    """A conventional transposed convolution (no bias) that ignores `task` and `z`.

    With padding="same" a stride-s layer multiplies the spatial size by exactly s.
    """

    transposed = True

    def call(self, inputs, task=0, z=None):
        return _conv_transpose(inputs, self.kernel, self.strides, self.padding)

    def compute_output_shape(self, input_shape):
        return _conv_transpose_output_shape(input_shape, self.filters, self.kernel_size, self.strides, self.padding)
