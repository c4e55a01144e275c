"""Instance normalisation with a scale and offset per task."""

import keras
from keras import ops

from hyper_lifelong_gan.layers.task_selection import (
    add_task_weights,
    is_static_task,
    is_task_runs,
    take_task,
)


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class TaskInstanceNorm(keras.layers.Layer):
    """Instance normalisation whose affine parameters depend on the task.

    Each image and channel is normalised over its spatial positions, then scaled
    and shifted by the gamma/beta of the requested task ("task-conditional
    instance normalisation", used by Hyper-LifelongGAN and LifelongGAN++). The
    statistics are computed in float32 even under mixed precision.

    Args:
        num_tasks: how many (gamma, beta) pairs to hold (the rows of `gamma` and
            `beta`, shape (num_tasks, channels)).
        epsilon: added to the variance.
        affine: learn the scale and offset (True); False normalises only and holds no
            weights (pix2pix's PatchGAN, PyTorch's `InstanceNorm2d` default).

    Call arguments:
        inputs: a 4D tensor, channels last.
        task: the index of the task: a Python int, a scalar integer tensor, or
            runs of the batch with a task each (see `task_selection`).

    Example:
    >>> norm = TaskInstanceNorm(num_tasks=3)
    >>> y = norm(keras.ops.ones((2, 8, 8, 16)), task=2)
    """

    def __init__(self, num_tasks=1, epsilon=1e-5, affine=True, **kwargs):
        super().__init__(**kwargs)
        if num_tasks < 1:
            raise ValueError(f"`num_tasks` must be positive, got {num_tasks}.")
        self.num_tasks = num_tasks
        self.epsilon = epsilon
        self.affine = affine

    def build(self, input_shape):
        if not self.affine:
            return
        channels = input_shape[-1]
        # One row per task (see `task_selection`).
        self.gamma, self.beta = add_task_weights(
            self, self.num_tasks, [("tasks_gamma", (channels,), "ones"), ("tasks_beta", (channels,), "zeros")]
        )

    @property
    def stacked_task_weights(self):
        return [self.gamma, self.beta] if self.affine else []

    def call(self, inputs, task=0):
        if is_static_task(task) and not 0 <= task < self.num_tasks:
            raise ValueError(
                f"Layer {self.name!r} serves tasks 0..{self.num_tasks - 1}, got task={task}."
            )
        x = ops.cast(inputs, "float32")
        mean, variance = ops.moments(x, axes=(1, 2), keepdims=True)
        if not self.affine:
            return ops.cast((x - mean) * ops.rsqrt(variance + self.epsilon), inputs.dtype)
        if is_task_runs(task):
            # Each image's own task's parameters, shape (batch, 1, 1, channels).
            per_image = task.per_image()
            gamma = take_task(self.gamma, per_image)[:, None, None, :]
            beta = take_task(self.beta, per_image)[:, None, None, :]
        else:
            gamma, beta = take_task(self.gamma, task), take_task(self.beta, task)
        # gamma * (x - mean) / std + beta, folded into one multiply-add over the image
        # (the per-channel terms are computed once): the same up to float rounding,
        # and about two thirds of the two-step form's time on CPU (docs/performance.md).
        scale = ops.rsqrt(variance + self.epsilon) * ops.cast(gamma, "float32")
        x = x * scale + (ops.cast(beta, "float32") - mean * scale)
        return ops.cast(x, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(num_tasks=self.num_tasks, epsilon=self.epsilon, affine=self.affine)
        return config
