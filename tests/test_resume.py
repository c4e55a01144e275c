"""Stopping a run mid-task and running the same command again finishes it exactly once."""

import dataclasses
import json
import os

import pytest

from hyper_lifelong_gan import workdir as workdir_lib
from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.training import trainer


def tiny_config(workdir, data_dir, **overrides):
    values = dict(
        tasks="toy_labels2street,toy_photo2warm", steps_per_task=6, batch_size=2, image_size=32,
        ngf=4, n_blocks=1, ndf=8, log_every=1, checkpoint_every=4, eval_examples=4,
        workdir=str(workdir), data_dir=data_dir,
    )
    values.update(overrides)
    return TrainConfig(**values)


def logged_steps(workdir):
    with open(os.path.join(workdir, "metrics.jsonl")) as stream:
        return [(record["task"], record["step"]) for record in map(json.loads, stream)]


def test_interrupted_run_resumes_where_it_stopped(tmp_path, toy_data_dir, run_eagerly):
    # Eagerly, in seconds: the CLI test (test_cli.py) resumes the real command, in graph mode.
    config = tiny_config(tmp_path, toy_data_dir)
    # Stop in the middle of the first task, then in the middle of the second.
    trainer.train(config, interrupt_after_steps=3)
    assert not (tmp_path / "progress.json").exists()  # no task finished yet
    assert logged_steps(tmp_path) == [(0, 1), (0, 2), (0, 3)]
    trainer.train(config, interrupt_after_steps=5)
    assert json.loads((tmp_path / "progress.json").read_text()) == {"completed_tasks": 1}
    results = trainer.train(config)
    # Every step of every task ran exactly once, in order, and the run ended where an
    # uninterrupted one ends.
    expected = [(task, step) for task in range(2) for step in range(1, 7)]
    assert logged_steps(tmp_path) == expected
    assert json.loads((tmp_path / "progress.json").read_text()) == {"completed_tasks": 2}
    assert len(results["metrics"]["l1"]) == 2 and len(results["params"]) == 2
    assert results["metrics"]["l1"][0][1] is None and results["metrics"]["l1"][1][0] is not None
    # Running it once more trains nothing.
    trainer.train(config)
    assert logged_steps(tmp_path) == expected


def test_a_run_resumed_with_more_tasks_learns_only_those_as_one_run_of_them_all(tmp_path, toy_data_dir,
                                                                                run_eagerly):
    # A lifelong run learns new tasks later: the same command with tasks added after
    # the recorded ones goes on from the last learned task.
    config = tiny_config(tmp_path, toy_data_dir, steps_per_task=3)
    first = trainer.train(dataclasses.replace(config, tasks="toy_labels2street"))
    assert first["tasks"] == ["toy_labels2street"]
    results = trainer.train(config)
    assert logged_steps(tmp_path) == [(task, step) for task in range(2) for step in range(1, 4)]
    assert results["tasks"] == ["toy_labels2street", "toy_photo2warm"] and results["extended_after"] == [1]
    assert results == json.loads((tmp_path / "results.json").read_text())
    # The same numbers as one run of both tasks: nothing of task 2 depends on when it was added.
    straight = trainer.train(tiny_config(tmp_path / "straight", toy_data_dir, steps_per_task=3))
    assert {key: value for key, value in results.items() if key != "extended_after"} == straight
    # Going back to the shorter list, or another one, is refused.
    for tasks in ("toy_labels2street", "toy_photo2warm,toy_labels2street"):
        with pytest.raises(workdir_lib.ConfigMismatch, match="may add tasks after the recorded ones"):
            trainer.train(dataclasses.replace(config, tasks=tasks))


