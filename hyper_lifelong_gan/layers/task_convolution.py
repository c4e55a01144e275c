"""What every convolution of the multi-task generator shares, whatever makes its filters."""

import keras
from keras import ops

from hyper_lifelong_gan.layers.task_selection import add_task_weights, is_static_task, is_task_runs, select, take_task

PADDINGS = ("valid", "same", "reference")


def _pair(value, name):
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"`{name}` must be an int or a pair of ints, got {value!r}.")
    return value


class TaskConvolution(keras.layers.Layer):
    """Base of the generator's convolutions: a filter per task, and optionally a bias.

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
        padding: "valid"; "same" (TensorFlow's: on an even input a stride-2
            convolution pads 0 before and 1 after, a transposed one keeps the first
            stride * n rows of its full output); or "reference" (PyTorch's
            padding=(k-1)//2, and output_padding=stride-1 for a transposed
            convolution, as in CycleGAN/pix2pix: pad alike on both sides; a
            transposed one keeps rows [(k-1)//2, (k-1)//2 + stride * n)).
        use_bias: add a bias after the convolution, zero at the start: one row per
            task (a stacked per-task weight) where the filters are per task, one
            vector shared by every task where they are shared.
    """

    transposed = False
    # True where every task has the same filter: runs of the batch then need no split.
    shared_filter = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", use_bias=False, **kwargs):
        super().__init__(**kwargs)
        if filters < 1:
            raise ValueError(f"`filters` must be positive, got {filters}.")
        if padding not in PADDINGS:
            raise ValueError(f"`padding` must be one of {', '.join(PADDINGS)}, got {padding!r}.")
        self.filters = filters
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = padding
        kept_at_end = [k - (k - 1) // 2 - s for k, s in zip(self.kernel_size, self.strides)]
        if padding == "reference" and self.transposed and min(kept_at_end) < 0:
            raise ValueError(f"`padding='reference'` needs kernel_size - (kernel_size - 1) // 2 >= strides, "
                             f"got {self.kernel_size} and {self.strides}.")
        self.use_bias = use_bias
        self.bias = None

    def build_bias(self):
        """Creates the bias (subclasses call it at the end of `build`)."""
        if not self.use_bias:
            return
        if self.shared_filter:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")
        else:
            (self.bias,) = add_task_weights(self, self.num_tasks, [("tasks_bias", (self.filters,), "zeros")])

    def task_kernel(self, task, z):
        """The filter of `task` (a Python int or a scalar integer tensor)."""
        if is_static_task(task):
            return self.static_task_kernel(task, z)
        # Generic selection by a tensor: every task's filter, then the one asked for.
        # Layers whose filters are cheap to gather (hyper, plain) override this.
        return select([self.static_task_kernel(t, z) for t in range(self.num_tasks)], task)

    def static_task_kernel(self, task, z):
        raise NotImplementedError

    def task_weights(self, task):
        """The variables only task `task` uses (each held on its own, not stacked)."""
        return []

    @property
    def stacked_task_weights(self):
        """The variables with one row per task (see `task_selection.add_task_weights`)."""
        return [] if self.bias is None or self.shared_filter else [self.bias]

    def kernel(self, task=0, z=None):
        """The filter of `task` in the layout its op takes: (k, k, c_in, c_out), or
        (k, k, c_out, c_in) for a transposed convolution."""
        kernel = self.task_kernel(task, z)
        return ops.transpose(kernel, (0, 1, 3, 2)) if self.transposed else kernel

    def call(self, inputs, task=0, z=None):
        if is_task_runs(task):
            if self.shared_filter:
                return self._add_bias(self._apply(inputs, self.kernel(0, z)), task)
            parts = task.split(inputs)
            kernels = self.run_kernels(task.tasks, z)
            outputs = ops.concatenate([self._apply(part, kernel) for part, kernel in zip(parts, kernels)], axis=0)
            return self._add_bias(outputs, task)
        return self._add_bias(self._apply(inputs, self.kernel(task, z)), task)

    def _add_bias(self, outputs, task):
        if self.bias is None:
            return outputs
        if self.shared_filter:
            bias = self.bias
        elif is_task_runs(task):
            bias = take_task(self.bias, task.per_image())[:, None, None, :]  # each image's task's
        else:
            bias = take_task(self.bias, task)
        return outputs + ops.cast(bias, outputs.dtype)

    def run_kernels(self, tasks, z):
        """The filters of `tasks` (one per run), each in the layout its op takes."""
        return [self.kernel(task, z) for task in tasks]

    def _apply(self, inputs, kernel):
        if self.padding != "reference":
            if self.transposed:
                return ops.conv_transpose(inputs, kernel, strides=self.strides, padding=self.padding)
            return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding)
        pads = [(k - 1) // 2 for k in self.kernel_size]
        if self.transposed:
            # The full output has (n - 1) * s + k rows; PyTorch's padding p and
            # output_padding s - 1 keep rows [p, p + s * n): p dropped at the start,
            # k - p - s at the end (checked to be >= 0 in `__init__`).
            full = ops.conv_transpose(inputs, kernel, strides=self.strides, padding="valid")
            ends = [-(k - p - s) or None for k, p, s in zip(self.kernel_size, pads, self.strides)]
            return full[:, pads[0]:ends[0], pads[1]:ends[1], :]
        padded = ops.pad(inputs, ((0, 0), (pads[0], pads[0]), (pads[1], pads[1]), (0, 0)))
        return ops.conv(padded, kernel, strides=self.strides, padding="valid")

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        sizes = []
        for size, k, s in zip((height, width), self.kernel_size, self.strides):
            if size is None:
                sizes.append(None)
            elif self.transposed:
                sizes.append((size - 1) * s + k if self.padding == "valid" else size * s)
            elif self.padding == "reference":
                sizes.append((size + 2 * ((k - 1) // 2) - k) // s + 1)
            else:
                sizes.append(-(-size // s) if self.padding == "same" else (size - k) // s + 1)
        return (batch, *sizes, self.filters)

    def _check_task(self, task, num_tasks):
        if is_static_task(task) and not 0 <= task < num_tasks:
            raise ValueError(f"Layer {self.name!r} serves tasks 0..{num_tasks - 1}, got task={task}.")

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
            use_bias=self.use_bias,
        )
        return config
