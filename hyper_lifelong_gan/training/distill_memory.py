"""A memory of each earlier task's latest distillation gradient, which turns the
sampled distillation term into a variance-reduced estimate (`--distill_memory`).

With `--distill_tasks_per_step=K`, a step computes the distillation gradient g_j of
only the K drawn earlier tasks j, and plain sampling uses (t-1)/K times their sum:
unbiased for eq. 10's sum over all t-1 tasks, but in any one step the shared
weights feel only the drawn tasks, strongly. The memory keeps, per earlier task j,
the gradient G_j it had when it was last drawn, and their sum S = sum_j G_j. A
step that draws the tasks J then uses

    saga:  S + (t-1)/K * sum_{j in J} (g_j - G_j)

(SAGA, Defazio, Bach and Lacoste-Julien 2014): the expected value over the draw is
sum_j g_j, eq. 10's gradient, as before, but every earlier task pulls in every
step, through its stored gradient, and the noise is only in the drawn tasks'
change since they were stored, which is small while the weights move slowly.
Afterwards G_j = g_j for j in J and S follows. Until a task is first drawn its
G_j is zero, so the first cycle of draws (which covers every earlier task:
`losses.cycled_tasks`) is plain sampling.

The gradients are of the averaged, beta-weighted distillation term, summed over
the replicas (every replica holds the same memory), and stored unscaled in float32
whatever the loss scaling. The memory costs t-1 float32 copies of the weights the
step trains, plus one for S.
"""

import keras
import tensorflow as tf


class DistillationMemory:
    """The stored gradients of `num_earlier` tasks for `variables` (the step's
    trainable generator weights); create it inside the strategy's scope.

    Its variables are `tables` (one [num_earlier, *shape] per weight) and `totals`
    (S, one per weight); `trackable()` checkpoints them, so a resumed run continues
    with the memory an uninterrupted one would have.
    """

    def __init__(self, variables, num_earlier, name="distill_memory"):
        self.num_earlier = num_earlier
        self.tables = [
            tf.Variable(tf.zeros((num_earlier, *variable.shape), tf.float32), trainable=False,
                        name=f"{name}_table_{index}")
            for index, variable in enumerate(variables)
        ]
        self.totals = [
            tf.Variable(tf.zeros(variable.shape, tf.float32), trainable=False, name=f"{name}_total_{index}")
            for index, variable in enumerate(variables)
        ]

    def trackable(self):
        return tf.train.Checkpoint(tables=self.tables, totals=self.totals)

    def estimate(self, fresh, tasks, weight):
        """The variance-reduced distillation gradient of each weight, and the memory
        updated with `fresh`.

        Args:
            fresh: per drawn task, the list of its gradients (one per weight, None
                where the task does not reach the weight), unscaled and summed over
                replicas.
            tasks: int32 tensor of the drawn tasks, distinct, in `fresh`'s order.
            weight: (t-1)/K, the weight of the drawn tasks in plain sampling.

        Returns:
            One tensor per weight, and a
            boolean tensor: whether every fresh gradient was finite. A non-finite
            one (a loss-scale overflow) leaves the memory as it was and makes the
            estimate non-finite too, so the optimizer skips the step as it would.
        """
        finite = tf.reduce_all([
            tf.reduce_all(tf.math.is_finite(gradient))
            for per_task in fresh for gradient in per_task if gradient is not None
        ])
        estimates = []
        for index, (table, total) in enumerate(zip(self.tables, self.totals)):
            gradients = [per_task[index] for per_task in fresh]
            if all(gradient is None for gradient in gradients):
                estimates.append(tf.convert_to_tensor(total))  # the drawn tasks' change is zero
                continue
            stored_table = tf.convert_to_tensor(table)
            stored = tf.gather(stored_table, tasks)  # [K, *shape]
            new = tf.stack([
                tf.zeros_like(stored[k]) if gradient is None else tf.cast(gradient, tf.float32)
                for k, gradient in enumerate(gradients)
            ])
            change = tf.reduce_sum(new - stored, axis=0)
            estimates.append(tf.convert_to_tensor(total) + weight * change)
            # Gather and scatter on the read value, not the variable: XLA recompiles
            # the step for every drawn index otherwise.
            updated_table = tf.tensor_scatter_nd_update(stored_table, tf.reshape(tasks, (-1, 1)), new)
            table.assign(tf.where(finite, updated_table, stored_table))
            total.assign_add(tf.where(finite, change, tf.zeros_like(change)))
        return estimates, finite


def loss_scale(optimizer):
    """The factor a `LossScaleOptimizer` multiplies the loss by (1 without one)."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return tf.cast(tf.convert_to_tensor(optimizer.dynamic_scale), tf.float32)
    return tf.constant(1.0, tf.float32)