def test_an_extension_keeps_the_recorded_tasks_lengths(tmp_path):
    config, _, _ = workdir_lib.prepare_config(
        TrainConfig(tasks="toy_labels2street,toy_photo2warm", steps_per_task="6,4", workdir=str(tmp_path)))
    workdir_lib.check_or_write_run_config(config)
    longer = dataclasses.replace(config, tasks="toy_labels2street,toy_photo2warm,toy_maps2aerial")
    assert workdir_lib.check_run_config(dataclasses.replace(longer, steps_per_task="6,4,9"))
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--steps_per_task='6,4' \(now '6,5,9'\)"):
        workdir_lib.check_run_config(dataclasses.replace(longer, steps_per_task="6,5,9"))
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--ngf=16 \(now 8\)"):  # only the sequence may grow
        workdir_lib.check_run_config(dataclasses.replace(longer, steps_per_task="6,4,9", ngf=8))


def test_a_run_recorded_before_sampleds_defaults_changed_resumes_with_what_it_recorded(tmp_path):
    # Until 2026-12-06 sampled distillation started tasks fresh and distilled on the
    # targets; left at auto, a resume of such a run keeps that, while a new run does not.
    old, _, _ = workdir_lib.prepare_config(TrainConfig(
        distillation="sampled", task_init="fresh", distill_input="swap", workdir=str(tmp_path / "old")))
    os.makedirs(old.workdir)
    workdir_lib.check_or_write_run_config(old)
    resumed, _, _ = workdir_lib.prepare_config(TrainConfig(distillation="sampled", workdir=old.workdir))
    assert (resumed.task_init, resumed.distill_input) == ("fresh", "swap")
    assert workdir_lib.check_run_config(resumed)
    new, _, _ = workdir_lib.prepare_config(TrainConfig(distillation="sampled", workdir=str(tmp_path / "new")))
    assert (new.task_init, new.distill_input) == ("previous", "unswap")
    # A flag given explicitly is still compared with the record.
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--task_init='fresh' \(now 'previous'\)"):
        workdir_lib.check_run_config(workdir_lib.prepare_config(TrainConfig(
            distillation="sampled", task_init="previous", workdir=old.workdir))[0])


def test_a_run_recorded_with_a_former_default_resumes_and_loads_with_it(tmp_path):
    # --distill_runs was 4 by default until 6 kept more at the same step cost: runs
    # recorded with 4, sampled or exact, resume with the flag left at its default,
    # and evaluate.py reads them, while a new run gets 6.
    for distillation in ("sampled", "exact"):
        workdir = str(tmp_path / distillation)
        old = TrainConfig(distillation=distillation, workdir=workdir)
        recorded = {**dataclasses.asdict(workdir_lib.prepare_config(old)[0]), "distill_runs": 4}
        os.makedirs(workdir)
        with open(os.path.join(workdir, workdir_lib.RUN_CONFIG), "w") as stream:
            json.dump(recorded, stream)
        resumed, _, _ = workdir_lib.prepare_config(old)
        assert resumed.distill_runs == 4
        assert workdir_lib.check_run_config(resumed)["distill_runs"] == 4
        # What evaluate.py does: the recorded flags, validated as given.
        workdir_lib.prepare_config(TrainConfig(distillation=distillation, distill_runs=4, workdir=workdir))
    assert workdir_lib.prepare_config(TrainConfig(distillation="sampled", workdir=str(tmp_path / "new")))[0] \
        .distill_runs == 6
    # A count given explicitly is still compared with the record.
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--distill_runs=4 \(now 8\)"):
        workdir_lib.check_run_config(workdir_lib.prepare_config(TrainConfig(
            distillation="sampled", distill_runs=8, workdir=str(tmp_path / "sampled")))[0])


def test_resuming_with_other_flags_is_refused(tmp_path, toy_data_dir):
    recorded, _, _ = workdir_lib.prepare_config(tiny_config(tmp_path, toy_data_dir))
    os.makedirs(recorded.workdir, exist_ok=True)
    workdir_lib.check_or_write_run_config(recorded)
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--ngf=4 \(now 8\).*same flags to resume"):
        trainer.train(tiny_config(tmp_path, toy_data_dir, ngf=8))
    # Where and how often to write may change; the run then resumes.
    relocated, _, _ = workdir_lib.prepare_config(tiny_config(tmp_path, toy_data_dir, log_every=3))
    workdir_lib.check_or_write_run_config(relocated)


