"""Unpaired (CycleGAN) tasks: the generator sizes of paper Table 5, the image pool,
the mode chosen from the tasks, the losses, MirroredStrategy and resuming."""

import json
import os

import distilling_step
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import trackable_object_graph_pb2

from datasets import builtin as builtin_tasks
from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import losses
from hyper_lifelong_gan.evaluation import classifier as classifier_lib
from hyper_lifelong_gan.methods import METHODS, get_method
from hyper_lifelong_gan.training import trainer
from hyper_lifelong_gan.training.image_pool import POOL_SIZE, ImagePool

# ------------------------------------------------------------------ paper Table 5


@pytest.mark.parametrize(
    "method_name, first, second, added",
    [("hyper_lifelong_gan", 6.27, 6.46, 0.19), ("full", 7.84, 15.68, 7.84)],
)
def test_unpaired_generator_sizes_are_table_5(method_name, first, second, added):
    # Built the way an unpaired run builds a task: the trainer's UnpairedMode at the
    # paper's sizes (G and F, two PatchGANs, optimizers, pools).
    config, tasks, method = trainer.prepare_config(
        config_lib.TrainConfig(tasks="monet,ukiyoe", method=method_name, workdir="unused")
    )
    assert config.mode == "unpaired" and config.ngf == 64 and config.n_blocks == 6
    mode = trainer.UnpairedMode(config, tasks, method, tf.distribute.get_strategy(), "float32", False)
    after_one = mode.start_task(None, 0).generators
    after_two = mode.start_task(after_one, 1).generators
    assert after_one.count_params() / 1e6 == pytest.approx(first, abs=0.01)
    assert after_two.count_params() / 1e6 == pytest.approx(second, abs=0.01)
    assert (after_two.count_params() - after_one.count_params()) / 1e6 == pytest.approx(added, abs=0.01)
    # The count is one generator's (Table 5); F grows exactly like G.
    assert after_two.inverse.count_params() == after_two.forward.count_params()


# --------------------------------------------------------------------- image pool


def numbered_images(first, count):
    """Images whose every pixel holds their number, so a returned image names itself."""
    numbers = tf.range(first, first + count, dtype=tf.float32)
    return tf.tile(numbers[:, None, None, None], [1, 2, 2, 3])


def numbers_of(images):
    return [int(round(float(v))) for v in tf.reduce_mean(images, axis=[1, 2, 3])]


def query_batches(pool, batches, batch_size=8, query=None):
    query = query or pool.query
    return [numbers_of(query(numbered_images(index * batch_size, batch_size))) for index in range(batches)]


def test_pool_returns_its_inputs_until_full_then_mixes_in_stored_images():
    pool = ImagePool((2, 2, 3), seed=0)
    assert pool.capacity == POOL_SIZE == 50
    returned = query_batches(pool, 20)
    # 50 images fill the pool: the first six batches and two images of the seventh
    # come back unchanged.
    for index in range(6):
        assert returned[index] == list(range(index * 8, index * 8 + 8))
    assert returned[6][:2] == [48, 49]
    assert int(pool.count.numpy()) == 50
    # From then on each image comes back itself or, with probability 1/2, is swapped
    # for an earlier one, which leaves the pool.
    later = [(index * 8 + k, number) for index in range(7, 20) for k, number in enumerate(returned[index])]
    swapped = [(own, number) for own, number in later if own != number]
    assert all(number < own for own, number in swapped)
    assert 0.3 < len(swapped) / len(later) < 0.7
    stored = numbers_of(pool.images)
    assert len(stored) == len(set(stored)) == 50
    assert not set(stored) & {number for _, number in swapped}
    assert int(pool.count.numpy()) == 50


def test_pool_is_deterministic_for_a_seed_and_the_same_in_a_tf_function():
    eager = query_batches(ImagePool((2, 2, 3), seed=3), 12)
    compiled_pool = ImagePool((2, 2, 3), seed=3)
    compiled = query_batches(compiled_pool, 12, query=tf.function(compiled_pool.query))
    assert eager == compiled
    assert query_batches(ImagePool((2, 2, 3), seed=4), 12) != eager


def test_a_pool_of_capacity_zero_returns_its_inputs():
    assert query_batches(ImagePool((2, 2, 3), capacity=0), 2) == [list(range(8)), list(range(8, 16))]


# --------------------------------------------------------------------- the losses


def test_cyclegan_losses():
    ones = tf.ones((2, 4, 4, 1))
    assert losses.lsgan_generator_loss(ones).numpy().tolist() == [0.0, 0.0]
    np.testing.assert_allclose(losses.lsgan_generator_loss(0 * ones), [1.0, 1.0])
    np.testing.assert_allclose(losses.lsgan_discriminator_loss(ones, 0 * ones), [0.0, 0.0])
    np.testing.assert_allclose(losses.lsgan_discriminator_loss(0 * ones, ones), [1.0, 1.0])
    images = tf.zeros((2, 4, 4, 3))
    np.testing.assert_allclose(losses.cycle_consistency_loss(images, images + 0.5), [5.0, 5.0])
    np.testing.assert_allclose(losses.identity_loss(images, images - 0.5), [2.5, 2.5])


