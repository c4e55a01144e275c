"""`--distill_memory=saga`: each earlier task's stored distillation gradient, and the
SAGA estimate a sampled step uses instead of the drawn tasks' scaled gradient."""

import dataclasses
import itertools

import numpy as np
import pytest
import tensorflow as tf

import distilling_step
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.training.distill_memory import DistillationMemory

SHAPES = [(3, 2), (4,)]
EARLIER = 4


def memory_and_gradients(seed=0):
    """A memory of 4 earlier tasks over two weights, filled by some earlier steps, and
    fresh gradients per task; task 3 does not reach the second weight."""
    rng = np.random.default_rng(seed)
    variables = [tf.Variable(tf.zeros(shape)) for shape in SHAPES]
    memory = DistillationMemory(variables, EARLIER)
    for task in (2, 0, 3):
        stored = [tf.constant(rng.normal(size=shape), tf.float32) for shape in SHAPES]
        if task == 3:
            stored[1] = None
        memory.estimate([stored], tf.constant([task]), EARLIER)
    fresh = {task: [tf.constant(rng.normal(size=shape), tf.float32) for shape in SHAPES] for task in range(EARLIER)}
    fresh[3][1] = None
    return memory, fresh


def state(memory):
    return [v.numpy().copy() for v in memory.tables + memory.totals]


def restore(memory, saved):
    for variable, value in zip(memory.tables + memory.totals, saved):
        variable.assign(value)


def full_sum(fresh, index):
    return sum(per_task[index].numpy() for per_task in fresh.values() if per_task[index] is not None)


@pytest.mark.parametrize("per_step", [1, 2])
def test_the_estimate_averages_to_the_full_sum_over_the_draws(per_step):
    # Every task is equally likely in a step (losses.cycled_tasks), so averaging over
    # every set of `per_step` distinct tasks is the expectation over the draw.
    memory, fresh = memory_and_gradients()
    saved = state(memory)
    draws = list(itertools.combinations(range(EARLIER), per_step))
    totals = [np.zeros(shape) for shape in SHAPES]
    for tasks in draws:
        restore(memory, saved)
        estimates, finite = memory.estimate([fresh[t] for t in tasks], tf.constant(tasks), EARLIER / per_step)
        assert bool(finite)
        for index, estimate in enumerate(estimates):
            totals[index] += estimate.numpy() / len(draws)
    for index in range(len(SHAPES)):
        np.testing.assert_allclose(totals[index], full_sum(fresh, index), rtol=1e-5, atol=1e-5)


def test_the_drawn_tasks_gradients_are_stored_and_summed():
    memory, fresh = memory_and_gradients()
    before = state(memory)
    memory.estimate([fresh[1], fresh[3]], tf.constant([1, 3]), EARLIER / 2)
    for index, table in enumerate(memory.tables):
        for task in range(EARLIER):
            if task in (1, 3):
                expected = np.zeros(SHAPES[index]) if fresh[task][index] is None else fresh[task][index].numpy()
            else:
                expected = before[index][task]
            np.testing.assert_allclose(table.numpy()[task], expected, rtol=1e-6)
        np.testing.assert_allclose(memory.totals[index].numpy(), table.numpy().sum(axis=0), rtol=1e-5, atol=1e-6)


def test_once_every_task_is_stored_unchanged_gradients_give_the_full_sum_in_every_step():
    memory, fresh = memory_and_gradients()
    for task in range(EARLIER):
        memory.estimate([fresh[task]], tf.constant([task]), EARLIER)
    for task in range(EARLIER):
        estimates, _ = memory.estimate([fresh[task]], tf.constant([task]), EARLIER)
        for index, estimate in enumerate(estimates):
            np.testing.assert_allclose(estimate.numpy(), full_sum(fresh, index), rtol=1e-5, atol=1e-6)


def test_a_non_finite_gradient_leaves_the_memory_as_it_was():
    memory, fresh = memory_and_gradients()
    before = state(memory)
    overflow = [tf.fill(SHAPES[0], np.inf), fresh[1][1]]
    estimates, finite = memory.estimate([overflow], tf.constant([1]), EARLIER)
    assert not bool(finite)
    assert not np.isfinite(estimates[0].numpy()).all()  # so the optimizer skips the step
    for value, saved in zip(state(memory), before):
        np.testing.assert_array_equal(value, saved)


def test_the_memory_is_refused_where_it_cannot_work():
    base = config_lib.TrainConfig(distill_memory="saga", distill_tasks_per_step=1)
    config_lib.validate(base)
    problems = {
        "distill_tasks_per_step=0": dict(distill_tasks_per_step=0),
        "distill_spread=4": dict(distill_spread=4),
        "distill_batched": dict(distill_batched=True),
        "paired tasks only": dict(mode="unpaired"),
    }
    for message, change in problems.items():
        with pytest.raises(config_lib.InvalidConfig, match=message):
            config_lib.validate(dataclasses.replace(base, **change))


