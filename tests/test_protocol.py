"""The paper's protocol: Table 3's rows, the training schedule (per-task lengths, the
learning-rate decay, the shared discriminator), and evaluate.py's outputs for the
standard FID tools and Acc of a single-task run (Table 1)."""

import json
import os

import keras
import numpy as np
import pytest

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.config import InvalidConfig, TrainConfig
from hyper_lifelong_gan.layers import HyperConv2D, PlainConv2D, PlainConv2DTranspose, TaskInstanceNorm
from hyper_lifelong_gan.methods import get_method

TINY_GENERATOR = dict(ngf=4, n_blocks=1, num_bases=7, z_dim=64, hidden_units=64)


# ------------------------------------------------------------------------ Table 3


def test_table3_row1_is_conventional_filters_with_per_task_norms():
    # Row 1 (no dynamic base filters, no task-specific base filters, no coefficients)
    # has LifelongGAN++'s numbers of Table 4: the README runs it as that method.
    method = get_method("lifelong_gan_pp")
    keras.utils.set_random_seed(0)
    first = method.start_task(None, 0, TINY_GENERATOR)
    second = method.start_task(first, 1, TINY_GENERATOR)
    (model,) = second.models
    assert all(isinstance(layer, (PlainConv2D, PlainConv2DTranspose)) for layer in model.conv_layers())
    assert all(isinstance(layer, TaskInstanceNorm) and layer.num_tasks == 2 for layer in model.norm_layers())
    # What task 2 adds is its norms' gamma and beta, nothing else.
    stacked = model.stacked_task_weights
    assert stacked and all(v.name in ("tasks_gamma", "tasks_beta") for v in stacked)
    norm_sizes = sum(2 * layer.gamma.shape[1] for layer in model.norm_layers())
    assert second.count_params() - first.count_params() == norm_sizes
    assert method.distills


def _filter_variance_ratio(seed, in_channels=64, filters=64, kernel=3):
    """Var(F) / (2 / fan_in) of the all-off (static, shared, no coefficients) factorisation."""
    keras.utils.set_random_seed(seed)
    layer = HyperConv2D(
        filters, kernel, num_tasks=1, num_bases=7, dynamic_base_filters=False,
        task_specific_base_filters=False, task_coefficients=False,
    )
    layer(keras.ops.zeros((1, 8, 8, in_channels)), task=0, z=keras.ops.zeros((64,)))
    flat = keras.ops.convert_to_numpy(layer.flat_kernel(0, keras.ops.zeros((64,))))
    return float(np.var(flat)) / (2.0 / (kernel * kernel * in_channels))


def test_static_base_filters_give_the_filters_the_he_variance():
    # The extra, literal all-off row: learned base filters of unit variance, so
    # F = B @ W starts with a conventional kernel's He variance (Keras' default
    # random_normal, std 0.05, made it ~400x too small).
    ratios = [_filter_variance_ratio(seed) for seed in range(4)]
    assert 0.7 < np.mean(ratios) < 1.4, ratios


# -------------------------------------------------------------- training schedule


def test_steps_and_epochs_per_task_one_value_or_one_per_task():
    config = TrainConfig(steps_per_task="3, 2")
    config_lib.check_schedule(config, 2)
    assert config_lib.canonical_lengths(config).steps_per_task == "3,2"
    assert config_lib.canonical_lengths(TrainConfig(steps_per_task="400")).steps_per_task == 400
    assert config_lib.task_steps(TrainConfig(steps_per_task=5), 3) == [5, 5, 5]
    with pytest.raises(InvalidConfig, match="gives 2 values for 3 tasks"):
        config_lib.check_schedule(config, 3)
    with pytest.raises(InvalidConfig, match="not a number"):
        config_lib.check_schedule(TrainConfig(steps_per_task="3,x"), 2)
    with pytest.raises(InvalidConfig, match="not both"):
        config_lib.check_schedule(TrainConfig(steps_per_task="3", epochs_per_task="1"), 2)
    # An epoch is ceil(examples / batch) steps: facades (400 pairs) and edges2handbags
    # (138,567) at batch 16, 200 and 2 epochs.
    epochs = TrainConfig(epochs_per_task="200,2", batch_size=16)
    config_lib.check_schedule(epochs, 2)
    assert config_lib.task_steps(epochs, 2, [400, 138567]) == [5000, 17321]
    # With epochs, the size defaults leave the steps unset (resolve), so both are not "given".
    resolved = config_lib.resolve(TrainConfig(epochs_per_task="1"), toy=True)
    assert resolved.steps_per_task is None and resolved.batch_size == 8
    config_lib.check_schedule(resolved, 4)