# ------------------------------------------------------------ choosing the mode


def test_the_mode_comes_from_the_tasks():
    config, tasks, _ = trainer.prepare_config(config_lib.TrainConfig(mode="unpaired"))
    assert [task.name for task in tasks] == list(builtin_tasks.UNPAIRED_TASKS)
    sizes = (config.mode, config.image_size, config.ngf, config.n_blocks, config.batch_size)
    assert sizes == ("unpaired", 32, 16, 2, 8)
    config, _, _ = trainer.prepare_config(config_lib.TrainConfig(tasks="toy_photo2monet,toy_photo2ukiyoe"))
    assert config.mode == "unpaired"
    config, _, _ = trainer.prepare_config(config_lib.TrainConfig())
    assert config.mode == "paired"
    mixed = r"mixes paired tasks \(toy_photo2warm\) and unpaired tasks \(toy_photo2monet\)"
    with pytest.raises(config_lib.InvalidConfig, match=mixed):
        trainer.prepare_config(config_lib.TrainConfig(tasks="toy_photo2warm,toy_photo2monet"))
    with pytest.raises(config_lib.InvalidConfig, match="--mode=paired does not fit"):
        trainer.prepare_config(config_lib.TrainConfig(tasks="monet,ukiyoe", mode="paired"))


# ------------------------------------------------------------ every method


TINY = config_lib.TrainConfig(mode="unpaired", batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8)


def second_task(method_name):
    """The trainer's set-up of task 2 of an unpaired run with `method_name`, at tiny sizes."""
    method = get_method(method_name)
    mode = trainer.UnpairedMode(TINY, [], method, tf.distribute.get_strategy(), "float32", False)
    return method, mode.start_task(mode.start_task(None, 0).generators, 1)


@pytest.mark.parametrize("method_name", sorted(METHODS))
def test_every_method_grows_and_trains_both_generators(method_name):
    method, setup = second_task(method_name)
    generators, step = setup.generators, setup.step
    forward_weights = {id(v) for model in generators.forward.models for v in model.weights}
    inverse_weights = {id(v) for model in generators.inverse.models for v in model.weights}
    assert not forward_weights & inverse_weights  # two networks, nothing shared
    trained = {id(v) for v in step.generator_variables}
    for half in (generators.forward, generators.inverse):
        assert {id(v) for v in method.trainable_variables(half, 1)} <= trained
    assert trained <= forward_weights | inverse_weights
    assert generators.forward.routes == generators.inverse.routes and generators.num_tasks == 2
    assert step.distill_tasks == ([0] if method.distills else [])


@pytest.mark.parametrize("method_name", sorted(METHODS))
def test_every_method_takes_unpaired_steps(method_name, run_eagerly):
    # Eagerly, in seconds; the mirrored check below traces this step.
    _, setup = second_task(method_name)
    images = tf.random.stateless_uniform((2, 2, 32, 32, 3), (1, 2), -1, 1)
    z = setup.generators.models[0].sample_z(0)
    for index in range(2):
        values = setup.step(images[0], images[1], z, tf.constant((3, index)))
        assert all(np.isfinite(float(value)) for value in values.values()), values


# ------------------------------------------------------- MirroredStrategy, 2 CPUs


@pytest.mark.slow  # two traces of the CycleGAN step in a subprocess: about two minutes on 2 cores
def test_unpaired_steps_under_mirrored_strategy_match_one_device():
    report = distilling_step.report_of("mirrored_unpaired_check.py", timeout=900)
    assert report["replicas"] == 2
    single, mirrored = report["single"], report["mirrored"]
    assert len(single["losses"]) == len(mirrored["losses"]) == 3
    for step in single["losses"] + mirrored["losses"]:
        assert all(np.isfinite(value) for value in step.values()), step
    # Task 2 starts as a copy of task 1's generators: no distillation at the first
    # step, some once G and F have moved.
    assert single["losses"][0]["distillation"] == 0
    assert all(step["distillation"] > 0 for step in single["losses"][1:])
    # The pools (6 images here, batches of 4) are filled during step 2 and mix stored
    # images into step 3. They are queried once per step with the global batch, so
    # two replicas compute what one device computes at every step, full pool or not,
    # and end with the same images in the pools.
    # Tolerances as in test_xla.py: one device and two replicas add the same numbers in
    # another order, so every loss agrees to float32 rounding (1e-4) except the
    # distillation term once it has trained: it is an L1 between a student and a teacher
    # that start equal, whose gradient is the sign of differences at rounding level, and
    # Adam turns such a gradient into a step of the full learning rate either way. That
    # term gets 2e-2 (measured here: 5.9e-4 at step 3, the rest below 1e-4).
    for one, two in zip(single["losses"], mirrored["losses"]):
        for name, value in one.items():
            rel = 2e-2 if name == "distillation" else 1e-4
            assert two[name] == pytest.approx(value, rel=rel, abs=1e-5), name
    for name in ("input_pool", "target_pool"):
        assert single["pools"][name]["count"] == mirrored["pools"][name]["count"] == report["pool_capacity"]
        # The pools hold generated images, computed by weights that agree to the losses'
        # 1e-4 (measured: 1.6e-5 relative on the sum of a pool).
        assert mirrored["pools"][name]["sum"] == pytest.approx(single["pools"][name]["sum"], rel=1e-4)