CONFIG = config_lib.TrainConfig(batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8)
TASK = 3  # learning task 4: three earlier tasks


def captured_generator_gradients(config, noise_steps, run_eagerly):
    """The generator gradients a step of task 4 hands its optimizer, for each of
    `noise_steps`, on one fixed batch and noise, with no update applied (so the
    weights, and with them every task's distillation gradient, stay as they were)."""
    student, step = distilling_step.build(config, task=TASK)
    # The student starts as a copy of the teacher, where every distillation gradient
    # is zero; move it away, alike in every call.
    for index, variable in enumerate(step.generator_variables):
        variable.assign_add(tf.random.stateless_normal(variable.shape, (7, index), stddev=0.05))
    captured = []
    step.generator_optimizer.apply_gradients = lambda pairs: captured.append([g.numpy() for g, _ in pairs])
    step.discriminator_optimizer.apply_gradients = lambda pairs: None
    shape = (config.batch_size, config.image_size, config.image_size, 3)
    inputs = tf.random.stateless_uniform(shape, (1, 2), -1, 1)
    targets = tf.random.stateless_uniform(shape, (3, 4), -1, 1)
    z = student.models[0].sample_z((5, 0))
    for index in noise_steps:
        step(inputs, targets, z, tf.constant((6, index), tf.int64))
    return captured, step


def test_a_step_with_a_full_memory_hands_the_optimizer_eq_10s_gradient(run_eagerly):
    # K=1 draws each of the 3 earlier tasks once in steps 0-2 (one cycle); from step 3
    # on, with the weights unchanged, every task's stored gradient is its current one,
    # so the estimate is the sum over all of them: exact distillation's gradient.
    memory_config = dataclasses.replace(CONFIG, distill_tasks_per_step=1, distill_memory="saga")
    with_memory, step = captured_generator_gradients(memory_config, range(5), run_eagerly)
    assert step.memory is not None
    exact, _ = captured_generator_gradients(CONFIG, [0], run_eagerly)
    plain, _ = captured_generator_gradients(dataclasses.replace(CONFIG, distill_tasks_per_step=1), [3], run_eagerly)
    scale = max(np.abs(g).max() for g in exact[0])
    for late in with_memory[3:]:
        for got, want in zip(late, exact[0]):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale)
    # Before the memory is full, and without one, a step's gradient is not eq. 10's.
    assert any(not np.allclose(got, want, rtol=1e-3, atol=1e-4 * scale) for got, want in zip(with_memory[0], exact[0]))
    assert any(not np.allclose(got, want, rtol=1e-3, atol=1e-4 * scale) for got, want in zip(plain[0], exact[0]))


def test_an_interrupted_run_with_memory_resumes_to_the_uninterrupted_weights(tmp_path, toy_data_dir, run_eagerly):
    # The memory is part of the mid-task checkpoint: stopped in the middle of task 3
    # (two earlier tasks, one drawn per step) and resumed, the run ends with the
    # weights of a run that was never stopped; a memory restarted from zero would not.
    import numpy as np

    from hyper_lifelong_gan import workdir as workdir_lib
    from hyper_lifelong_gan.methods import get_method
    from hyper_lifelong_gan.training import trainer
    from test_resume import logged_steps, tiny_config

    def config(workdir):
        return tiny_config(workdir, toy_data_dir, tasks="toy_labels2street,toy_photo2warm,toy_edges2bags",
                           distill_tasks_per_step=1, distill_memory="saga", checkpoint_every=6)

    trainer.train(config(tmp_path / "reference"))
    stopped = tmp_path / "stopped"
    trainer.train(config(stopped), interrupt_after_steps=6 + 6 + 4)
    assert logged_steps(stopped)[-1] == (2, 4)
    latest = tf.train.latest_checkpoint(str(stopped / "checkpoints" / "task_2"))
    stored = [name for name, _ in tf.train.list_variables(latest) if name.startswith("distill_memory/")]
    assert stored
    assert np.any(tf.train.load_variable(latest, stored[0]) != 0)
    trainer.train(config(stopped))
    assert logged_steps(stopped) == logged_steps(tmp_path / "reference")

    method, generator_config = get_method("hyper_lifelong_gan"), dict(ngf=4, n_blocks=1)
    reference = workdir_lib.restore_task_generators(str(tmp_path / "reference"), 2, method, generator_config)
    resumed = workdir_lib.restore_task_generators(str(stopped), 2, method, generator_config)
    for expected, got in zip(reference.models[0].weights, resumed.models[0].weights):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7, err_msg=expected.path)
