"""Filter-space distillation (`--distillation=filters` / `sampled_filters`): the stacked
filters of the earlier tasks and the loss on them, each against a direct NumPy
computation from the layers' weights, and its place in the training step."""

import dataclasses

import distilling_step
import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import layers, losses
from hyper_lifelong_gan.methods import get_method
from hyper_lifelong_gan.training.steps import TaskStep

CONFIG = config_lib.TrainConfig(batch_size=2, image_size=16, ngf=4, n_blocks=1, ndf=8)
EARLIER = 3  # the student learns task 4 and distils tasks 1-3
RUNNABLE = dataclasses.replace(CONFIG, image_size=32)


def numpy_filters(layer, task, z):
    """F_i = reshape(H_i(z) @ (C_i @ W)) of a hyper layer, written out in NumPy (eqs. 1-4)."""
    hidden_kernel, hidden_bias, output_kernel, output_bias = (w.numpy()[task] for w in layer.filter_generators)
    hidden = np.maximum(z @ hidden_kernel + hidden_bias, 0.0)
    kernel_area = layer.kernel_size[0] * layer.kernel_size[1]
    bases = (hidden @ output_kernel + output_bias).reshape(kernel_area, layer.num_bases)
    coefficients = layer.coefficients.numpy()[task] if layer.task_coefficients else np.eye(layer.num_bases)
    flat = bases @ (coefficients @ layer.shared_weight.numpy())
    return flat.reshape(*layer.kernel_size, layer.in_channels, layer.filters)


def numpy_filter_loss(teacher, student, count, z):
    """sum over tasks i < count of the mean over layers of |F_i(student) - F_i(teacher)|^2 / |F_i(teacher)|^2."""
    total = 0.0
    for task in range(count):
        ratios = []
        for old, new in zip(teacher.conv_layers(), student.conv_layers()):
            before, after = numpy_filters(old, task, z), numpy_filters(new, task, z)
            ratios.append(np.sum((after - before) ** 2) / np.sum(before**2))
        total += np.mean(ratios)
    return total


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("task_coefficients", [True, False])
def test_a_layers_stacked_filters_are_each_tasks_filter_in_numpy(transposed, task_coefficients):
    layer_class = layers.HyperConv2DTranspose if transposed else layers.HyperConv2D
    layer = layer_class(5, 3, 2, "same", num_tasks=4, task_coefficients=task_coefficients)
    layer.build((None, 8, 8, 4))
    distilling_step.perturb(layer, 7)  # coefficients away from the identity
    z = tf.random.stateless_normal((64,), (3, 3))
    stacked = layer.task_filters(3, z).numpy()
    assert stacked.shape == (3, 3, 3, 4, 5)  # tasks [0, 3), laid out (k, k, c_in, c_out)
    expected = np.stack([numpy_filters(layer, task, z.numpy()) for task in range(3)])
    # float32 matmuls against float64 NumPy: relative to the filters' size.
    np.testing.assert_allclose(stacked, expected, atol=1e-5 * np.abs(expected).max())
    # And the filter each task's own call applies.
    for task in range(3):
        own = layer.task_kernel(task, z).numpy()
        np.testing.assert_allclose(stacked[task], own, atol=1e-5 * np.abs(expected).max())


@pytest.fixture(scope="module")
def networks():
    return distilling_step.teacher_and_student(CONFIG, EARLIER, student_scale=0.02)


def _step(method, teacher, **fields):
    return TaskStep(method, EARLIER, teacher, dataclasses.replace(CONFIG, **fields),
                    tf.distribute.get_strategy(), None, None)


def test_the_filter_loss_is_the_relative_change_summed_over_earlier_tasks(networks):
    _, teacher, student, _, z = networks
    old, new = teacher.models[0], student.models[0]
    value = losses.filter_distillation_loss(old.task_filters(EARLIER, z), new.task_filters(EARLIER, z))
    expected = numpy_filter_loss(old, new, EARLIER, z.numpy())
    assert expected > 1e-4  # teacher and student really differ
    # float32 filters against float64 NumPy, on changes of a few per cent of the filters.
    np.testing.assert_allclose(float(value), expected, rtol=1e-4)
    # Unchanged filters cost nothing, and the student's own stacked filters equal themselves.
    assert float(losses.filter_distillation_loss(old.task_filters(EARLIER, z), old.task_filters(EARLIER, z))) == 0


