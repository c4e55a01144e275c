"""Distillation of earlier tasks: exact (eq. 10), sampled (passes cut into runs of
images) and at a lower resolution; and the task-index-tensor selection of per-task
parameters it rests on."""

import dataclasses

import distilling_step
import numpy as np
import pytest
import tensorflow as tf
from absl import flags

from hyper_lifelong_gan import cli
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.layers.task_selection import TaskRuns
from hyper_lifelong_gan.models import build_generator
from hyper_lifelong_gan.training import distillation_schedule as schedule
from hyper_lifelong_gan.training.schedule import step_seed as _step_seed
from hyper_lifelong_gan.training.steps import TaskStep

CONFIG = config_lib.TrainConfig(batch_size=2, image_size=16, ngf=4, n_blocks=1, ndf=8)
EARLIER = 3  # the student learns task 4 and distils tasks 1-3


@pytest.fixture(scope="module")
def networks():
    return distilling_step.teacher_and_student(CONFIG, EARLIER)


def _step(method, teacher, **fields):
    return TaskStep(method, EARLIER, teacher, dataclasses.replace(CONFIG, **fields),
                    tf.distribute.get_strategy(), None, None)


def _sampled(method, teacher, passes, runs, **fields):
    return _step(method, teacher, distillation="sampled", distill_passes=passes, distill_runs=runs, **fields)


def _plain_loop(teacher, student, images, z, tasks):
    """eq. 10 term written out: one teacher and one student pass per task, in NumPy."""
    total = np.zeros(images.shape[0])
    for task in tasks:
        difference = student(images, task=task, z=z).numpy() - teacher(images, task=task, z=z).numpy()
        total += np.abs(difference).mean(axis=(1, 2, 3))
    return total


