"""What every convolution of the multi-task generator shares, whatever makes its filters."""

import keras
from keras import ops

from hyper_lifelong_gan.layers.task_selection import is_static_task, is_task_runs, select


def _pair(value, name):
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"`{name}` must be an int or a pair of ints, got {value!r}.")
    return value


class TaskConvolution(keras.layers.Layer):
    """Base of the generator's convolutions: a filter per task, applied without bias.

    Subclasses decide where the filter of a task comes from (`task_kernel`, laid
    out (k, k, c_in, c_out)) and which variables belong to tasks: stacked with a
    row per task (`stacked_task_weights`) or held one per task (`task_weights`);
    this class applies the filter as a convolution or, with
    `transposed = True`, as a transposed convolution ("same" padding then
    multiplies the spatial size by exactly the stride). Every call takes `task`
    and `z`, so one generator definition serves every conv kind.

    `task` is a Python int, a scalar integer tensor, or runs of the batch
    (`task_selection.TaskRuns`): each run is convolved with its own task's filter,
    and the results are joined along the batch again.

    Args:
        filters: number of output channels c_out.
        kernel_size: int or pair, the spatial size of the filter.
        strides: int or pair.
        padding: "valid" or "same".
    """

    transposed = False
    # True where every task has the same filter: runs of the batch then need no split.
    shared_filter = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", **kwargs):
        super().__init__(**kwargs)
        if filters < 1:
            raise ValueError(f"`filters` must be positive, got {filters}.")
        if padding not in ("valid", "same"):
            raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}.")
        self.filters = filters
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = padding

    def task_kernel(self, task, z):
        """The filter of `task` (a Python int or a scalar integer tensor)."""
        if is_static_task(task):
            return self.static_task_kernel(task, z)
        # Generic selection by a tensor: every task's filter, then the one asked for.
        # Layers whose filters are cheap to gather (hyper, plain) override this.
        return select([self.static_task_kernel(t, z) for t in range(self.num_tasks)], task)

    def static_task_kernel(self, task, z):
        raise NotImplementedError

    def task_filters(self, count, z):
        """The filters of tasks [0, count) at `z`, stacked: (count, k, k, c_in, c_out).
        Here one task at a time; layers whose filters are made from stacked
        per-task rows (hyper) make them in one batched computation."""
        return ops.stack([self.task_kernel(task, z) for task in range(count)])

    def task_weights(self, task):
        """The variables only task `task` uses (each held on its own, not stacked)."""
        return []

    @property
    def stacked_task_weights(self):
        """The variables with one row per task (see `task_selection.add_task_weights`)."""
        return []

    def kernel(self, task=0, z=None):
        """The filter of `task` in the layout its op takes: (k, k, c_in, c_out), or
        (k, k, c_out, c_in) for a transposed convolution."""
        kernel = self.task_kernel(task, z)
        return ops.transpose(kernel, (0, 1, 3, 2)) if self.transposed else kernel

    def call(self, inputs, task=0, z=None):
        if is_task_runs(task):
            if self.shared_filter:
                return self._apply(inputs, self.kernel(0, z))
            parts = task.split(inputs)
            kernels = self.run_kernels(task.tasks, z)
            return ops.concatenate([self._apply(part, kernel) for part, kernel in zip(parts, kernels)], axis=0)
        return self._apply(inputs, self.kernel(task, z))

    def run_kernels(self, tasks, z):
        """The filters of `tasks` (one per run), each in the layout its op takes."""
        return [self.kernel(task, z) for task in tasks]

    def _apply(self, inputs, kernel):
        if self.transposed:
            return ops.conv_transpose(inputs, kernel, strides=self.strides, padding=self.padding)
        return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        sizes = []
        for size, k, s in zip((height, width), self.kernel_size, self.strides):
            if size is None:
                sizes.append(None)
            elif self.transposed:
                sizes.append(size * s if self.padding == "same" else (size - 1) * s + k)
            else:
                sizes.append(-(-size // s) if self.padding == "same" else (size - k) // s + 1)
        return (batch, *sizes, self.filters)

    def _check_task(self, task, num_tasks):
        if is_static_task(task) and not 0 <= task < num_tasks:
            raise ValueError(f"Layer {self.name!r} serves tasks 0..{num_tasks - 1}, got task={task}.")

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides, padding=self.padding
        )
        return config
