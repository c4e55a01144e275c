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
"""

import keras
import tensorflow as tf


def summed_rows(gradient):
    """(indices, values) of a `tf.IndexedSlices` with the values of repeated indices
    summed at every position that holds the index (a gather of several images of one
    task lists that task once per image). Positions sharing an index then carry the
    same values, so writing them all back is well defined. No `tf.unique`: its output
    has a shape known only at run time, which XLA does not compile."""
    indices, values = gradient.indices, gradient.values
    same = tf.cast(tf.equal(indices[:, None], indices[None, :]), values.dtype)
    flat = tf.reshape(values, (tf.shape(values)[0], -1))
    return indices, tf.reshape(tf.matmul(same, flat), tf.shape(values))


def _tf_variable(variable):
    """The `tf.Variable` of a Keras variable (a gather then reads only its rows); under a
    distribution strategy the optimizer is handed the `tf.Variable` itself."""
    return variable.value if isinstance(variable, keras.Variable) else variable


class RowSparseAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose update of a row-sparse gradient (`tf.IndexedSlices`)
    touches only the rows it names: their moments and values (see the module
    docstring). Same arguments and slots as Adam, so checkpoints are interchangeable."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.amsgrad:
            raise ValueError("RowSparseAdam does not implement amsgrad.")

    def update_step(self, gradient, variable, learning_rate):
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        indices, rows_gradient = summed_rows(gradient)
        rows_gradient = tf.cast(rows_gradient, dtype)
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        alpha = tf.cast(learning_rate, dtype) * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
        index = self._get_variable_index(variable)
        momentum, velocity = self._momentums[index], self._velocities[index]
        # Adam's formulas (keras.optimizers.Adam.update_step), on the gathered rows.
        m = tf.gather(_tf_variable(momentum), indices)
        v = tf.gather(_tf_variable(velocity), indices)
        m = m + (rows_gradient - m) * (1 - beta_1)
        v = v + (tf.square(rows_gradient) - v) * (1 - beta_2)
        values = tf.gather(_tf_variable(variable), indices) - (m * alpha) / (tf.sqrt(v) + self.epsilon)
        self.assign(momentum, tf.IndexedSlices(m, indices))
        self.assign(velocity, tf.IndexedSlices(v, indices))
        self.assign(variable, tf.IndexedSlices(values, indices))
