"""What each continual-learning method adds per task, freezes and trains, on tiny models;
then the same through `trainer.train` (results.json's `params`), and every ablation
switch through the trainer's set-up of a task."""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from distilling_step import perturb
from graph_mode import eagerly

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.methods import METHODS, get_method
from hyper_lifelong_gan.models import build_generator, build_patch_discriminator
from hyper_lifelong_gan.training import trainer
from hyper_lifelong_gan.training.steps import PairedTaskStep

TINY = dict(ngf=4, n_blocks=1, ndf=8, batch_size=2, image_size=32)
GENERATOR = config_lib.generator_config(TrainConfig(**TINY))
IMAGE_SHAPE = (TINY["batch_size"], TINY["image_size"], TINY["image_size"], 3)


def images(seed):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, IMAGE_SHAPE), tf.float32)


def grow(method_name, seed=0):
    """(method, generators after task 1, generators after task 2), freshly built."""
    method = get_method(method_name)
    keras.utils.set_random_seed(seed)
    first = method.start_task(None, 0, GENERATOR)
    second = method.start_task(first, 1, GENERATOR)
    return method, first, second


def train_steps(method, student, teacher, task, steps=3):
    """`steps` pix2pix steps of task `task` on random pairs; returns the last step's losses."""
    config = TrainConfig(**TINY)
    discriminator = build_patch_discriminator(input_channels=6, ndf=TINY["ndf"])
    generator_optimizer = trainer.make_optimizer(config, method.trainable_variables(student, task), "float32")
    discriminator_optimizer = trainer.make_optimizer(config, discriminator.trainable_variables, "float32")
    step = PairedTaskStep(
        student, teacher, discriminator, method, task, config, tf.distribute.get_strategy(),
        generator_optimizer, discriminator_optimizer,
    )
    values = None
    with eagerly():
        for index in range(steps):
            z = student.models[0].sample_z(index)
            values = step(images(2 * index + 100), images(2 * index + 101), z, tf.constant([7, index]))
    return {name: float(value) for name, value in values.items()}


def snapshot(variables):
    return [np.array(variable.numpy()) for variable in variables]


def unchanged(variables, saved):
    return all(np.array_equal(variable.numpy(), value) for variable, value in zip(variables, saved, strict=True))


def ids(variables):
    return [id(variable) for variable in variables]


def size(variables):
    return sum(int(np.prod(variable.shape)) for variable in variables)


def row_size(model):
    """Parameters one task adds to a shared model: a row of each stacked per-task weight."""
    return sum(int(np.prod(variable.shape[1:])) for variable in model.stacked_task_weights)


# ------------------------------------------------------------------ per method, directly


def test_piggyback_keeps_task_1_outputs_bit_identical_after_learning_task_2():
    method = get_method("piggyback")
    keras.utils.set_random_seed(0)
    first = method.start_task(None, 0, GENERATOR)
    train_steps(method, first, None, 0, steps=2)
    inputs, z = images(1), first.models[0].sample_z(0)
    before = first(inputs, task=0, z=z).numpy()

    second = method.start_task(first, 1, GENERATOR)
    model = second.models[0]
    new = model.task_variables(1)
    earlier = [v for v in model.weights if id(v) not in set(ids(new))]
    earlier_values, new_values = snapshot(earlier), snapshot(new)
    # The norms' stacked weights train whole, but only task 2's row may move.
    stacked = model.stacked_task_weights
    assert stacked and set(ids(stacked)) <= set(ids(new))
    first_rows = [v.numpy()[0] for v in stacked]
    train_steps(method, second, first, 1, steps=3)

    assert np.array_equal(second(inputs, task=0, z=z).numpy(), before)
    assert unchanged(earlier, earlier_values)
    assert all(np.array_equal(v.numpy()[0], row) for v, row in zip(stacked, first_rows))
    assert not unchanged(new, new_values)  # task 2 did learn
    assert not np.array_equal(second(inputs, task=1, z=z).numpy(), before)


