"""Conventional convolutions with the call signature of the hyper layers."""

import math

import keras

from hyper_lifelong_gan.layers.task_convolution import TaskConvolution


class _PlainKernel(TaskConvolution):
    """One stored filter, shared by every task (Full, LifelongGAN++)."""

    shared_filter = True

    def build(self, input_shape):
        in_channels = input_shape[-1]
        fan_in = self.kernel_size[0] * self.kernel_size[1] * in_channels
        self.filter = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, in_channels, self.filters),
            initializer=keras.initializers.RandomNormal(stddev=math.sqrt(2.0 / fan_in)),
        )
        self.build_bias()

    def task_kernel(self, task, z):
        return self.filter  # the same for every task, however it is named


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class PlainConv2D(_PlainKernel):
    """A conventional 2D convolution (a bias only with `use_bias`) that accepts and ignores `task` and `z`.

    It lets one generator definition build both the hyper-factorized model and the
    conventional one of the Full and LifelongGAN++ baselines.

    Args:
        filters, kernel_size, strides, padding: as in `keras.layers.Conv2D`
            (padding also "reference": see `TaskConvolution`).
        use_bias: add a bias (zero at the start), shared like the filter.

    Call arguments:
        inputs: a 4D tensor, channels last.
        task, z: ignored; every task uses the same filter.
    """


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class PlainConv2DTranspose(_PlainKernel):
    """A conventional transposed convolution (a bias only with `use_bias`) that ignores `task` and `z`.

    With padding="same" a stride-s layer multiplies the spatial size by exactly s.
    """

    transposed = True
