"""export.py and hyper_lifelong_gan.serving: one artifact that serves every learned task."""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from trained_run import TASKS, train_tiny_run

from hyper_lifelong_gan import inference, serving
from hyper_lifelong_gan.evaluation import generation as evaluation
from hyper_lifelong_gan.methods import get_method
from hyper_lifelong_gan.models import build_generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _perturbed(models, seed=0):
    """Moves every weight off its initial value, as training would."""
    generator = tf.random.Generator.from_seed(seed)
    for model in models:
        for variable in model.weights:
            variable.assign(variable + generator.normal(variable.shape, stddev=0.05))


def _inputs(seed=1, shape=(2, 16, 16, 3)):
    return tf.random.stateless_uniform(shape, (seed, 0), -1.0, 1.0)


def _load_without_warnings(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = keras.models.load_model(path)
    messages = [str(warning.message) for warning in caught]
    assert not any("cannot be built" in message or "weights" in message.lower() for message in messages), messages
    return loaded


@pytest.mark.parametrize("conv_kind", ["hyper", "plain", "piggyback"])
def test_keras_file_round_trips_a_three_task_generator_with_its_weights(conv_kind, tmp_path):
    generator = build_generator(num_tasks=3, conv_kind=conv_kind, ngf=4, n_blocks=1)
    _perturbed([generator])
    path = str(tmp_path / "generator.keras")
    generator.save(path)
    loaded = _load_without_warnings(path)
    assert len(loaded.weights) == len(generator.weights)
    images, z = _inputs(), generator.sample_z((3, 4))
    for task in range(3):
        np.testing.assert_allclose(
            loaded(images, task=task, z=z).numpy(), generator(images, task=task, z=z).numpy(), atol=1e-6,
            err_msg=f"{conv_kind} task {task}",
        )


@pytest.mark.parametrize("method_name", ["full", "piggyback"])
def test_task_translator_keras_file_serves_every_task_with_the_noise_baked_in(method_name, tmp_path):
    # full: one generator per task (routes to several models); piggyback: task slots of one.
    generators = get_method(method_name).rebuild(3, dict(ngf=4, n_blocks=1))
    _perturbed(generators.models)
    z = evaluation.eval_z(generators)
    translator = serving.TaskTranslator.from_generators(generators, ["a", "b", "c"], z)
    path = str(tmp_path / "translator.keras")
    translator.save(path)
    loaded = _load_without_warnings(path)
    assert loaded.task_names == ["a", "b", "c"]
    images = _inputs()
    for task in range(3):
        np.testing.assert_allclose(
            loaded(images, task=task).numpy(), generators(images, task=task, z=z).numpy(), atol=1e-6,
            err_msg=f"{method_name} task {task}",
        )


@pytest.fixture(scope="module")
def trained(tmp_path_factory, toy_data_dir):
    workdir = tmp_path_factory.mktemp("run")
    train_tiny_run(workdir, toy_data_dir)
    return inference.load_trained(str(workdir))


def _references(trained, inputs):
    """Every task's output for `inputs` as the trainer's evaluation computes it (its
    predictor takes the run's image size; other sizes go through the same generate call)."""
    config = trained.run.config
    if inputs.shape[1:3] == (config.image_size, config.image_size):
        predict = lambda index: evaluation.predictor(trained.generators, index, trained.z, config)  # noqa: E731
    else:
        predict = lambda index: tf.function(  # noqa: E731
            lambda images: evaluation.generate(trained.generators, index, images, trained.z))
    return [predict(index)(inputs).numpy() for index in range(len(trained.task_names))]


# Runs in a fresh interpreter whose sys.path cannot reach this repository.
LOADER = textwrap.dedent("""
    import json, sys
    import numpy as np, tensorflow as tf
    try:
        import hyper_lifelong_gan
        importable = True
    except ImportError:
        importable = False
    data = np.load(sys.argv[2])
    model = tf.saved_model.load(sys.argv[1])
    names = [name.decode() for name in model.task_names.numpy()]
    errors = {}
    for index, name in enumerate(names):
        key = "translate_" + name
        for images_key in ("test", "other_size"):
            images = tf.constant(data[images_key])
            reference = data[f"{images_key}_{index}"]
            by_task = model.signatures[key](images=images)["translated"].numpy()
            default = model.signatures["serving_default"](images=images, task=tf.constant(index))
            errors[f"{key}/{images_key}"] = float(np.abs(by_task - reference).max())
            errors[f"serving_default/{index}/{images_key}"] = float(
                np.abs(default["translated"].numpy() - reference).max())
    odd = model.signatures[key](images=tf.zeros((1, 30, 22, 3)))["translated"]
    print(json.dumps(dict(importable=importable, names=names, errors=errors, odd_shape=list(odd.shape),
                          signatures=sorted(model.signatures))))
""")


def test_saved_model_gives_the_trainers_outputs_in_a_process_that_cannot_import_the_project(
    trained, tmp_path
):
    path = str(tmp_path / "saved_model")
    serving.export_saved_model(trained, path)
    test_inputs = next(iter(evaluation.test_batches(trained.run.tasks[1], trained.run.config, 4)))[0]
    other_size = _inputs(shape=(2, 36, 28, 3))  # the signatures take any multiple of 4
    arrays = {"test": test_inputs.numpy(), "other_size": other_size.numpy()}
    for key, images in (("test", test_inputs), ("other_size", other_size)):
        for index, reference in enumerate(_references(trained, images)):
            arrays[f"{key}_{index}"] = reference
    np.savez(tmp_path / "data.npz", **arrays)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, "-c", LOADER, path, str(tmp_path / "data.npz")], cwd=outside, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert found["importable"] is False
    assert found["names"] == list(TASKS)
    assert found["signatures"] == sorted(["serving_default"] + [f"translate_{name}" for name in TASKS])
    assert len(found["errors"]) == 4 * len(TASKS)
    assert max(found["errors"].values()) <= 1e-5, found["errors"]
    assert found["odd_shape"] == [1, 30, 22, 3]  # padded to a multiple of 4 and cropped back