def test_saved_generators_restore_every_weight(tmp_path):
    import numpy as np
    import tensorflow as tf

    from hyper_lifelong_gan.methods import get_method

    method = get_method("hyper_lifelong_gan")
    generator_config = dict(ngf=4, n_blocks=1)
    generators = method.rebuild(2, generator_config)
    for variable in generators.models[0].weights:  # move every weight off its initial value
        variable.assign(variable + tf.random.normal(variable.shape, stddev=0.1))
    workdir_lib.save_task_generators(str(tmp_path), 1, generators)
    saved = dict(tf.train.list_variables(workdir_lib.task_checkpoint_prefix(str(tmp_path), 1)))
    assert sum(name.endswith("VARIABLE_VALUE") for name in saved) == len(generators.models[0].weights)
    restored = workdir_lib.restore_task_generators(str(tmp_path), 1, method, generator_config)
    for original, copy in zip(generators.models[0].weights, restored.models[0].weights):
        np.testing.assert_array_equal(original.numpy(), copy.numpy(), err_msg=original.path)


def test_mid_task_checkpoint_holds_generator_discriminator_and_optimizers(tmp_path, toy_data_dir, run_eagerly):
    import tensorflow as tf

    trainer.train(tiny_config(tmp_path, toy_data_dir, tasks="toy_labels2street"), interrupt_after_steps=2)
    latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoints" / "task_0"))
    names = [name for name, _ in tf.train.list_variables(latest)]
    assert any(name.startswith("generator_0/block0_conv1..tasks_hidden_kernel") for name in names)
    assert any(name.startswith("discriminator/conv3..kernel") for name in names)
    assert any(name.startswith("generator_optimizer/_iterations") for name in names)
    assert any(name.startswith("step/") for name in names)


def test_a_checkpoint_of_separate_per_task_variables_gets_one_sentence(tmp_path):
    # Before per-task parameters were stacked, each task's were separate variables
    # (block0_norm1.task_0_gamma, ...); such a run folder cannot be read any more.
    import tensorflow as tf

    from hyper_lifelong_gan import config as config_lib

    old = tf.train.Checkpoint(**{"block0_norm1.task_0_gamma": tf.Variable(tf.ones(4))})
    prefix = old.write(str(tmp_path / "generator"))
    with pytest.raises(config_lib.InvalidConfig, match="older version .* new --workdir"):
        workdir_lib.check_checkpoint_layout(prefix)
    current = tf.train.Checkpoint(**{"block0_norm1.tasks_gamma": tf.Variable(tf.ones((1, 4)))})
    workdir_lib.check_checkpoint_layout(current.write(str(tmp_path / "current")))


def test_a_run_recorded_with_renamed_distillation_flags_is_refused_in_one_sentence(tmp_path):
    config = TrainConfig(workdir=str(tmp_path))
    recorded = {**dataclasses.asdict(config), "distill_tasks_per_step": 1, "distill_spread": 4}
    (tmp_path / "run_config.json").write_text(json.dumps(recorded))
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--distill_tasks_per_step=1 \(now --distillation=sampled"):
        workdir_lib.check_run_config(config)
    # The old defaults meant exact distillation, which is what such a run resumes as.
    old_defaults = {**recorded, "distill_tasks_per_step": 0, "distill_spread": 1}
    (tmp_path / "run_config.json").write_text(json.dumps(old_defaults))
    assert workdir_lib.check_run_config(config)
    # Filter-space distillation was removed: a run that used it is refused the same way.
    filters = {**old_defaults, "distillation": "sampled_filters", "filter_distill_weight": 100.0}
    (tmp_path / "run_config.json").write_text(json.dumps(filters))
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--distillation='sampled_filters' \(now removed\)"):
        workdir_lib.check_run_config(config)
