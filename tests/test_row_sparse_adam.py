"""RowSparseAdam: Adam's update on the rows a gathered gradient names, nothing on the others."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan.training.row_sparse_adam import RowSparseAdam

ROWS, COLUMNS = 5, 3


def numpy_adam(value, gradients, learning_rate=0.01, beta_1=0.5, beta_2=0.999, epsilon=1e-7):
    """Adam on a NumPy array, one update per gradient (None: the step leaves it alone
    and does not count for its moments: the lazy rule of one row)."""
    m, v, step = np.zeros_like(value), np.zeros_like(value), 0
    for gradient in gradients:
        step += 1
        if gradient is None:
            continue
        m = m + (gradient - m) * (1 - beta_1)
        v = v + (gradient**2 - v) * (1 - beta_2)
        alpha = learning_rate * np.sqrt(1 - beta_2**step) / (1 - beta_1**step)
        value = value - m * alpha / (np.sqrt(v) + epsilon)
    return value


def gather_gradient(variable, indices, weights):
    """The gradient of sum(weights * variable[indices]): a tf.IndexedSlices."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.constant(weights, tf.float32) * tf.gather(variable, indices))
    return tape.gradient(loss, variable)


def start(seed=0):
    initial = np.random.default_rng(seed).normal(size=(ROWS, COLUMNS)).astype(np.float32)
    variable = keras.Variable(initial)
    optimizer = RowSparseAdam(0.01, beta_1=0.5)
    optimizer.build([variable])
    return initial, variable, optimizer


def test_dense_gradients_take_adams_update():
    initial, variable, optimizer = start()
    adam_variable = keras.Variable(initial)
    adam = keras.optimizers.Adam(0.01, beta_1=0.5)
    adam.build([adam_variable])
    for step in range(3):
        gradient = tf.constant(np.random.default_rng(step).normal(size=(ROWS, COLUMNS)), tf.float32)
        optimizer.apply_gradients([(gradient, variable)])
        adam.apply_gradients([(gradient, adam_variable)])
    np.testing.assert_array_equal(variable.numpy(), adam_variable.numpy())