def test_the_filters_choice_is_the_weighted_filter_term_on_every_image(networks):
    method, teacher, student, images, z = networks
    step = _step(method, teacher, distillation="filters", filter_distill_weight=3.0)
    term = step.distillation(teacher, student, images, z, tf.constant((7, 8))).numpy()
    expected = 3.0 * numpy_filter_loss(teacher.models[0], student.models[0], EARLIER, z.numpy())
    np.testing.assert_allclose(term, [expected, expected], rtol=1e-4)


def test_sampled_filters_adds_the_filter_term_to_the_sampled_output_term(networks):
    method, teacher, student, images, z = networks
    seed = tf.constant((7, 8))
    sampled = _step(method, teacher, distillation="sampled", distill_passes=1, distill_runs=1)
    both = _step(method, teacher, distillation="sampled_filters", distill_passes=1, distill_runs=1,
                 filter_distill_weight=3.0)
    filters = 3.0 * numpy_filter_loss(teacher.models[0], student.models[0], EARLIER, z.numpy())
    output = sampled.distillation(teacher, student, images, z, seed).numpy()
    assert output.min() > 1e-3  # the sampled output term is really there
    np.testing.assert_allclose(both.distillation(teacher, student, images, z, seed).numpy(), output + filters,
                               rtol=1e-4)


def _reached_tasks(step, networks):
    """The tasks whose rows of the student's stacked per-task conv weights get a
    non-zero gradient from the step's distillation term."""
    _, teacher, student, images, z = networks
    model = student.models[0]
    variables = [v for layer in model.conv_layers() for v in layer.stacked_task_weights]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(step.distillation(teacher, student, images, z, tf.constant((7, 8))))
    # The output convolution's per-task bias gets no gradient from the filter term alone (None).
    gradients = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, variables) if g is not None]
    return [task for task in range(model.num_tasks) if any(np.any(g[task] != 0) for g in gradients)]


def test_the_filter_term_reaches_every_earlier_tasks_rows_in_every_step(networks):
    method, teacher, _, _, _ = networks
    assert _reached_tasks(_step(method, teacher, distillation="filters"), networks) == list(range(EARLIER))
    # Sampled output distillation of one pass reaches only the drawn task; the filter term adds the rest.
    assert len(_reached_tasks(_step(method, teacher, distillation="sampled", distill_passes=1, distill_runs=1),
                              networks)) == 1
    assert _reached_tasks(_step(method, teacher, distillation="sampled_filters", distill_passes=1, distill_runs=1),
                          networks) == list(range(EARLIER))


def test_filter_distillation_is_validated_in_one_sentence():
    config_lib.validate(dataclasses.replace(RUNNABLE, distillation="filters", filter_distill_weight=10.0))
    config_lib.validate(dataclasses.replace(RUNNABLE, distillation="sampled_filters", distill_passes=1))
    with pytest.raises(config_lib.InvalidConfig, match="--filter_distill_weight tunes --distillation=filters"):
        config_lib.validate(dataclasses.replace(RUNNABLE, filter_distill_weight=10.0))
    with pytest.raises(config_lib.InvalidConfig, match="--distill_passes tunes --distillation=sampled"):
        config_lib.validate(dataclasses.replace(RUNNABLE, distillation="filters", distill_passes=1))
    with pytest.raises(config_lib.InvalidConfig, match="--filter_distill_weight=-1.0 is not allowed"):
        config_lib.validate(dataclasses.replace(RUNNABLE, distillation="filters", filter_distill_weight=-1.0))


def test_a_compiled_training_step_learns_with_the_filter_term():
    history = distilling_step.losses(dataclasses.replace(RUNNABLE, distillation="filters"), 2, jit_compile=True)
    assert all(np.isfinite(list(step.values())).all() for step in history)
    # The student starts as the teacher: no filter has moved before the first update.
    assert history[0]["distillation"] == 0 and history[1]["distillation"] > 0


def test_an_unpaired_step_holds_both_generators_filters(run_eagerly):
    # Eagerly, in seconds: task 2 of a CycleGAN run, each of G and F with its own filter term.
    from hyper_lifelong_gan.training import trainer

    config = config_lib.TrainConfig(mode="unpaired", batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8,
                                    distillation="filters")
    method = get_method("hyper_lifelong_gan")
    mode = trainer.UnpairedMode(config, [], method, tf.distribute.get_strategy(), "float32", False)
    setup = mode.start_task(mode.start_task(None, 0).generators, 1)
    images = tf.random.stateless_uniform((2, 2, 32, 32, 3), (1, 2), -1, 1)
    z = setup.generators.models[0].sample_z(0)
    history = [setup.step(images[0], images[1], z, tf.constant((3, index))) for index in range(2)]
    assert float(history[0]["distillation"]) == 0 and float(history[1]["distillation"]) > 0
