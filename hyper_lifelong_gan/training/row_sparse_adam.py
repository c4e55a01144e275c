"""Adam that updates only the rows of a stacked per-task weight that a step used.

Every per-task weight is one variable with a row per task (`layers.task_selection`),
and the layers read a task's row with a gather, whose gradient is a `tf.IndexedSlices`:
the rows used and their gradients. Keras' Adam turns that into a dense gradient and
updates every row of every stacked weight, so at toy size, where a task's rows are a
large share of the model, the optimizer's work grows with the number of tasks learned
(at task 100 it was most of the step's growth from task 10).

`RowSparseAdam` updates only the gathered rows, with their moments (the "lazy" Adam
of sparse embeddings); dense gradients take Keras' own update, and so do all gradients
under `--mixed_precision` on a GPU (float16), whose loss-scale wrapper makes them
dense. The two make the same update (up to the order of float additions) where every
row is used in every step: the task being learned with exact distillation (eq. 10)
uses every earlier task's rows in every step, so its updates are Adam's. They differ
for the rows sampled distillation reaches only in some steps: Adam keeps moving such a
row on its momentum after its task was drawn, the lazy update moves it only in the
steps that draw its task. Rows no step uses (the tasks a method freezes)
stay as they are under both, since each task starts a fresh optimizer.

Across replicas (`--strategy=mirrored` or `multi_worker`) a row-sparse gradient is
summed by gathering every replica's rows. TensorFlow gathers each gradient on its own
(three gathers: lengths, values, indices), and a tiny generator has 55 of them;
`RowSparseAdam` packs them all into three gathers (`all_gather_row_gradients`), with
the same rows in the same order. Two workers on one 2-core machine (ngf 4) took
0.05 s a step instead of 0.3 s, and reached their first step in 8 s instead of 17 s.
"""

import keras
import tensorflow as tf

from hyper_lifelong_gan.layers.task_selection import gather_rows


def summed_rows(gradient):
    """(indices, values) of a `tf.IndexedSlices` with the values of repeated indices
    summed at every position that holds the index (a gather of several images of one
    task lists that task once per image). Positions sharing an index then carry the
    same values, so writing them all back is well defined. No `tf.unique`: its output
    has a shape known only at run time, which XLA does not compile."""
    indices, values = gradient.indices, gradient.values
    same = tf.cast(tf.equal(tf.expand_dims(indices, 1), tf.expand_dims(indices, 0)), values.dtype)
    flat = tf.reshape(values, (tf.shape(values)[0], -1))
    return indices, tf.reshape(tf.matmul(same, flat), tf.shape(values))


def all_gather_row_gradients(context, gradients):
    """The sum over the replicas of `context` of each `tf.IndexedSlices` in `gradients`:
    every replica's rows, in replica order, as TensorFlow's all-reduce gives them, but
    in three gathers for all of them: each replica's row counts, then its values and
    its indices, each packed into one flat tensor. Replicas may hold different
    numbers of rows. The gradients share one dtype; call it in a replica context
    inside a `tf.function`."""
    replicas = context.num_replicas_in_sync
    row_sizes = [gradient.values.shape[1:].num_elements() for gradient in gradients]
    counts = tf.stack([tf.shape(gradient.indices, out_type=tf.int64)[0] for gradient in gradients])
    all_counts = context.all_gather(counts[None], axis=0)  # (replicas, gradients)
    values = context.all_gather(tf.concat([tf.reshape(gradient.values, [-1]) for gradient in gradients], 0), axis=0)
    indices = context.all_gather(tf.concat([tf.cast(gradient.indices, tf.int64) for gradient in gradients], 0), axis=0)
    pieces = len(gradients) * replicas
    value_parts = tf.split(values, tf.reshape(all_counts * row_sizes, [-1]), num=pieces)
    index_parts = tf.split(indices, tf.reshape(all_counts, [-1]), num=pieces)
    summed = []
    for i, gradient in enumerate(gradients):
        parts = range(i, pieces, len(gradients))  # gradient i's part of each replica
        summed.append(tf.IndexedSlices(
            tf.reshape(tf.concat([value_parts[p] for p in parts], 0), [-1, *gradient.values.shape[1:]]),
            tf.cast(tf.concat([index_parts[p] for p in parts], 0), gradient.indices.dtype),
            gradient.dense_shape,
        ))
    return summed


class RowSparseAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose update of a row-sparse gradient (`tf.IndexedSlices`)
    touches only the rows it names: their moments and values (see the module
    docstring). Same arguments and slots as Adam, so checkpoints are interchangeable."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("RowSparseAdam does not implement amsgrad.")
        self._constants_of_this_update = None

    def update_step(self, gradient, variable, learning_rate):
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        indices, rows_gradient = summed_rows(gradient)
        rows_gradient = tf.cast(rows_gradient, dtype)
        alpha, beta_1, beta_2, epsilon = self._sparse_constants(learning_rate, dtype)
        index = self._get_variable_index(variable)
        momentum, velocity = self._momentums[index], self._velocities[index]
        # Adam's formulas (keras.optimizers.Adam.update_step), on the gathered rows.
        # Gathered from the variables themselves, reading only these rows (`gather_rows`;
        # under a distribution strategy the optimizer is handed the `tf.Variable` itself).
        m = gather_rows(momentum, indices)
        v = gather_rows(velocity, indices)
        m = m + (rows_gradient - m) * (1 - beta_1)
        v = v + (tf.square(rows_gradient) - v) * (1 - beta_2)
        values = gather_rows(variable, indices) - (m * alpha) / (tf.sqrt(v) + epsilon)
        self.assign(momentum, tf.IndexedSlices(m, indices))
        self.assign(velocity, tf.IndexedSlices(v, indices))
        self.assign(variable, tf.IndexedSlices(values, indices))

    def _sparse_constants(self, learning_rate, dtype):
        """(Adam's step size at this step, beta_1, beta_2, epsilon) in `dtype`: made once
        per update of all variables (`_distributed_tf_update_step`), not once per
        variable, which put some 20 more ops per stacked weight into the traced step."""
        cache = self._constants_of_this_update
        if cache is None or dtype not in cache:
            step = tf.cast(self.iterations + 1, dtype)
            beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
            alpha = tf.cast(learning_rate, dtype) * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
            constants = (alpha, beta_1, beta_2, tf.cast(self.epsilon, dtype))
            if cache is None:
                return constants
            cache[dtype] = constants
        return cache[dtype]

    def _distributed_tf_update_step(self, distribution, grads_and_vars, learning_rate):
        # Keras' TensorFlow backend updates every variable in this one call, in
        # cross-replica context, with one `learning_rate` tensor.
        self._constants_of_this_update = {}
        try:
            return super()._distributed_tf_update_step(distribution, grads_and_vars, learning_rate)
        finally:
            self._constants_of_this_update = None

    def _all_reduce_sum_gradients(self, grads_and_vars):
        """Keras' sum over replicas, with the row-sparse gradients of each dtype gathered
        together (`all_gather_row_gradients`) instead of one by one."""
        grads_and_vars = list(grads_and_vars)
        context = tf.distribute.get_replica_context()
        sparse = [i for i, (gradient, _) in enumerate(grads_and_vars) if isinstance(gradient, tf.IndexedSlices)]
        if context is None or context.num_replicas_in_sync == 1 or len(sparse) < 2 or tf.executing_eagerly():
            return super()._all_reduce_sum_gradients(grads_and_vars)
        gradients = [gradient for gradient, _ in grads_and_vars]
        dense = [i for i, gradient in enumerate(gradients) if gradient is not None and i not in sparse]
        if dense:
            summed = context.all_reduce(tf.distribute.ReduceOp.SUM, [gradients[i] for i in dense])
            for i, gradient in zip(dense, summed):
                gradients[i] = gradient
        for dtype in dict.fromkeys(gradients[i].values.dtype for i in sparse):
            group = [i for i in sparse if gradients[i].values.dtype == dtype]
            for i, gradient in zip(group, all_gather_row_gradients(context, [gradients[i] for i in group])):
                gradients[i] = gradient
        return [(gradient, variable) for gradient, (_, variable) in zip(gradients, grads_and_vars)]
