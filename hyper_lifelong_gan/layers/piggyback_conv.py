"""PiggybackGAN convolutions: new filters per task, plus combinations of frozen ones."""

import math

import keras
from keras import ops

from hyper_lifelong_gan.layers.task_convolution import TaskConvolution


class _PiggybackKernel(TaskConvolution):
    """Per-task filters of PiggybackGAN (Zhai et al., ECCV 2020).

    Task 0 owns a conventional kernel of c_out filters. Every later task t owns
    ceil(lambda * c_out) unconstrained new filters and a matrix that combines the
    frozen filter bank of earlier tasks into the remaining c_out - ceil(lambda * c_out)
    filters. The bank of task t holds task 0's filters and the unconstrained
    filters of tasks 1..t-1 (the combined filters of earlier tasks are linear in the
    bank already, so they add nothing to it). Gradients never reach the bank from
    task t, so earlier tasks' outputs are preserved exactly.
    """

    def __init__(
        self, filters, kernel_size, strides=1, padding="valid", num_tasks=1, unconstrained_fraction=0.5, **kwargs
    ):
        super().__init__(filters, kernel_size, strides, padding, **kwargs)
        if not 0.0 < unconstrained_fraction <= 1.0:
            raise ValueError(f"`unconstrained_fraction` must be in (0, 1], got {unconstrained_fraction}.")
        self.num_tasks = num_tasks
        self.unconstrained_fraction = unconstrained_fraction

    @property
    def new_filters_per_task(self):
        return math.ceil(self.unconstrained_fraction * self.filters)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        self.in_channels = in_channels
        fan_in = self.kernel_size[0] * self.kernel_size[1] * in_channels
        kernel_init = keras.initializers.RandomNormal(stddev=math.sqrt(2.0 / fan_in))
        new = self.new_filters_per_task
        combined = self.filters - new
        self.unconstrained = [
            self.add_weight(
                name="task_0_kernel", shape=(*self.kernel_size, in_channels, self.filters), initializer=kernel_init
            )
        ]
        self.combinations = [None]
        for task in range(1, self.num_tasks):
            self.unconstrained.append(
                self.add_weight(
                    name=f"task_{task}_unconstrained",
                    shape=(*self.kernel_size, in_channels, new),
                    initializer=kernel_init,
                )
            )
            bank_size = self.filters + (task - 1) * new
            combination = None
            if combined:
                # Each combined filter starts as an average of bank filters of
                # matching scale: unit column norm keeps the He variance.
                combination = self.add_weight(
                    name=f"task_{task}_combination",
                    shape=(bank_size, combined),
                    initializer=keras.initializers.RandomNormal(stddev=1.0 / math.sqrt(bank_size)),
                )
            self.combinations.append(combination)
        self.build_bias()

    def task_weights(self, task):
        return [w for w in (self.unconstrained[task], self.combinations[task]) if w is not None]

    def static_task_kernel(self, task, z=None):
        """The filters of task `task` (a Python int), laid out (k, k, c_in, c_out)."""
        self._check_task(task, self.num_tasks)
        if task == 0:
            return self.unconstrained[0]
        bank = ops.stop_gradient(ops.concatenate(self.unconstrained[:task], axis=-1))
        parts = [self.unconstrained[task]]
        if self.combinations[task] is not None:
            parts.append(ops.einsum("hwib,bo->hwio", bank, self.combinations[task]))
        return ops.concatenate(parts, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_tasks=self.num_tasks,
            unconstrained_fraction=self.unconstrained_fraction,
        )
        return config


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class PiggybackConv2D(_PiggybackKernel):
    """2D convolution with PiggybackGAN's per-task filters (a bias per task only with `use_bias`).

    Args:
        filters, kernel_size, strides, padding, use_bias: see `TaskConvolution`.
        num_tasks: how many tasks the layer serves.
        unconstrained_fraction: lambda, the share of each later task's filters that
            are new and unconstrained (paper: 0.5).

    Call arguments:
        inputs: a 4D tensor, channels last.
        task: the index of the task: a Python int, or a tensor (then every task's
            filters are built and the one asked for is gathered), or runs of the
            batch (see `task_selection`).
        z: ignored.
    """


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class PiggybackConv2DTranspose(_PiggybackKernel):
    """Transposed convolution with PiggybackGAN's per-task filters (see `PiggybackConv2D`)."""

    transposed = True