def test_linear_decay_follows_pix2pix_rule_per_step():
    decay = TrainConfig(learning_rate=1.0, lr_schedule="linear_decay", decay_fraction=0.5)
    rates = [config_lib.learning_rate_at(decay, step, 6) for step in range(6)]
    np.testing.assert_allclose(rates, [1, 1, 1, 0.75, 0.5, 0.25])
    # pix2pix's 100 + 100 epochs, one step an epoch: 1 - max(0, epoch - 100) / 101.
    pix2pix = [1 - max(0, epoch - 100) / 101 for epoch in range(1, 201)]
    np.testing.assert_allclose([config_lib.learning_rate_at(decay, s, 200) for s in range(200)], pix2pix)
    constant = TrainConfig(learning_rate=2e-4, lr_schedule="constant")
    assert config_lib.learning_rate_at(constant, 199, 200) == 2e-4
    # The schedule a run gets without the flag: decay for the toy sequence, constant for real data.
    assert config_lib.resolve(TrainConfig(), toy=True).lr_schedule == "linear_decay"
    assert config_lib.resolve(TrainConfig(), toy=False).lr_schedule == "constant"
    with pytest.raises(InvalidConfig, match="decay_fraction"):
        config_lib.check_schedule(TrainConfig(decay_fraction=0.0), 1)
    with pytest.raises(InvalidConfig, match="valid schedules"):
        config_lib.check_schedule(TrainConfig(lr_schedule="cosine"), 1)


def _logged(workdir):
    with open(os.path.join(workdir, "metrics.jsonl")) as stream:
        return [(r["task"], r["step"], r["global_step"], r["learning_rate"]) for r in map(json.loads, stream)]


def test_per_task_steps_and_decay_resume_mid_decay(tmp_path, toy_data_dir, run_eagerly):
    from test_resume import tiny_config

    from hyper_lifelong_gan.training import trainer

    config = tiny_config(
        tmp_path, toy_data_dir, steps_per_task="4,2", lr_schedule="linear_decay",
        discriminator="shared", checkpoint_every=100,
    )
    trainer.train(config, interrupt_after_steps=3)  # the third step of task 1 already decays
    trainer.train(config)
    # Each task its own length and its own decay; global steps count the earlier tasks' lengths.
    expected = [(0, 1, 1, 1), (0, 2, 2, 1), (0, 3, 3, 2 / 3), (0, 4, 4, 1 / 3), (1, 1, 5, 1), (1, 2, 6, 1 / 2)]
    logged = _logged(tmp_path)
    assert [entry[:3] for entry in logged] == [entry[:3] for entry in expected]
    np.testing.assert_allclose([entry[3] for entry in logged], [2e-4 * entry[3] for entry in expected], rtol=1e-6)


def _discriminator_after_carry(tmp_path, discriminator):
    """(saved end-of-task-1 weights, task 2's discriminator weights after the carry)."""
    import tensorflow as tf
    from test_resume import tiny_config

    from hyper_lifelong_gan.methods import set_task_seed
    from hyper_lifelong_gan.training import modes, trainer

    config, tasks, method = trainer.prepare_config(
        tiny_config(tmp_path, "", discriminator=discriminator)
    )
    mode = trainer.PairedMode(config, tasks, method, tf.distribute.get_strategy(), "float32", False)
    set_task_seed(config.seed, 0)
    first = mode.start_task(None, 0)
    for variable in first.checkpoint_items["discriminator"].weights:  # "trained" weights
        variable.assign(variable + 0.5)
    saved = [v.numpy() for v in first.checkpoint_items["discriminator"].weights]
    items = {name: modes.trackable(item) for name, item in first.checkpoint_items.items()}
    tf.train.CheckpointManager(
        tf.train.Checkpoint(**items), os.path.join(config.workdir, "checkpoints", "task_0"), 2
    ).save()
    set_task_seed(config.seed, 1)
    second = mode.start_task(first.generators, 1)
    trainer.carry_shared_discriminators(config, 1, second)
    return saved, [v.numpy() for v in second.checkpoint_items["discriminator"].weights]