def test_hyper_lifelong_gan_adds_task_parts_only_and_leaves_the_teacher_untouched():
    method, first, second = grow("hyper_lifelong_gan")
    assert second.count_params() - first.count_params() == row_size(second.models[0]) > 0
    assert len(second.models) == 1 and second.routes == [(0, 0), (0, 1)]

    teacher = first.models[0].weights
    teacher_values = snapshot(teacher)
    shared = [v for v in second.models[0].weights if v.path.endswith("shared_weight")]
    shared_values = snapshot(shared)
    losses = train_steps(method, second, first, 1, steps=3)

    assert unchanged(teacher, teacher_values)
    assert not unchanged(shared, shared_values)  # W keeps training, held by distillation
    assert losses["distillation"] > 0


@pytest.mark.parametrize("method_name", ["hyper_lifelong_gan", "lifelong_gan_pp"])
def test_task_init_previous_starts_the_new_task_as_a_copy_of_the_last(method_name):
    method = get_method(method_name)
    keras.utils.set_random_seed(0)
    first = method.start_task(None, 0, GENERATOR)
    second = method.start_task(first, 1, GENERATOR)
    perturb(second.models[0], 1)  # as if trained: task 2's rows now differ from task 1's
    third = method.start_task(second, 2, GENERATOR, task_init="previous")
    fresh = method.start_task(second, 2, GENERATOR)
    stacked = third.models[0].stacked_task_weights
    assert stacked
    for variable in stacked:
        rows = variable.numpy()
        assert np.array_equal(rows[2], rows[1]), variable.path
        assert not np.array_equal(rows[1], rows[0]), variable.path
    # Earlier rows and the shared weights are the previous stage's, as with fresh rows.
    stacked_paths = {variable.path for variable in stacked}
    for copied, grown in zip(fresh.models[0].weights, third.models[0].weights, strict=True):
        rows = slice(0, 2) if grown.path in stacked_paths else slice(None)
        assert np.array_equal(copied.numpy()[rows], grown.numpy()[rows]), copied.path
    inputs, z = images(1), third.models[0].sample_z(0)
    assert np.array_equal(third(inputs, task=2, z=z).numpy(), second(inputs, task=1, z=z).numpy())
    assert not np.array_equal(fresh(inputs, task=2, z=z).numpy(), second(inputs, task=1, z=z).numpy())


@pytest.mark.parametrize("method_name", ["piggyback", "full", "hyper_full", "sft"])
def test_task_init_previous_is_refused_where_no_shared_model_grows(method_name, tmp_path):
    from hyper_lifelong_gan import workdir as workdir_lib

    config = TrainConfig(**TINY, method=method_name, task_init="previous", tasks="toy_labels2street",
                         workdir=str(tmp_path))
    with pytest.raises(config_lib.InvalidConfig, match="--task_init=previous copies the last task's rows"):
        workdir_lib.prepare_config(config)
    # Left at auto, sampled distillation starts such a method's tasks fresh.
    sampled = dataclasses.replace(config, task_init="auto", distillation="sampled")
    assert workdir_lib.prepare_config(sampled)[0].task_init == "fresh"


@pytest.mark.parametrize("method_name", ["hyper_lifelong_gan", "lifelong_gan_pp"])
def test_sampled_distillation_starts_a_growing_model_from_the_last_task(method_name, tmp_path):
    from hyper_lifelong_gan import workdir as workdir_lib

    config = TrainConfig(**TINY, method=method_name, distillation="sampled", tasks="toy_labels2street",
                         workdir=str(tmp_path))
    resolved = workdir_lib.prepare_config(config)[0]
    assert (resolved.task_init, resolved.distill_input) == ("previous", "unswap")


def test_sft_adds_nothing_and_serves_every_task_from_one_slot():
    _, first, second = grow("sft")
    assert second.count_params() == first.count_params()
    assert second.routes == [(0, 0), (0, 0)]
    assert second.models[0] is not first.models[0]  # it trains a copy; the previous stage stays
    inputs, z = images(1), second.models[0].sample_z(0)
    assert np.array_equal(second(inputs, task=0, z=z).numpy(), second(inputs, task=1, z=z).numpy())