def test_only_the_gathered_rows_move_each_by_its_own_adam():
    initial, variable, optimizer = start()
    rng = np.random.default_rng(1)
    # Row 1 in both steps (twice in the second: its two gradients add up), row 3 only in
    # the first, row 4 only in the second; rows 0 and 2 never.
    plan = [([1, 3], rng.normal(size=(2, COLUMNS))), ([4, 1, 1], rng.normal(size=(3, COLUMNS)))]
    expected_gradients = {row: [] for row in range(ROWS)}
    for indices, weights in plan:
        gradient = gather_gradient(variable, indices, weights)
        assert isinstance(gradient, tf.IndexedSlices)
        optimizer.apply_gradients([(gradient, variable)])
        for row in range(ROWS):
            used = [w for index, w in zip(indices, weights) if index == row]
            expected_gradients[row].append(np.sum(used, axis=0) if used else None)
    for row in range(ROWS):
        expected = numpy_adam(initial[row].astype(np.float64), expected_gradients[row])
        np.testing.assert_allclose(variable.numpy()[row], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(variable.numpy()[[0, 2]], initial[[0, 2]])


def test_rows_used_in_every_step_follow_adam_on_the_dense_gradient():
    """Where every row is gathered in every step (a task learned with exact
    distillation), the lazy update is Adam's."""
    initial, variable, optimizer = start()
    adam_variable = keras.Variable(initial)
    adam = keras.optimizers.Adam(0.01, beta_1=0.5)
    adam.build([adam_variable])
    for step in range(4):
        indices = list(np.random.default_rng(step).permutation(ROWS)) + [2]
        weights = np.random.default_rng(10 + step).normal(size=(ROWS + 1, COLUMNS))
        optimizer.apply_gradients([(gather_gradient(variable, indices, weights), variable)])
        adam.apply_gradients([(tf.convert_to_tensor(gather_gradient(adam_variable, indices, weights)), adam_variable)])
    np.testing.assert_allclose(variable.numpy(), adam_variable.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_compiled_update_matches_the_eager_one(jit_compile):
    initial, variable, optimizer = start()
    _, eager_variable, eager_optimizer = start()
    indices, weights = [0, 3, 3], np.random.default_rng(2).normal(size=(3, COLUMNS))

    @tf.function(jit_compile=jit_compile)
    def step():
        optimizer.apply_gradients([(gather_gradient(variable, indices, weights), variable)])

    for _ in range(2):
        step()
        eager_optimizer.apply_gradients([(gather_gradient(eager_variable, indices, weights), eager_variable)])
    np.testing.assert_allclose(variable.numpy(), eager_variable.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(variable.numpy()[[1, 2, 4]], initial[[1, 2, 4]])


def test_a_sampled_distillation_step_moves_only_the_rows_of_the_tasks_it_used():
    """Task 4 with one earlier task drawn a step: the rows of the task drawn in one step
    stay where they are in the next (Adam's momentum would move them); the learned
    task's and the newly drawn task's rows move."""
    from distilling_step import build

    from hyper_lifelong_gan.config import TrainConfig
    from hyper_lifelong_gan.training import distillation_schedule

    config = TrainConfig(ngf=4, n_blocks=1, ndf=8, batch_size=2, image_size=32,
                         distillation="sampled", distill_passes=1, distill_runs=1)
    student, step = build(config, task=3)
    stacked = [v for layer in student.models[0].layers for v in getattr(layer, "stacked_task_weights", [])]
    assert stacked

    def rows():
        return np.stack([np.concatenate([v.numpy()[task].ravel() for v in stacked]) for task in range(4)])

    # The task each step draws (step i is seeded with (6, i), as the trainer seeds them).
    drawn = [int(distillation_schedule.cycled_tasks(3, 1, tf.constant((6, i)))[0]) for i in range(3)]
    shape = (config.batch_size, config.image_size, config.image_size, 3)
    inputs, targets = (tf.random.stateless_uniform(shape, (seed, 0), -1, 1) for seed in (1, 2))
    z = student.models[0].sample_z(5)
    moved = []
    for index in range(3):
        before = rows()
        step(inputs, targets, z, tf.constant((6, index)))
        moved.append({task for task in range(4) if not np.array_equal(rows()[task], before[task])})
    # In the first step the student is its teacher: the L1 of a zero difference has a zero
    # gradient, so only the learned task moves. From then on the drawn task moves too.
    assert moved == [{3}, {3, drawn[1]}, {3, drawn[2]}]
    assert drawn[1] != drawn[2]


def test_a_training_step_reads_stacked_weights_row_by_row():
    """Once RowSparseAdam has written rows into a stacked weight, TensorFlow copies the whole
    variable at every dense read of it (its copy-on-read mode), so a step that read a
    task's row through a dense read grew with the number of tasks learned. The layers
    gather rows from the variable itself instead: no stacked weight is read whole."""
    from distilling_step import build

    from hyper_lifelong_gan.config import TrainConfig

    config = TrainConfig(ngf=4, n_blocks=1, ndf=8, batch_size=2, image_size=32,
                         distillation="sampled", distill_passes=1, distill_runs=2)
    student, step = build(config, task=3)
    stacked = [v for layer in student.models[0].layers for v in getattr(layer, "stacked_task_weights", [])]
    shape = (config.batch_size, config.image_size, config.image_size, 3)
    graph = step._step.get_concrete_function(
        tf.zeros(shape), tf.zeros(shape), student.models[0].sample_z(0), tf.constant((0, 0))).graph
    handles = {id(v.value.handle) for v in stacked}
    stacked_inputs = {internal.ref() for external, internal in graph.captures if id(external) in handles}
    assert len(stacked_inputs) == len(stacked)
    readers = {op.type for op in graph.get_operations()
               if any(tensor.ref() in stacked_inputs for tensor in op.inputs)}
    assert "ResourceGather" in readers
    assert "ReadVariableOp" not in readers