# ------------------------------------------------------------------------ resuming


def tiny_config(workdir, data_dir, **overrides):
    values = dict(
        tasks="toy_photo2monet,toy_photo2ukiyoe", steps_per_task=4, batch_size=2, image_size=32,
        ngf=4, n_blocks=1, ndf=8, log_every=1, checkpoint_every=3, eval_examples=4,
        workdir=str(workdir), data_dir=data_dir,
    )
    values.update(overrides)
    return config_lib.TrainConfig(**values)


def logged_steps(workdir):
    with open(os.path.join(workdir, "metrics.jsonl")) as stream:
        return [(record["task"], record["step"]) for record in map(json.loads, stream)]


def pool_count(workdir, task):
    checkpoint = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints", f"task_{task}"))
    return int(tf.train.load_variable(checkpoint, "target_pool/count/.ATTRIBUTES/VARIABLE_VALUE"))


def checkpointed_objects(workdir, task):
    """Names of the objects a task's latest checkpoint holds (its root's children)."""
    checkpoint = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints", f"task_{task}"))
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(tf.train.load_checkpoint(checkpoint).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    return {child.local_name for child in graph.nodes[0].children}


@pytest.mark.slow  # four trainer runs of two tasks
def test_interrupted_unpaired_run_resumes_where_it_stopped(tmp_path, toy_data_dir, run_eagerly, monkeypatch):
    # Eagerly, with a briefly trained Acc classifier: what is checked is the
    # bookkeeping (the mirrored check traces the step, test_evaluate.py the classifier).
    monkeypatch.setattr(classifier_lib, "CLASSIFIER_STEPS", 20)
    config = tiny_config(tmp_path, toy_data_dir)
    # Stop after the last step of the first task, before its end-of-task bookkeeping.
    trainer.train(config, interrupt_after_steps=4)
    assert not (tmp_path / "progress.json").exists()
    assert logged_steps(tmp_path) == [(0, step) for step in range(1, 5)]
    assert {
        "generator_0", "inverse_generator_0", "input_discriminator", "target_discriminator",
        "input_pool", "target_pool", "generator_optimizer", "discriminator_optimizer", "step",
    } <= checkpointed_objects(tmp_path, 0)
    assert pool_count(tmp_path, 0) == 8  # four batches of 2
    # Resume between the tasks, and stop in the middle of the second one.
    trainer.train(config, interrupt_after_steps=2)
    assert json.loads((tmp_path / "progress.json").read_text()) == {"completed_tasks": 1}
    assert pool_count(tmp_path, 1) == 4
    # Resume mid-task: the teacher (G and F after task 1) is restored from the saved
    # generators, the rest from the task's checkpoint.
    results = trainer.train(config)
    expected = [(task, step) for task in range(2) for step in range(1, 5)]
    assert logged_steps(tmp_path) == expected
    assert json.loads((tmp_path / "progress.json").read_text()) == {"completed_tasks": 2}
    assert pool_count(tmp_path, 1) == 8  # the pool came back with its 4 images
    assert set(results["metrics"]) == {"acc", "structure"} and set(results["baselines"]) == {"structure"}
    assert len(results["baselines"]["structure"]) == 2 and None not in results["baselines"]["structure"][1]
    acc = results["metrics"]["acc"]
    assert len(acc) == 2 and acc[0][1] is None and None not in acc[1]
    assert all(0.0 <= value <= 1.0 for value in acc[0][:1] + acc[1])
    # params count G only, which gains one task's parameters.
    assert len(results["params"]) == 2 and results["params"][0] < results["params"][1]
    # The generators saved after each task restore as G alone (what evaluate.py reads)
    # and as the pair (what the next task's teacher is).
    generator_config = config_lib.generator_config(trainer.prepare_config(config)[0])
    method = get_method(config.method)
    forward = trainer.restore_task_generators(str(tmp_path), 1, method, generator_config)
    pair = trainer.restore_cycle_generators(str(tmp_path), 1, method, generator_config)
    assert forward.count_params() == pair.count_params() == results["params"][1]
    for mine, theirs in zip(forward.models[0].weights, pair.forward.models[0].weights):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    # Running it once more trains nothing.
    trainer.train(config)
    assert logged_steps(tmp_path) == expected