def test_shared_discriminator_goes_on_from_the_previous_task(tmp_path):
    saved, carried = _discriminator_after_carry(tmp_path / "shared", "shared")
    for before, after in zip(saved, carried, strict=True):
        np.testing.assert_array_equal(before, after)
    saved, fresh = _discriminator_after_carry(tmp_path / "per_task", "per_task")
    assert not any(np.array_equal(before, after) for before, after in zip(saved, fresh) if before.size > 1)


# ------------------------------------------------------------------ evaluate.py


@pytest.fixture(scope="module")
def single_task_run(tmp_path_factory, toy_data_dir):
    """The workdir of a tiny run that learns one task (as the paper's Table 1)."""
    import io

    from graph_mode import eagerly
    from test_resume import tiny_config

    from hyper_lifelong_gan.training import trainer

    workdir = tmp_path_factory.mktemp("single")
    with eagerly():
        trainer.train(
            tiny_config(workdir, toy_data_dir, tasks="toy_labels2street", steps_per_task=2),
            log_stream=io.StringIO(),
        )
    return str(workdir)


def _evaluate(workdir, metrics, **kwargs):
    import io

    from hyper_lifelong_gan.evaluation import command

    return command.evaluate_runs(
        [workdir], metrics, eval_examples=6, classifier_steps=5, stream=io.StringIO(),
        log_stream=io.StringIO(), **kwargs,
    )


def test_acc_of_a_single_task_run_with_the_classifier_of_a_sequence(single_task_run):
    from hyper_lifelong_gan.evaluation import classifier as classifier_lib
    from hyper_lifelong_gan.evaluation import generation, runs
    from hyper_lifelong_gan.metrics import domain_classifier

    with pytest.raises(runs.EvaluationError, match="pass --classifier_tasks"):
        _evaluate(single_task_run, "acc")
    with pytest.raises(runs.EvaluationError, match="does not include"):
        _evaluate(single_task_run, "acc", classifier_tasks="toy_photo2warm,toy_photo2cool")
    # The run's task is class 1 of this classifier.
    sequence = "toy_photo2warm,toy_labels2street"
    (evaluation,) = _evaluate(single_task_run, "acc", classifier_tasks=sequence)
    (acc,) = evaluation.matrices["acc"][0]
    run = evaluation.run
    classifier = classifier_lib.SharedClassifiers(5, classifier_lib.CLASSIFIER_BATCH_SIZE, print).get(
        run, runs.parse_classifier_tasks(sequence)
    )
    generators = _final_generators(run)
    config = _eval_config(run)
    batches = generation.test_outputs(generators, run.tasks[0], 0, config, _z(generators))
    outputs = [generated.numpy() for _, generated, _ in batches]
    assert acc == pytest.approx(domain_classifier.accuracy_per_task(classifier, [[], outputs])[1])
    with open(run.results_path) as stream:
        assert json.load(stream)["evaluation"]["acc_classifier_tasks"] == sequence.split(",")


def _eval_config(run):
    import dataclasses

    return dataclasses.replace(run.config, eval_examples=6)


def _final_generators(run):
    from hyper_lifelong_gan import workdir as workdir_lib

    return workdir_lib.restore_task_generators(
        run.workdir, run.completed - 1, run.method, config_lib.generator_config(run.config)
    )


def _z(generators):
    from hyper_lifelong_gan.evaluation import generation

    return generation.eval_z(generators)