def test_tflite_model_of_every_task_is_within_the_stated_tolerance(trained, tmp_path):
    path = str(tmp_path / "model.tflite")
    serving.export_tflite(trained, path)
    interpreter = tf.lite.Interpreter(path)
    names = serving.tflite_signature_names(trained)
    assert sorted(interpreter.get_signature_list()) == sorted(names)
    inputs = next(iter(evaluation.test_batches(trained.run.tasks[0], trained.run.config, 2)))[0]
    for name, reference in zip(names, _references(trained, inputs)):
        runner = interpreter.get_signature_runner(name)
        for index in range(inputs.shape[0]):
            output = runner(images=inputs[index : index + 1].numpy())["translated"]
            assert np.abs(output - reference[index : index + 1]).max() <= serving.TFLITE_TOLERANCE, name


def _export_cli(*args):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "export.py"), *args], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )


def test_export_cli_help_and_bad_flags_get_one_sentence(tmp_path):
    assert _export_cli("--help").returncode == 0
    existing = tmp_path / "exists"
    existing.mkdir()
    for args, message in (
        ([f"--output={tmp_path / 'x'}"], "--workdir is required"),
        ([f"--workdir={tmp_path}", "--format=keras", f"--output={tmp_path / 'x.h5'}"], "ending in .keras"),
        ([f"--workdir={tmp_path}", f"--output={existing}"], "exists; choose another path or pass --overwrite"),
        ([f"--workdir={tmp_path}", "--task=1", f"--output={tmp_path / 'y'}"], "--format=tflite only"),
        ([f"--workdir={tmp_path}", f"--output={existing}", "--overwrite"], "holds no SavedModel"),
    ):
        completed = _export_cli(*args)
        assert completed.returncode == 1, args
        assert message in completed.stderr, completed.stderr
        assert "Traceback" not in completed.stderr


@pytest.mark.slow
def test_export_cli_writes_each_format_and_prints_its_size(trained, tmp_path):
    workdir = trained.run.workdir
    output = tmp_path / "model.keras"
    completed = _export_cli(f"--workdir={workdir}", "--format=keras", f"--output={output}")
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert f"{os.path.getsize(output):,} bytes" in completed.stdout
    model = keras.models.load_model(str(output))
    inputs = _inputs()
    for index, reference in enumerate(_references(trained, inputs)):
        np.testing.assert_allclose(model(inputs, task=index).numpy(), reference, atol=1e-5)
    # A workdir without a finished task: one sentence.
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = _export_cli(f"--workdir={empty}", f"--output={tmp_path / 'out'}")
    assert completed.returncode == 1
    assert "holds no training run" in completed.stderr and "Traceback" not in completed.stderr