@pytest.mark.parametrize("method_name, conv_kind", [("full", "plain"), ("hyper_full", "hyper")])
def test_separate_models_add_a_whole_model_and_train_only_it(method_name, conv_kind):
    method, first, second = grow(method_name)
    assert second.count_params() == 2 * first.count_params()
    assert second.routes == [(0, 0), (1, 0)]
    assert second.models[0] is first.models[0]
    assert second.models[1].conv_kind == conv_kind and second.models[1].num_tasks == 1
    trainable = set(ids(method.trainable_variables(second, 1)))
    assert trainable == set(ids(second.models[1].trainable_variables))
    assert not trainable & set(ids(second.models[0].weights))


def test_lifelong_gan_pp_adds_only_instance_norm_parameters():
    _, first, second = grow("lifelong_gan_pp")
    model = second.models[0]
    stacked = model.stacked_task_weights
    assert model.conv_kind == "plain"
    # Only the norms hold per-task rows; task 2 adds one row to each.
    assert {v.path.rsplit("/", 1)[-1] for v in stacked} == {"tasks_gamma", "tasks_beta"}
    assert all(v.shape[0] == 2 for v in stacked)
    row_sizes = sum(int(np.prod(v.shape[1:])) for v in stacked)
    assert second.count_params() - first.count_params() == row_sizes > 0
    channels = sum(layer.gamma.shape[1] for layer in model.norm_layers())
    assert row_sizes == 2 * channels


def _documented_trainable(method_name, generators, task):
    """What each method's docstring says training task `task` updates."""
    if method_name == "piggyback" and task > 0:
        return generators.models[0].task_variables(task)  # earlier tasks' filters are frozen
    if method_name in ("full", "hyper_full"):
        return generators.models[task].trainable_variables  # only the new task's own model
    return generators.models[0].trainable_variables  # one shared model, all of it


@pytest.mark.parametrize("method_name", sorted(METHODS))
def test_trainable_variables_are_as_documented(method_name):
    method, first, second = grow(method_name)
    for generators, task in ((first, 0), (second, 1)):
        trainable = ids(method.trainable_variables(generators, task))
        assert len(trainable) == len(set(trainable))
        assert set(trainable) == set(ids(_documented_trainable(method_name, generators, task)))


# ----------------------------------------------------------------- through trainer.train


def tiny_run(workdir, data_dir, **overrides):
    values = dict(
        TINY, tasks="toy_labels2street,toy_photo2warm", steps_per_task=2, eval_examples=4, log_every=1,
        workdir=str(workdir), data_dir=data_dir,
    )
    values.update(overrides)
    with eagerly():
        return trainer.train(TrainConfig(**values))


def per_task_parameters(**overrides):
    generator_config = config_lib.generator_config(TrainConfig(**dict(TINY, **overrides)))
    return row_size(build_generator(num_tasks=2, conv_kind="hyper", **generator_config))


@pytest.mark.parametrize("method_name", ["full", "hyper_full", "hyper_lifelong_gan"])
def test_results_params_grow_by_a_model_or_by_task_parts(method_name, tmp_path, toy_data_dir):
    results = tiny_run(tmp_path, toy_data_dir, method=method_name)
    with open(tmp_path / "results.json") as stream:
        params = json.load(stream)["params"]
    assert params == results["params"] and len(params) == 2
    if method_name == "hyper_lifelong_gan":
        # At this tiny width the fixed-size filter generators weigh almost a whole
        # model; at paper size they are 3% of it (tests/test_parameter_counts.py).
        assert params[1] - params[0] == per_task_parameters() < params[0]
    else:
        assert params[1] == 2 * params[0]


TABLE_3 = [  # (dynamic base filters, task-specific base filters, coefficients); all on is the default
    dict(dynamic_base_filters=False, task_specific_base_filters=False, task_coefficients=False),
    dict(dynamic_base_filters=True, task_specific_base_filters=False, task_coefficients=False),
    dict(dynamic_base_filters=True, task_specific_base_filters=True, task_coefficients=False),
]


