"""The ResNet generator (Johnson et al. 2016; CycleGAN/pix2pix), built from any conv kind."""

import keras
from keras import ops

from hyper_lifelong_gan.config import PADDINGS
from hyper_lifelong_gan.layers import (
    HyperConv2D,
    HyperConv2DTranspose,
    PiggybackConv2D,
    PiggybackConv2DTranspose,
    PlainConv2D,
    PlainConv2DTranspose,
    ReflectionPadding2D,
    TaskInstanceNorm,
)

CONV_KINDS = ("hyper", "plain", "piggyback")


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class ResnetGenerator(keras.Model):
    """ResNet image-to-image generator that serves several tasks.

    c7s1-ngf, d(2 ngf), d(4 ngf), n residual blocks R(4 ngf), u(2 ngf), u(ngf),
    c7s1-3, tanh; reflection padding, instance normalisation, a bias only on the
    last convolution (the others' would be cancelled by the instance norm that
    follows; per task where the filters are), as in CycleGAN's ResnetGenerator. The
    paper's ResNet-6 at ngf=64 has 7,841,411 parameters with conventional filters
    and 6,274,451 hyper-factorized, 193,299 of them per task.

    Args:
        num_tasks: how many tasks the model serves; task-specific parameters are
            created for each (a model never grows in place: see `grow_generator`).
        conv_kind: "hyper" (Hyper-LifelongGAN), "plain" (conventional filters
            shared by all tasks) or "piggyback" (PiggybackGAN filters).
        ngf: channels of the first layer (paper: 64).
        n_blocks: residual blocks (paper: 6).
        num_bases, z_dim, hidden_units, dynamic_base_filters,
        task_specific_base_filters, task_coefficients: passed to the hyper layers.
        task_conditional_norm: one instance-norm (gamma, beta) per task; if False,
            one pair shared by all tasks.
        unconstrained_fraction: lambda of the piggyback layers.
        padding: how the stride-2 convolutions align: "same" (TensorFlow's, pad
            bottom/right) or "reference" (CycleGAN/pix2pix's PyTorch padding 1; see
            `layers.TaskConvolution`); the other convolutions reflection-pad.

    Call arguments:
        inputs: images in [-1, 1], shape (batch, height, width, 3), height and
            width divisible by 4.
        task: which task to perform: a Python int, a scalar integer tensor (the
            task's parameters are gathered; used by sampled distillation), or runs
            of the batch with a task each (`layers.task_selection.TaskRuns`, used
            by `--distill_runs`).
        z: noise vector of shape (z_dim,), required by the hyper kind.

    Example:
    >>> g = ResnetGenerator(num_tasks=2, ngf=8, n_blocks=1)
    >>> y = g(keras.ops.zeros((1, 32, 32, 3)), task=1, z=keras.ops.ones((64,)))

    Saving: `g.save("g.keras")` and `keras.models.load_model("g.keras")` round-trip
    every task's weights (`build_from_config` builds the model with a dummy call).
    """

    def __init__(
        self,
        num_tasks=1,
        conv_kind="hyper",
        ngf=64,
        n_blocks=6,
        num_bases=7,
        z_dim=64,
        hidden_units=64,
        dynamic_base_filters=True,
        task_specific_base_filters=True,
        task_coefficients=True,
        task_conditional_norm=True,
        unconstrained_fraction=0.5,
        output_channels=3,
        padding="same",
        **kwargs,
    ):
        kwargs.setdefault("name", "generator")
        super().__init__(**kwargs)
        if conv_kind not in CONV_KINDS:
            raise ValueError(f"Unknown conv_kind {conv_kind!r}; valid kinds are {', '.join(CONV_KINDS)}.")
        if padding not in PADDINGS:
            raise ValueError(f"Unknown padding {padding!r}; valid choices are {', '.join(PADDINGS)}.")
        self.num_tasks = num_tasks
        self.conv_kind = conv_kind
        self.ngf = ngf
        self.n_blocks = n_blocks
        self.num_bases = num_bases
        self.z_dim = z_dim
        self.hidden_units = hidden_units
        self.dynamic_base_filters = dynamic_base_filters
        self.task_specific_base_filters = task_specific_base_filters
        self.task_coefficients = task_coefficients
        self.task_conditional_norm = task_conditional_norm
        self.unconstrained_fraction = unconstrained_fraction
        self.output_channels = output_channels
        self.padding = padding

        def conv(name, filters, kernel_size, strides=1, padding="valid", transposed=False, use_bias=False):
            if conv_kind == "hyper":
                layer = HyperConv2DTranspose if transposed else HyperConv2D
                return layer(
                    filters, kernel_size, strides, padding, num_tasks=num_tasks, num_bases=num_bases,
                    z_dim=z_dim, hidden_units=hidden_units, dynamic_base_filters=dynamic_base_filters,
                    task_specific_base_filters=task_specific_base_filters,
                    task_coefficients=task_coefficients, use_bias=use_bias, name=name, dtype=self.dtype_policy,
                )
            if conv_kind == "piggyback":
                layer = PiggybackConv2DTranspose if transposed else PiggybackConv2D
                return layer(
                    filters, kernel_size, strides, padding, num_tasks=num_tasks,
                    unconstrained_fraction=unconstrained_fraction, use_bias=use_bias, name=name,
                    dtype=self.dtype_policy,
                )
            layer = PlainConv2DTranspose if transposed else PlainConv2D
            return layer(filters, kernel_size, strides, padding, use_bias=use_bias, name=name, dtype=self.dtype_policy)

        def norm(name):
            return TaskInstanceNorm(num_tasks if task_conditional_norm else 1, name=name, dtype=self.dtype_policy)

        self.head_padding = ReflectionPadding2D(3, name="head_padding", dtype=self.dtype_policy)
        self.head_conv = conv("head_conv", ngf, 7)
        self.head_norm = norm("head_norm")
        self.down_convs = [conv(f"down{i}_conv", ngf * 2 ** i, 3, 2, padding) for i in (1, 2)]
        self.down_norms = [norm(f"down{i}_norm") for i in (1, 2)]
        self.block_paddings = [
            ReflectionPadding2D(1, name=f"block{b}_padding", dtype=self.dtype_policy) for b in range(n_blocks)
        ]
        self.block_convs = [
            [conv(f"block{b}_conv{j}", ngf * 4, 3) for j in (1, 2)] for b in range(n_blocks)
        ]
        self.block_norms = [[norm(f"block{b}_norm{j}") for j in (1, 2)] for b in range(n_blocks)]
        self.up_convs = [
            conv(f"up{i}_conv", ngf * 2 ** (2 - i), 3, 2, padding, transposed=True) for i in (1, 2)
        ]
        self.up_norms = [norm(f"up{i}_norm") for i in (1, 2)]
        self.tail_padding = ReflectionPadding2D(3, name="tail_padding", dtype=self.dtype_policy)
        self.tail_conv = conv("tail_conv", output_channels, 7, use_bias=True)

    def build(self, input_shape):
        """Creates every weight by running the network once, eagerly, on a small image.
        Keras' default build of a subclassed model runs `call` symbolically instead, and
        that left about 430 MB behind per 100-task toy generator, after the model itself
        was gone: a run that builds a bigger model for every task grew by that much a
        task."""
        self.call(ops.zeros((1, BUILD_SIZE, BUILD_SIZE, input_shape[-1])), task=0, z=ops.zeros((self.z_dim,)))

    def _norm_task(self, task):
        if self.task_conditional_norm:
            return task
        return 0  # one (gamma, beta) serves every task, and so every run of a batch

    def call(self, inputs, task=0, z=None, training=False):
        if self.conv_kind == "hyper" and z is None:
            raise ValueError("A hyper generator needs the noise vector `z` (shape (z_dim,)); see `sample_z`.")
        norm_task = self._norm_task(task)
        x = self.head_conv(self.head_padding(inputs), task=task, z=z)
        x = ops.relu(self.head_norm(x, task=norm_task))
        for conv, norm in zip(self.down_convs, self.down_norms):
            x = ops.relu(norm(conv(x, task=task, z=z), task=norm_task))
        for padding, (conv1, conv2), (norm1, norm2) in zip(self.block_paddings, self.block_convs, self.block_norms):
            y = ops.relu(norm1(conv1(padding(x), task=task, z=z), task=norm_task))
            y = norm2(conv2(padding(y), task=task, z=z), task=norm_task)
            x = x + y
        for conv, norm in zip(self.up_convs, self.up_norms):
            x = ops.relu(norm(conv(x, task=task, z=z), task=norm_task))
        x = self.tail_conv(self.tail_padding(x), task=task, z=z)
        x = ops.tanh(ops.cast(x, "float32"))
        return x

    def conv_layers(self):
        return [
            self.head_conv, *self.down_convs, *[c for pair in self.block_convs for c in pair],
            *self.up_convs, self.tail_conv,
        ]

    def norm_layers(self):
        return [self.head_norm, *self.down_norms, *[n for pair in self.block_norms for n in pair], *self.up_norms]

    @property
    def stacked_task_weights(self):
        """Every variable with a row per task (see `layers.task_selection`): the conv
        layers' and, if task-conditional, the norms' (otherwise their single row is
        shared by every task)."""
        layers = self.conv_layers() + (self.norm_layers() if self.task_conditional_norm else [])
        return [v for layer in layers for v in layer.stacked_task_weights]

    def task_variables(self, task):
        """What training task `task` alone may change: its own piggyback filters, and
        the stacked per-task weights whole. A loss on task `task` alone gives the
        other tasks' rows exact zero gradients, which leave them unchanged under an
        Adam started afresh for the task."""
        variables = [v for layer in self.conv_layers() for v in layer.task_weights(task)]
        return variables + self.stacked_task_weights

    def sample_z(self, seed):
        """A deterministic noise vector for `seed` (an int or a shape-[2] int tensor)."""
        import tensorflow as tf

        if isinstance(seed, int):
            seed = (seed, 0)
        return tf.random.stateless_normal((self.z_dim,), seed=seed)

    def get_build_config(self):
        # Every weight's shape follows from the constructor's arguments alone, so a
        # build at any image size recreates them all (what `build_generator` does).
        return {"input_shape": [None, BUILD_SIZE, BUILD_SIZE, 3]}

    def build_from_config(self, config):
        """Creates every weight, so that `keras.models.load_model` can restore them
        (the call needs `task` and `z`, which Keras' automatic build cannot know)."""
        _build(self)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_tasks=self.num_tasks, conv_kind=self.conv_kind, ngf=self.ngf, n_blocks=self.n_blocks,
            num_bases=self.num_bases, z_dim=self.z_dim, hidden_units=self.hidden_units,
            dynamic_base_filters=self.dynamic_base_filters,
            task_specific_base_filters=self.task_specific_base_filters,
            task_coefficients=self.task_coefficients, task_conditional_norm=self.task_conditional_norm,
            unconstrained_fraction=self.unconstrained_fraction, output_channels=self.output_channels,
            padding=self.padding,
        )
        return config


