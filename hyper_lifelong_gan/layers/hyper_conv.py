"""Hyper-factorized convolutions: the filters of task i are generated, not stored."""

import math

import keras
from keras import ops

from hyper_lifelong_gan.layers.task_convolution import TaskConvolution
from hyper_lifelong_gan.layers.task_selection import add_task_weights, new_initializer, take_task, task_indices

# Share of the base filters' standard deviation that depends on z at initialisation
# (our choice; the paper does not say how H_i is initialised). H_i starts as a
# near-constant map: its output bias carries base filters of variance 1 - s^2 and
# its output kernel a z-dependent part of variance s^2, so B_i still has unit
# variance but a fresh z barely changes the filters. Drawing z anew every step then
# no longer adds noise to the first steps (with s = 1 the hyper generator learns
# the toy tasks far slower than conventional filters); the output kernel trains
# like every other weight, so the filters grow into z as training needs it.
INITIAL_Z_SHARE = 0.1


class _HyperKernel(TaskConvolution):
    """Shared machinery of `HyperConv2D` and `HyperConv2DTranspose`.

    Holds the shared weight matrix W, the per-task filter generators H_i and the
    per-task coefficients C_i, and turns them into the kernel of one task
    (eqs. 1-4 of the paper):

        B_i = H_i(z)                    (k*k, K)     eq. 3
        W_i = C_i @ W                   (K, c_in*c_out)  eq. 4
        F_i = reshape(B_i @ W_i)        (k, k, c_in, c_out) or (k, k, c_out, c_in)

    Subclasses only say how the flat filter is laid out and how it is applied.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        num_tasks=1,
        num_bases=7,
        z_dim=64,
        hidden_units=64,
        dynamic_base_filters=True,
        task_specific_base_filters=True,
        task_coefficients=True,
        **kwargs,
    ):
        super().__init__(filters, kernel_size, strides, padding, **kwargs)
        if num_tasks < 1 or num_bases < 1 or z_dim < 1 or hidden_units < 1:
            raise ValueError(
                "`num_tasks`, `num_bases`, `z_dim` and `hidden_units` must be "
                f"positive, got {num_tasks}, {num_bases}, {z_dim}, {hidden_units}."
            )
        self.num_tasks = num_tasks
        self.num_bases = num_bases
        self.z_dim = z_dim
        self.hidden_units = hidden_units
        self.dynamic_base_filters = dynamic_base_filters
        self.task_specific_base_filters = task_specific_base_filters
        self.task_coefficients = task_coefficients

    @property
    def num_filter_generators(self):
        return self.num_tasks if self.task_specific_base_filters else 1

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels is None:
            raise ValueError("The channel dimension of the input must be known.")
        self.in_channels = in_channels
        kernel_area = self.kernel_size[0] * self.kernel_size[1]
        # Variance bookkeeping: H_i emits base filters of unit variance (z ~ N(0, I);
        # LeCun hidden layer; output = bias of variance 1 - s^2 plus a He-scaled
        # z-dependent part of variance s^2, see INITIAL_Z_SHARE), so W gets the He variance of a conventional
        # kernel spread over K bases: Var(F) = K * Var(W) = 2 / fan_in.
        fan_in = kernel_area * in_channels
        self.shared_weight = self.add_weight(
            name="shared_weight",
            shape=(self.num_bases, in_channels * self.filters),
            initializer=keras.initializers.RandomNormal(
                stddev=math.sqrt(2.0 / (fan_in * self.num_bases))
            ),
        )
        # H_i and C_i of every task, one stacked variable per kind of weight with the
        # task on the first axis (see `task_selection`); a shared H (the ablation)
        # is a set of plain variables.
        if self.dynamic_base_filters:
            generator_specs = [
                ("hidden_kernel", (self.z_dim, self.hidden_units), "lecun_normal"),
                ("hidden_bias", (self.hidden_units,), "zeros"),
                # He variance scaled by s^2: the z-dependent part has variance s^2.
                ("output_kernel", (self.hidden_units, kernel_area * self.num_bases),
                 lambda: keras.initializers.VarianceScaling(
                     scale=2.0 * INITIAL_Z_SHARE**2, mode="fan_in", distribution="untruncated_normal")),
                # The z-independent base filters, variance 1 - s^2.
                ("output_bias", (kernel_area * self.num_bases,),
                 lambda: keras.initializers.RandomNormal(stddev=math.sqrt(1.0 - INITIAL_Z_SHARE**2))),
            ]
        else:
            # Unit variance, like H_i's output: W's initialisation above then gives
            # the filters the He variance 2 / fan_in.
            generator_specs = [
                ("base_filters", (kernel_area, self.num_bases), lambda: keras.initializers.RandomNormal(stddev=1.0)),
            ]
        if self.task_specific_base_filters:
            self.filter_generators = tuple(add_task_weights(
                self, self.num_tasks, [(f"tasks_{name}", shape, init) for name, shape, init in generator_specs]
            ))
        else:
            self.filter_generators = tuple(
                self.add_weight(name=f"shared_{name}", shape=shape, initializer=new_initializer(init))
                for name, shape, init in generator_specs
            )
        self.coefficients = None
        if self.task_coefficients:
            (self.coefficients,) = add_task_weights(
                self, self.num_tasks, [("tasks_coefficients", (self.num_bases, self.num_bases), "identity")]
            )
        self.build_bias()

    @property
    def stacked_task_weights(self):
        """The variables with a row per task (H_i's weights, C_i and the bias, if any)."""
        weights = list(self.filter_generators) if self.task_specific_base_filters else []
        if self.coefficients is not None:
            weights.append(self.coefficients)
        return weights + super().stacked_task_weights

    def base_filters(self, task, z):
        """B_i = H_i(z), shape (k*k, K); eq. 3 (or the learned B_i of the ablation).

        `task` may also be a 1-D index tensor (one task per run, see `run_kernels`):
        then B_i of each, shape (runs, k*k, K), or (k*k, K) when every task shares
        its filter generator."""
        if self.task_specific_base_filters:
            weights = [take_task(weight, task) for weight in self.filter_generators]
        else:
            weights = self.filter_generators
        kernel_area = self.kernel_size[0] * self.kernel_size[1]
        if not self.dynamic_base_filters:
            return weights[0]
        hidden_kernel, hidden_bias, output_kernel, output_bias = weights
        z = ops.reshape(ops.cast(z, self.compute_dtype), (1, self.z_dim))
        # Rows gathered for several tasks carry a leading axis through both matmuls.
        hidden = ops.relu(ops.matmul(z, hidden_kernel) + ops.expand_dims(hidden_bias, -2))
        bases = ops.matmul(hidden, output_kernel) + ops.expand_dims(output_bias, -2)
        return ops.reshape(bases, (*hidden_kernel.shape[:-2], kernel_area, self.num_bases))

    def flat_kernel(self, task, z):
        """B_i @ (C_i @ W), shape (k*k, c_in*c_out); eqs. 2 and 4."""
        self._check_task(task, self.num_tasks)
        combination = self.shared_weight
        if self.task_coefficients:
            combination = ops.matmul(take_task(self.coefficients, task), combination)
        return ops.matmul(self.base_filters(task, z), combination)

    def run_kernels(self, tasks, z):
        """The filters of several tasks (one per run of a batch, see
        `task_selection.TaskRuns`), made together (`_stacked_kernels`), so the
        layer's op count does not grow with the runs. Equal to `kernel` per task up
        to float rounding (the product is associated as (B_i @ C_i) @ W here,
        B_i @ (C_i @ W) there)."""
        if len(tasks) == 1:
            return super().run_kernels(tasks, z)
        kernels = self._stacked_kernels(task_indices(tasks), len(tasks), z)
        if self.transposed:
            kernels = ops.transpose(kernels, (0, 1, 2, 4, 3))
        return ops.unstack(kernels, num=len(tasks), axis=0)

    def _stacked_kernels(self, indices, count, z):
        """The filters of the tasks `indices` (a 1-D int tensor of length `count`):
        their rows are gathered at once, B_i = H_i(z) and B_i @ C_i run with a
        leading task axis, and one matmul with W makes every filter."""
        kernel_area = self.kernel_size[0] * self.kernel_size[1]
        bases = ops.broadcast_to(self.base_filters(indices, z), (count, kernel_area, self.num_bases))
        if self.task_coefficients:
            # (B_i @ C_i) @ W: the small products first, then one matmul for every task.
            bases = ops.matmul(bases, take_task(self.coefficients, indices))
        flat = ops.matmul(ops.reshape(bases, (count * kernel_area, self.num_bases)), self.shared_weight)
        return ops.reshape(flat, (count, *self.kernel_size, self.in_channels, self.filters))

    def task_kernel(self, task, z):
        """The 4D filter F_i of task `task` (an int or a scalar integer tensor), shape
        (k, k, c_in, c_out)."""
        return ops.reshape(self.flat_kernel(task, z), (*self.kernel_size, self.in_channels, self.filters))

    def get_config(self):
        config = super().get_config()
        config.update(
            num_tasks=self.num_tasks,
            num_bases=self.num_bases,
            z_dim=self.z_dim,
            hidden_units=self.hidden_units,
            dynamic_base_filters=self.dynamic_base_filters,
            task_specific_base_filters=self.task_specific_base_filters,
            task_coefficients=self.task_coefficients,
        )
        return config


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class HyperConv2D(_HyperKernel):
    """2D convolution whose filters are generated per task (Hyper-LifelongGAN, eqs. 1-4).

    The filter of task i is `reshape(H_i(z) @ (C_i @ W))`: a shared weight matrix
    W (K x c_in*c_out), a per-task filter generator H_i (an MLP z -> hidden (ReLU)
    -> k*k*K) and per-task coefficients C_i (K x K, identity at start). Everything
    per task is small; W is the bulk and is shared. A bias (per task) only with
    `use_bias`: every convolution of the generator but the last is followed by
    instance normalisation, which would cancel it.

    Args:
        filters: number of output channels c_out.
        kernel_size: int or pair, the spatial size k of the filter.
        strides: int or pair.
        padding: "valid", "same" or "reference" (see `TaskConvolution`).
        use_bias: add a bias per task (a stacked per-task weight), zero at the start.
        num_tasks: how many tasks this layer serves (the model is rebuilt with one
            more when a task is added; see `models.grow_generator`).
        num_bases: K, the number of base filters (paper: 7).
        z_dim: length of the noise vector z (paper: 64).
        hidden_units: hidden size of the filter generator MLP (paper: 64).
        dynamic_base_filters: generate base filters from z with an MLP (True), or
            learn them directly (the "dynamic base filters" ablation of Table 3).
        task_specific_base_filters: one filter generator per task (True), or one
            shared by every task (Table 3).
        task_coefficients: use per-task coefficients C_i (True) or C_i = I (Table 3).

    Call arguments:
        inputs: a 4D tensor, channels last.
        task: the index of the task: a Python int, a scalar integer tensor (its
            H_i and C_i are gathered from their stack), or runs of the batch
            with a task each (see `task_selection`).
        z: the noise vector, shape (z_dim,); the same z must be given to the teacher
            and the student during distillation.

    Example:
    >>> layer = HyperConv2D(8, 3, padding="same", num_tasks=2)
    >>> y = layer(keras.ops.ones((1, 16, 16, 4)), task=1, z=keras.ops.ones((64,)))

    Reference: Zhai, Chen, Mori, "Hyper-LifelongGAN: Scalable Lifelong Learning
    for Image Conditioned Generation", CVPR 2021, section 3.1.
    """


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class HyperConv2DTranspose(_HyperKernel):
    """Transposed 2D convolution with per-task generated filters.

    The same factorisation as `HyperConv2D` (see there for every argument); the
    generated filter is laid out as (k, k, c_out, c_in), as a transposed
    convolution wants it. With padding="same" a stride-s layer multiplies the
    spatial size by exactly s.
    """

    transposed = True
