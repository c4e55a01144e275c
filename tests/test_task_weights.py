"""Stacked per-task weights (layers/task_selection.py): one variable per kind of weight,
a row per task, initialised row by row."""

import keras
import numpy as np
from layer_test_case import HIDDEN, TINY_HYPER, Z_DIM, K, _images, _np, _z

from hyper_lifelong_gan.layers import HyperConv2D, TaskInstanceNorm
from hyper_lifelong_gan.layers.task_selection import TaskRuns, add_task_weights
from hyper_lifelong_gan.models import ResnetGenerator, build_generator, grow_generator

TINY_GENERATOR = dict(ngf=4, n_blocks=1, num_bases=K, z_dim=Z_DIM, hidden_units=HIDDEN)


def test_every_row_of_a_random_weight_is_drawn_on_its_own():
    # One unseeded initializer reused for every row would give equal rows.
    layer = HyperConv2D(5, 3, num_tasks=3, **TINY_HYPER)
    layer.build((None, None, None, 4))
    for weight in layer.filter_generators:
        rows = _np(weight)
        if weight.name == "tasks_hidden_bias":
            assert not np.any(rows)  # zeros for every task
            continue
        for a in range(3):
            for b in range(a + 1, 3):
                assert not np.array_equal(rows[a], rows[b]), weight.name
    np.testing.assert_array_equal(_np(layer.coefficients), np.broadcast_to(np.eye(K), (3, K, K)))


def test_rows_are_drawn_task_by_task_like_separate_variables():
    # Row i of each weight gets the draws a separate variable of task i would get,
    # in the order all of task 0's weights, then all of task 1's, ...
    specs = [("a", (2, 3), "glorot_normal"), ("b", (4,), lambda: keras.initializers.RandomNormal())]
    keras.utils.set_random_seed(5)
    layer = keras.layers.Layer()
    a, b = add_task_weights(layer, 2, specs)
    keras.utils.set_random_seed(5)
    separate = [
        keras.initializers.get("glorot_normal")((2, 3)), keras.initializers.RandomNormal()((4,)),
        keras.initializers.get("glorot_normal")((2, 3)), keras.initializers.RandomNormal()((4,)),
    ]
    np.testing.assert_array_equal(_np(a), np.stack([_np(separate[0]), _np(separate[2])]))
    np.testing.assert_array_equal(_np(b), np.stack([_np(separate[1]), _np(separate[3])]))


def test_a_symbolic_build_gives_the_weights_of_an_eager_one():
    # Keras traces a symbolic build of a subclassed model's layers; the rows must not
    # depend on whether (or how often) their initializers were called for it.
    keras.utils.set_random_seed(11)
    eager = build_generator(num_tasks=2, **TINY_GENERATOR)
    keras.utils.set_random_seed(11)
    symbolic = ResnetGenerator(num_tasks=2, **TINY_GENERATOR)
    symbolic(keras.KerasTensor((None, 16, 16, 3)), task=1, z=_z())
    assert [w.path for w in symbolic.weights] == [w.path for w in eager.weights]
    for a, b in zip(eager.weights, symbolic.weights):
        np.testing.assert_array_equal(_np(a), _np(b), err_msg=a.path)


def test_growing_copies_earlier_rows_and_adds_a_fresh_one():
    generator = build_generator(num_tasks=2, **TINY_GENERATOR)
    for weight in generator.stacked_task_weights:
        weight.assign(_np(weight) + 0.25)  # away from the initial values
    grown = grow_generator(generator, 3)
    for old, new in zip(generator.stacked_task_weights, grown.stacked_task_weights):
        assert new.shape[0] == 3 and old.path == new.path
        np.testing.assert_array_equal(_np(new)[:2], _np(old))
        assert not np.array_equal(_np(new)[2], _np(old)[1])
    x, z = _images((1, 16, 16, 3)), _z()
    for task in range(2):
        np.testing.assert_array_equal(_np(grown(x, task=task, z=z)), _np(generator(x, task=task, z=z)))


def test_norm_runs_take_each_runs_row():
    norm = TaskInstanceNorm(num_tasks=3)
    x = _images((3, 5, 5, 4))
    norm(x, task=0)
    norm.gamma.assign(np.arange(12, dtype="float32").reshape(3, 4) + 1.0)
    norm.beta.assign(-np.arange(12, dtype="float32").reshape(3, 4))
    runs = _np(norm(x, task=TaskRuns([2, 0], [2, 1])))
    np.testing.assert_allclose(runs[:2], _np(norm(x[:2], task=2)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(runs[2:], _np(norm(x[2:], task=0)), rtol=1e-6, atol=1e-6)