# The side of the dummy image a generator is built with (any multiple of 4 >= 8).
BUILD_SIZE = 16


def _build(generator):
    z = ops.zeros((generator.z_dim,))
    generator(ops.zeros((1, BUILD_SIZE, BUILD_SIZE, 3)), task=0, z=z)


def build_generator(**config):
    """A `ResnetGenerator` with every weight created (its build needs one call)."""
    generator = ResnetGenerator(**config)
    _build(generator)
    return generator


def grow_generator(generator, num_tasks, copy_from=None):
    """A new generator for `num_tasks` tasks holding copies of `generator`'s weights.

    Keras 3 forbids new weights on a built layer, so a model that learns a task
    is rebuilt with one more row in every stacked per-task weight; shared weights
    and the rows of earlier tasks are copied by path, the new task's row is freshly
    initialised (identity coefficients), or, with `copy_from`, a copy of that task's
    row (`--task_init=previous`). `generator` itself is left untouched: it is
    exactly the frozen teacher of the distillation loss.
    """
    config = generator.get_config()
    config.pop("trainable", None)
    config.pop("dtype", None)
    config["num_tasks"] = num_tasks
    grown = build_generator(**config)
    copy_weights(generator, grown)
    if copy_from is not None:
        old = generator.num_tasks
        for variable in _stacked_task_weights(grown):
            if variable.shape[0] > old:
                source = ops.repeat(variable[copy_from:copy_from + 1], variable.shape[0] - old, axis=0)
                variable.assign(ops.concatenate([variable[:old], source], axis=0))
    return grown


def _relative_path(variable):
    return variable.path.split("/", 1)[1]


def copy_weights(source, target):
    """Assigns every variable of `target` that `source` has under the same path; a
    stacked per-task weight with more rows in `target` receives `source`'s rows first
    and keeps its own for the tasks `source` lacks."""
    by_path = {_relative_path(v): v for v in source.weights}
    stacked = {id(v) for v in _stacked_task_weights(target)}
    copied = 0
    for variable in target.weights:
        match = by_path.get(_relative_path(variable))
        if match is None:
            continue
        if tuple(match.shape) == tuple(variable.shape):
            variable.assign(match)
        elif (
            id(variable) in stacked
            and match.shape[0] < variable.shape[0]
            and tuple(match.shape[1:]) == tuple(variable.shape[1:])
        ):
            variable.assign(ops.concatenate([match, variable[match.shape[0]:]], axis=0))
        else:
            raise ValueError(f"Cannot copy {match.path} of shape {match.shape} into shape {variable.shape}.")
        copied += 1
    return copied


def _stacked_task_weights(model):
    return getattr(model, "stacked_task_weights", [])