def test_save_outputs_writes_generated_and_real_test_images(single_task_run):
    from PIL import Image

    from hyper_lifelong_gan.evaluation import generation

    (evaluation,) = _evaluate(single_task_run, "l1", save_outputs=True)
    run = evaluation.run
    folder = os.path.join(single_task_run, "outputs", "toy_labels2street")
    generated = sorted(os.listdir(os.path.join(folder, "generated")))
    real = sorted(os.listdir(os.path.join(folder, "real")))
    assert generated == real == [f"{i:05d}.png" for i in range(6)]
    generators = _final_generators(run)
    batches = list(generation.test_outputs(generators, run.tasks[0], 0, _eval_config(run), _z(generators)))
    outputs = np.concatenate([g.numpy() for _, g, _ in batches])
    targets = np.concatenate([t.numpy() for _, _, t in batches])
    for index in (0, 5):
        for kind, expected in (("generated", outputs[index]), ("real", targets[index])):
            saved = np.asarray(Image.open(os.path.join(folder, kind, f"{index:05d}.png")), np.float32)
            assert saved.shape == (32, 32, 3)
            np.testing.assert_allclose(saved / 127.5 - 1.0, expected, atol=1 / 127.5 + 1e-6, err_msg=kind)


# ------------------------------------------------------------- docs/paper_experiments.md


def _ablation_commands():
    """The commands of docs/paper_experiments.md's ablation block, shell variables expanded, comments cut."""
    import re
    import shlex

    page = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs", "paper_experiments.md")).read()
    block = page.split("## Ablations (Tables 1-3)", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    variables, commands = {}, []
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if re.fullmatch(r"\w+=\S+", line):
            name, value = line.split("=", 1)
            variables[name] = value
        elif line:
            for name, value in variables.items():
                line = line.replace(f"${name}", value)
            commands.append(shlex.split(line))
    return commands


def test_the_documented_ablation_commands_run_the_papers_experiments():
    import train
    from hyper_lifelong_gan import cli, workdir

    paired = "cityscapes,maps,facades,edges2handbags"
    commands = _ablation_commands()
    trains = [args[2:] for args in commands if args[:2] == ["python", "train.py"]]
    assert len(trains) == 1 + 3 + 5
    evaluate_source = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "evaluate.py")).read()
    try:
        for args in trains:
            train.FLAGS.unparse_flags()
            train.FLAGS(["train.py", *args])  # every flag exists and parses
            config, tasks, method = workdir.prepare_config(cli.config_from_flags(train.FLAGS))
            table = config.workdir.split("/")[-1]
            expected_tasks = "cityscapes" if table.startswith("table1") else paired
            assert [task.name for task in tasks] == expected_tasks.split(","), args
            if table == "table3_row1":
                assert method.name == "lifelong_gan_pp"
            elif table.startswith("table3_row"):
                row = int(table[-1])
                marks = (config.dynamic_base_filters, config.task_specific_base_filters, config.task_coefficients)
                assert method.name == "hyper_lifelong_gan" and marks == [None, (1, 0, 0), (1, 1, 0), (1, 1, 1)][row - 1]
    finally:
        train.FLAGS.unparse_flags()
    for args in (args for args in commands if args[:2] == ["python", "evaluate.py"]):
        for flag in (arg[2:].split("=")[0] for arg in args[2:]):
            assert f'"{flag}"' in evaluate_source, flag
    table1 = [args for args in commands if "--workdir=runs/table1_K3" in args and "evaluate.py" in args]
    assert table1 and f"--classifier_tasks={paired}" in table1[0]


def test_an_epoch_is_a_paired_tasks_pairs_or_an_unpaired_tasks_larger_domain(toy_data_dir):
    from datasets import builtin as builtin_tasks
    from datasets import pipeline
    from datasets import tasks as task_registry
    from hyper_lifelong_gan.training import trainer

    paired, unpaired = task_registry.parse_tasks(f"toy_labels2street,{builtin_tasks.UNPAIRED_TASKS[0]}")
    assert trainer.train_examples(paired, toy_data_dir) == pipeline.num_examples(paired, "train", toy_data_dir)
    splits = pipeline.prepare_builder(unpaired, toy_data_dir).info.splits
    sizes = [splits[name].num_examples for name in pipeline._unpaired_splits(unpaired, "train")]
    assert trainer.train_examples(unpaired, toy_data_dir) == max(sizes)
    config = TrainConfig(epochs_per_task="1,0.5", batch_size=3, data_dir=toy_data_dir)
    pairs = trainer.train_examples(paired, toy_data_dir)
    # ceil(1 * pairs / 3) and ceil(0.5 * larger domain / 3)
    assert trainer.task_lengths(config, [paired, unpaired]) == [-(-pairs // 3), -(-max(sizes) // 6)]
