"""How a layer stores the parameters of its tasks and finds those of the task it is asked for.

Per-task parameters are stacked: each kind of per-task weight (a filter generator's
hidden kernel, a norm's gamma, ...) is one variable whose first axis is the task,
row i belonging to task i (`add_task_weights`). The number of variables, and so the
work of the optimizer and of every op that touches them, does not grow as tasks are
learned; only the rows do. A model that gains a task is rebuilt with one more row
and the earlier rows are copied over (`models.copy_weights`).

A task is named in one of three ways:

- a Python int (training, evaluation);
- a scalar integer tensor: the task is only known when the step runs (sampled
  distillation draws it inside the compiled step);
- runs of the batch (`TaskRuns`): consecutive images of the batch, in runs of sizes
  known while tracing, each run with its own task. A convolution runs once per run
  with that run's filter; everything that works image by image (instance norm,
  padding, activations) runs once on the whole batch, with per-image parameters
  where it has any. This is how runs of images distil their own tasks
  (`--distill_runs`) in one pass.

Every way, the layer gathers the rows of the tasks the call uses, so the gradient of
a stacked weight names those rows alone (`tf.IndexedSlices`) and the optimizer
updates only them (`training/row_sparse_adam.py`).
"""

import numbers

import keras
from keras import ops


class TaskRuns:
    """Consecutive runs of a batch with a task each: images [sum(sizes[:r]),
    sum(sizes[:r + 1])) perform task `tasks[r]`.

    A `TaskRuns` belongs to the graph (or eager call) it was made in, since it keeps
    the tensor `per_image` makes.

    Args:
        tasks: one task per run, a list of ints or a 1-D integer tensor.
        sizes: the runs' lengths, positive Python ints (known while tracing) that
            add up to the batch.
    """

    def __init__(self, tasks, sizes):
        self.sizes = tuple(int(size) for size in sizes)
        if not self.sizes or min(self.sizes) < 1:
            raise ValueError(f"Runs need positive sizes, got {sizes!r}.")
        self.tasks = task_list(tasks)
        if len(self.tasks) != len(self.sizes):
            raise ValueError(f"{len(self.tasks)} tasks for {len(self.sizes)} runs; give one task per run.")
        self._per_image = None

    def split(self, inputs):
        """`inputs` cut along the batch into the runs, one tensor per run."""
        if len(self.sizes) == 1:
            return [inputs]
        ends = [sum(self.sizes[:r + 1]) for r in range(len(self.sizes) - 1)]
        return ops.split(inputs, ends, axis=0)

    def per_image(self):
        """The task of every image, an int32 tensor of length sum(sizes): made at the first
        call and kept, since every norm and bias of the generator asks for it (as many
        as 1,000 ops of a traced step when each layer made its own)."""
        if self._per_image is None:
            run_of_image = [run for run, size in enumerate(self.sizes) for _ in range(size)]
            self._per_image = gather_rows(task_indices(self.tasks), run_of_image)
        return self._per_image


def task_indices(tasks):
    """Tasks given one by one (ints or scalar integer tensors) as one int32 tensor."""
    return ops.stack([ops.convert_to_tensor(task, "int32") for task in tasks])


def is_task_runs(task):
    return isinstance(task, TaskRuns)


def is_static_task(task):
    """True when `task` is a Python (or NumPy) integer, known while tracing."""
    return isinstance(task, numbers.Integral)


def task_list(tasks):
    """Several tasks one by one: ints stay ints, a 1-D tensor is unstacked into
    scalar tensors (its length must be known while tracing)."""
    if isinstance(tasks, (list, tuple)):
        return list(tasks)
    if tasks.shape[0] is None:
        raise ValueError("Tasks given as a tensor need a length known while tracing.")
    return list(ops.unstack(tasks, num=tasks.shape[0], axis=0))


def take_task(stacked, task):
    """Row `task` (a Python int or a scalar integer tensor) of a stacked per-task weight,
    or rows, for a 1-D tensor of tasks. Always gathered, never sliced: a gather's
    gradient names the rows it reached (`tf.IndexedSlices`), which the optimizer
    updates alone (`RowSparseAdam`); a slice's gradient is dense, a zero for every
    other task's row."""
    return gather_rows(stacked, task)


def gather_rows(values, indices):
    """`values[indices]` along the first axis, for indices that are never negative (tasks).
    On TensorFlow one gather: `ops.take` first maps negative indices to the end (six
    more ops for each of the few hundred gathers of a training step, which made
    tracing it slower); on other backends `ops.take`. A variable is gathered from
    itself, reading only the rows asked for: once the optimizer has written rows into
    it (`RowSparseAdam`), TensorFlow copies the whole variable at every dense read, so
    reading a task's row through one cost time in proportion to the tasks learned."""
    if keras.backend.backend() != "tensorflow":
        return ops.take(values, indices, axis=0)
    import tensorflow as tf  # only on this backend

    if isinstance(values, keras.Variable):
        values = values.value
    return tf.gather(values, indices, axis=0)


def select(per_task_values, task):
    """The entry of `task` in a Python list with one tensor per task (same shapes):
    indexed for a Python int, gathered from their stack for a tensor. For values that
    are computed per task (a layer's filters), not stored (see `take_task`)."""
    if is_static_task(task):
        return per_task_values[task]
    return gather_rows(ops.stack([getattr(v, "value", v) for v in per_task_values]), task)


def add_task_weights(layer, num_tasks, specs, dtype=None):
    """Creates one stacked variable per entry of `specs`, with `num_tasks` rows.

    `specs` is a list of (name, row shape, initializer), the initializer a name such
    as "zeros" or a function of no arguments that makes one (see `new_initializer`). Row i
    is initialised exactly as a separate variable of task i would be, in the same
    order (all weights of task 0, then all of task 1, ...), so a model's initial
    values do not depend on whether its per-task weights are stacked.

    Returns the variables, in the order of `specs`.
    """
    dtype = dtype or layer.variable_dtype
    # One initializer per row, made now and in this order: an unseeded Keras
    # initializer fixes its seed when it is made, so the values no longer depend on
    # when (or how often: Keras also traces a symbolic build) it is called.
    rows = [[new_initializer(initializer) for _, _, initializer in specs] for _ in range(num_tasks)]

    def initializer_of(index, row_shape):
        def initializer(shape, dtype=None):
            return ops.stack([row[index](row_shape, dtype=dtype) for row in rows])

        return initializer

    return [
        layer.add_weight(
            name=name, shape=(num_tasks, *shape), dtype=dtype, initializer=initializer_of(index, shape)
        )
        for index, (name, shape, _) in enumerate(specs)
    ]


def new_initializer(initializer):
    """A new initializer from a name or a factory (a function of no arguments that
    returns one). Every stacked row needs its own instance, or the rows of an
    unseeded initializer would all be equal."""
    if isinstance(initializer, str):
        return keras.initializers.get(initializer)
    return initializer()