# Every switch, set up by the trainer's own code from the flags (as trainer.train
# does, without data, evaluation or checkpoints), then two eager steps of task 2.
@pytest.mark.parametrize(
    "overrides",
    [pytest.param(TABLE_3[0], id="table3_none"), pytest.param(TABLE_3[1], id="table3_dynamic"),
     pytest.param(TABLE_3[2], id="table3_dynamic_task_specific"), pytest.param(dict(K=3), id="K3"),
     pytest.param(dict(distill_input="unswap"), id="unswap"), pytest.param(dict(distill_input="noise"), id="noise")],
)
def test_ablation_switches_reach_the_model_and_the_training_step(overrides, run_eagerly):
    config, tasks, method = trainer.prepare_config(
        TrainConfig(**dict(TINY, tasks="toy_labels2street,toy_photo2warm", **overrides))
    )
    mode = trainer.PairedMode(config, tasks, method, tf.distribute.get_strategy(), "float32", False)
    first = mode.start_task(None, 0).generators
    setup = mode.start_task(first, 1)
    # The switch reached the model: the task parts have the size it implies.
    assert setup.generators.count_params() - first.count_params() == per_task_parameters(**overrides)
    assert setup.step.config.distill_input == overrides.get("distill_input", "swap")
    history = []
    for index in range(2):
        z = setup.generators.models[0].sample_z(index)
        values = setup.step(images(2 * index), images(2 * index + 1), z, tf.constant([7, index]))
        history.append({name: float(value) for name, value in values.items()})
    assert all(np.isfinite(value) for values in history for value in values.values()), history
    # Task 2 starts as a copy of task 1, so it distils nothing until it has moved.
    assert history[0]["distillation"] == 0 < history[1]["distillation"]


@pytest.mark.parametrize("method_name, shared", [("hyper_lifelong_gan", True), ("piggyback", False),
                                                 ("full", False)])
def test_evaluation_traces_one_function_for_every_task_where_the_rows_are_gathered(method_name, shared):
    from hyper_lifelong_gan.evaluation import generation

    _, _, generators = grow(method_name)
    assert generators.gathers_task_rows is shared
    config = TrainConfig(**TINY)
    z = generation.eval_z(generators)
    inputs = images(5)
    for task in (0, 1):
        # The same outputs as the task's own function with the task as a Python int.
        own = tf.function(lambda x, task=task: generation.generate(generators, task, x, z))(inputs)
        np.testing.assert_allclose(generation.predictor(generators, task, z, config)(inputs), own, atol=1e-6)
    traced = getattr(generators, "_shared_predictor", None)
    assert (traced is not None and traced.experimental_get_tracing_count() == 1) is shared


def test_each_tasks_new_step_is_not_reported_as_retracing(caplog):
    # A long sequence builds a step per task; TensorFlow would count their traces together
    # (one bound method of one class) and warn of frequent retracing from the fifth on
    # (its threshold, read here): that many new steps are enough to show the warning is
    # not given, and each one costs a trace.
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    method, first, _ = grow("hyper_lifelong_gan")
    config = TrainConfig(**TINY)
    discriminator = build_patch_discriminator(input_channels=6, ndf=TINY["ndf"])
    optimizers = [trainer.make_optimizer(config, variables, "float32")
                  for variables in (method.trainable_variables(first, 0), discriminator.trainable_variables)]
    with caplog.at_level("WARNING", logger="tensorflow"):
        for index in range(polymorphic_function.FREQUENT_TRACING_WARNING_THRESHOLD):
            step = PairedTaskStep(first, None, discriminator, method, 0, config, tf.distribute.get_strategy(),
                                  *optimizers)
            step(images(index), images(index + 50), first.models[0].sample_z(index), tf.constant([7, index]))
    assert not [record for record in caplog.records if "retracing" in record.getMessage()]


@pytest.mark.parametrize("method_name", sorted(METHODS))
def test_a_rebuilt_sequence_has_the_structure_of_a_grown_one(method_name):
    # Restoring builds the models at their final size at once (`rebuild`), not task by task.
    method = get_method(method_name)
    grown = None
    for task in range(3):
        grown = method.start_task(grown, task, GENERATOR)
    rebuilt = method.rebuild(3, GENERATOR)
    assert rebuilt.routes == grown.routes

    def layout(model):
        return [(variable.path.split("/", 1)[1], tuple(variable.shape)) for variable in model.weights]

    assert [layout(model) for model in rebuilt.models] == [layout(model) for model in grown.models]