def test_exact_mode_is_eq_10(networks):
    method, teacher, student, images, z = networks
    step = _step(method, teacher, distillation="exact")
    term = step.distillation(teacher, student, images, z, tf.constant((7, 8))).numpy()
    expected = _plain_loop(teacher, student, images, z, range(EARLIER))
    assert expected.min() > 1e-3  # the tasks really differ, so the comparison means something
    np.testing.assert_allclose(term, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("passes", [1, 2])
def test_sampled_term_is_the_drawn_tasks_scaled(networks, passes):
    method, teacher, student, images, z = networks
    step = _sampled(method, teacher, passes, runs=1)
    seed = tf.constant((7, 8))
    drawn = [int(task) for task in schedule.cycled_tasks(EARLIER, passes, seed).numpy()]
    weight = EARLIER / passes
    assert len(set(drawn)) == passes
    term = step.distillation(teacher, student, images, z, seed).numpy()
    expected = weight * _plain_loop(teacher, student, images, z, drawn)
    np.testing.assert_allclose(term, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("earlier, count", [(9, 1), (9, 2), (9, 3), (4, 3)])
def test_draws_cover_every_earlier_task_in_every_cycle(earlier, count):
    cycle = -(-earlier // count)
    steps = 30 * cycle
    draws = []
    for step in range(steps):
        drawn = schedule.cycled_tasks(earlier, count, tf.constant(_step_seed(1, earlier, step))).numpy().tolist()
        assert len(set(drawn)) == count  # distinct tasks in a step
        draws.append(drawn)
    for start in range(0, steps, cycle):
        # Every earlier task is distilled in every cycle of ceil(earlier / count) steps.
        assert {task for drawn in draws[start:start + cycle] for task in drawn} == set(range(earlier))
    orders = {tuple(task for drawn in draws[start:start + cycle] for task in drawn) for start in range(0, steps, cycle)}
    assert len(orders) > 1  # each cycle draws its own order


@pytest.mark.parametrize("earlier, count", [(9, 1), (5, 2)])
def test_each_step_draws_each_task_with_the_same_probability(earlier, count):
    # Unbiased: at any step position within a cycle, over many streams, every task is
    # drawn with probability count / earlier (binomial spread, 5 standard deviations).
    streams, p = 600, count / earlier
    for step in range(-(-earlier // count)):
        counts = np.zeros(earlier)
        for stream in range(streams):
            counts[schedule.cycled_tasks(earlier, count, tf.constant((stream, step))).numpy()] += 1
        assert np.abs(counts - streams * p).max() < 5 * np.sqrt(streams * p * (1 - p)), (step, counts)


@pytest.mark.parametrize("passes", [3, 5])
def test_sampled_distillation_with_a_pass_for_every_earlier_task_is_exact(networks, passes):
    method, teacher, student, images, z = networks
    term = _sampled(method, teacher, passes, runs=1).distillation(teacher, student, images, z, tf.constant((7, 8)))
    expected = _plain_loop(teacher, student, images, z, range(EARLIER))
    np.testing.assert_allclose(term.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_draw_happens_inside_the_compiled_step_without_retracing(networks, jit_compile):
    method, teacher, student, images, z = networks
    step = _sampled(method, teacher, passes=1, runs=1)
    term = tf.function(
        lambda seed: step.distillation(teacher, student, images, z, seed), jit_compile=jit_compile
    )
    values = {round(float(term(tf.constant((0, index)))[0]), 5) for index in range(12)}
    assert term.experimental_get_tracing_count() == 1
    assert len(values) > 1  # different seeds drew different tasks


@pytest.mark.parametrize("jit_compile", [False, True])
def test_lower_resolution_distils_on_area_averaged_images(networks, jit_compile):
    method, teacher, student, images, z = networks
    step = _sampled(method, teacher, passes=1, runs=1, distill_scale=0.5)
    seed = tf.constant((7, 8))
    term = tf.function(lambda: step.distillation(teacher, student, images, z, seed), jit_compile=jit_compile)()
    # Drawn as the step draws it: XLA's stateless generator is not TensorFlow's, so
    # a compiled draw can differ from an eager one with the same seed.
    drawn = tf.function(lambda: schedule.cycled_tasks(EARLIER, 1, seed), jit_compile=jit_compile)()
    weight = EARLIER
    # The means of 2x2 blocks, written out in NumPy (what area resizing by 1/2 is).
    halved = images.numpy().reshape(2, 8, 2, 8, 2, 3).mean(axis=(2, 4))
    expected = weight * _plain_loop(teacher, student, tf.constant(halved), z, [int(drawn[0])])
    np.testing.assert_allclose(term.numpy(), expected, rtol=1e-5)


def test_a_sampled_term_reaches_only_the_drawn_task_and_shared_parameters(networks):
    # Gradient isolation with the task chosen by a tensor: the gathered copy of the
    # stacked per-task weights passes gradient to the drawn task's variables alone.
    method, teacher, student, images, z = networks
    seed = tf.constant((7, 8))
    by_path = _distillation_gradients(_sampled(method, teacher, passes=1, runs=1), networks, seed)
    model = student.models[0]
    assert _reached_tasks(model, by_path) == [int(schedule.cycled_tasks(EARLIER, 1, seed)[0])]
    shared = [v for v in model.trainable_variables if v.path.endswith("shared_weight")]
    assert shared and all(np.any(by_path[v.path].numpy() != 0) for v in shared)


def _distillation_gradients(step, networks, seed):
    """The gradient of the summed distillation term by each student variable's path."""
    _, teacher, student, images, z = networks
    model = student.models[0]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(step.distillation(teacher, student, images, z, seed))
    return dict(zip((v.path for v in model.trainable_variables), tape.gradient(loss, model.trainable_variables)))


def _reached_tasks(model, by_path):
    """The tasks whose rows of the stacked per-task weights got a non-zero gradient."""
    def reached(task):
        return any(by_path[v.path] is not None and np.any(tf.convert_to_tensor(by_path[v.path]).numpy()[task] != 0)
                   for v in model.stacked_task_weights)

    return [task for task in range(model.num_tasks) if reached(task)]


@pytest.mark.parametrize("passes", [1, 2])
def test_runs_term_is_each_image_distilling_its_runs_task(networks, passes):
    # Batch 2, 3 earlier tasks. One pass: 2 runs of one slot, image 0 distils the first
    # drawn task and image 1 the second. Two passes: 4 slots in 3 runs (slots 0 | 1 | 2, 3),
    # so image 0 distils drawn tasks 1 and 3, image 1 drawn tasks 2 and 3.
    method, teacher, student, images, z = networks
    step = _sampled(method, teacher, passes, runs=2)
    seed = tf.constant((7, 8))
    count, plan = schedule.runs_plan(EARLIER, passes, 2, 2)
    assert count == min(EARLIER, 2 * passes)
    drawn = schedule.cycled_tasks(EARLIER, count, seed).numpy().tolist()
    assert len(set(drawn)) == count
    expected = np.zeros(2)
    for run, indices in plan:
        for image in indices:
            expected[image] += _plain_loop(teacher, student, images[image:image + 1], z, [drawn[run]])[0]
    expected *= EARLIER / passes
    term = step.distillation(teacher, student, images, z, seed).numpy()
    np.testing.assert_allclose(term, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("earlier, passes, batch, runs", [
    (9, 1, 8, 8), (9, 2, 8, 8), (9, 1, 8, 2), (9, 2, 8, 1), (3, 1, 8, 8), (5, 1, 4, 4), (7, 3, 4, 2), (2, 1, 1, 8)])
def test_a_runs_plan_gives_every_image_its_passes_in_distinct_runs(earlier, passes, batch, runs):
    count, plan = schedule.runs_plan(earlier, passes, batch, runs)
    assert count == min(earlier, passes * min(runs, batch))
    sizes = [len(indices) for _, indices in plan]
    assert sum(sizes) == passes * batch and max(sizes) - min(sizes) <= 1  # the cost of `passes` passes, evenly cut
    # Each image in `passes` runs, never twice in one: its `passes` tasks are distinct.
    assert all(len(set(indices)) == len(indices) for _, indices in plan)
    assert all(sum(image in indices for _, indices in plan) == passes for image in range(batch))
    pairs = {(image, run) for run, indices in plan for image in indices}
    for replicas in (2, 4):
        if batch % replicas:
            continue
        local = batch // replicas
        split = set()
        for replica in range(replicas):
            replica_count, replica_plan = schedule.runs_plan(earlier, passes, batch, runs, replica, replicas)
            assert replica_count == count
            split |= {(replica * local + image, run) for run, indices in replica_plan for image in indices}
        assert split == pairs  # the same (image, task) pairs however the batch is split


def test_with_a_run_per_task_every_step_distils_every_task_in_a_uniform_order():
    # passes * batch >= earlier: every step distils every earlier task, and each run's
    # task is uniform over the earlier tasks (so the weighted sum stays unbiased).
    earlier, streams = 5, 600
    counts = np.zeros((earlier, earlier))
    for stream in range(streams):
        drawn = schedule.cycled_tasks(earlier, earlier, tf.constant((stream, 3))).numpy()
        assert sorted(drawn.tolist()) == list(range(earlier))
        counts[np.arange(earlier), drawn] += 1
    p = 1 / earlier
    assert np.abs(counts - streams * p).max() < 5 * np.sqrt(streams * p * (1 - p)), counts


def test_a_runs_term_reaches_only_the_drawn_tasks_and_shared_parameters(networks):
    method, teacher, student, images, z = networks
    seed = tf.constant((7, 8))
    by_path = _distillation_gradients(_sampled(method, teacher, passes=1, runs=2), networks, seed)
    drawn = schedule.cycled_tasks(EARLIER, 2, seed).numpy().tolist()  # batch 2: two runs, two tasks
    assert _reached_tasks(student.models[0], by_path) == sorted(drawn)
    shared = [path for path in by_path if path.endswith("shared_weight")]
    assert shared and all(np.any(by_path[path].numpy() != 0) for path in shared)


# CONFIG's 16 px suit the steps built here, but a run needs the PatchGAN's 24 px or more.
RUNNABLE = dataclasses.replace(CONFIG, image_size=32)


def test_passes_and_runs_tune_sampled_distillation_only():
    assert (RUNNABLE.distillation, RUNNABLE.distill_passes, RUNNABLE.distill_runs) == ("exact", 2, 6)
    config_lib.validate(dataclasses.replace(RUNNABLE, distillation="sampled", distill_passes=1, distill_runs=8))
    for name in ("distill_passes", "distill_runs"):
        with pytest.raises(config_lib.InvalidConfig, match=f"--{name} tunes --distillation=sampled"):
            config_lib.validate(dataclasses.replace(RUNNABLE, **{name: 1}))
    with pytest.raises(config_lib.InvalidConfig, match="--distillation=batched is not allowed"):
        config_lib.validate(dataclasses.replace(RUNNABLE, distillation="batched"))
    for name in ("distill_passes", "distill_runs"):
        with pytest.raises(config_lib.InvalidConfig, match=f"--{name}=0 is not allowed"):
            config_lib.validate(dataclasses.replace(RUNNABLE, distillation="sampled", **{name: 0}))


def test_a_tuning_flag_named_without_sampled_is_refused_even_at_its_default():
    """A config off its defaults is refused above; on a command line, naming the flag is
    enough (a run recorded with 4 runs, the former default, still resumes with the flag left out)."""
    def config_from(*argv):
        flag_values = cli.define_config_flags(flags.FlagValues())
        flag_values(["train.py", *argv])
        return cli.config_from_flags(flag_values)

    for flag in ("--distill_runs=4", "--distill_runs=6", "--distill_passes=2"):
        with pytest.raises(config_lib.InvalidConfig, match="tunes --distillation=sampled, not --distillation=exact"):
            config_from("--distillation=exact", flag)
        assert config_from("--distillation=sampled", flag).distillation == "sampled"
    assert config_from("--distillation=exact").distill_runs == 6


# Every conv kind, with task-conditional and with shared instance norms.
GENERATOR_KINDS = [(kind, norm) for kind in ("hyper", "plain", "piggyback") for norm in (True, False)]


def _three_task_generator(conv_kind, conditional_norm, seed):
    generator = build_generator(
        num_tasks=3, conv_kind=conv_kind, ngf=4, n_blocks=1, task_conditional_norm=conditional_norm)
    return distilling_step.perturb(generator, seed)


@pytest.mark.parametrize("conv_kind,conditional_norm", GENERATOR_KINDS)
def test_a_task_index_tensor_selects_what_an_int_does(conv_kind, conditional_norm):
    generator = _three_task_generator(conv_kind, conditional_norm, seed=3)
    images = tf.random.stateless_uniform((2, 16, 16, 3), (1, 1), -1, 1)
    z = generator.sample_z(1)
    by_int = np.stack([generator(images, task=task, z=z).numpy() for task in range(3)])
    by_tensor = np.stack([generator(images, task=tf.constant(task), z=z).numpy() for task in range(3)])
    np.testing.assert_array_equal(by_tensor, by_int)


def test_distill_scale_must_give_a_usable_size():
    config_lib.validate(dataclasses.replace(RUNNABLE, distill_scale=0.25))  # 32 px -> 8 px
    config_lib.validate(dataclasses.replace(RUNNABLE, image_size=None, distill_scale=0.25))  # size still to come
    with pytest.raises(config_lib.InvalidConfig, match="distill_scale"):
        config_lib.validate(dataclasses.replace(RUNNABLE, distill_scale=0.3))  # not 1/n
    with pytest.raises(config_lib.InvalidConfig, match="distill_scale"):
        config_lib.validate(dataclasses.replace(RUNNABLE, distill_scale=0.125))  # 32 px -> 4 px
    with pytest.raises(config_lib.InvalidConfig, match="distill_scale"):
        config_lib.validate(dataclasses.replace(RUNNABLE, image_size=36, distill_scale=0.5))  # 18 px


@pytest.mark.parametrize("conv_kind,conditional_norm", GENERATOR_KINDS)
def test_runs_of_a_batch_each_do_what_their_task_does_alone(conv_kind, conditional_norm):
    generator = _three_task_generator(conv_kind, conditional_norm, seed=4)
    images = tf.random.stateless_uniform((5, 16, 16, 3), (1, 2), -1, 1)
    z = generator.sample_z(2)
    tasks, sizes = [2, 0, 2, 1], [2, 1, 1, 1]
    starts = np.cumsum([0] + sizes)
    alone = np.concatenate([
        generator(images[start:start + size], task=task, z=z).numpy()
        for task, start, size in zip(tasks, starts, sizes)
    ])
    for given in (tasks, tf.constant(tasks)):
        runs = generator(images, task=TaskRuns(given, sizes), z=z).numpy()
        # The runs' filters are made together ((B_i C_i) W rather than B_i (C_i W)): float32 level.
        np.testing.assert_allclose(runs, alone, atol=2e-5)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("ablation", [
    {}, {"dynamic_base_filters": False}, {"task_specific_base_filters": False}, {"task_coefficients": False},
    {"dynamic_base_filters": False, "task_specific_base_filters": False, "task_coefficients": False}])
def test_filters_made_together_for_runs_are_each_tasks_filter(transposed, ablation):
    from hyper_lifelong_gan import layers

    layer_class = layers.HyperConv2DTranspose if transposed else layers.HyperConv2D
    layer = layer_class(5, 3, 2, "same", num_tasks=3, **ablation)
    layer.build((None, 8, 8, 4))
    for index, variable in enumerate(layer.weights):  # coefficients away from the identity
        variable.assign(variable + 0.1 * tf.random.stateless_normal(variable.shape, (7, index)))
    z = tf.random.stateless_normal((64,), (3, 3))
    tasks = [1, 2, 1, 0]
    together = np.stack([k.numpy() for k in layer.run_kernels([tf.constant(t) for t in tasks], z)])
    alone = np.stack([layer.kernel(task, z).numpy() for task in tasks])
    scale = np.abs(alone).max()
    np.testing.assert_allclose(together, alone, atol=1e-6 * scale)


def test_runs_need_one_task_per_run_and_positive_sizes():
    with pytest.raises(ValueError, match="one task per run"):
        TaskRuns([0, 1], [2])
    with pytest.raises(ValueError, match="positive sizes"):
        TaskRuns([0], [0])


def test_runs_give_each_images_task_made_once_for_every_layer():
    runs = TaskRuns([2, tf.constant(0), 1], [2, 1, 3])
    assert runs.per_image().numpy().tolist() == [2, 2, 0, 1, 1, 1]
    assert runs.per_image() is runs.per_image()  # one tensor, not one per norm and bias
