"""What a run shows while it learns: sample grids every --sample_every steps, the
HParams summary, forgetting scalars, the settings block, and an ETA that expects
later tasks to cost more."""

import io
import math
import os

import pytest
import tensorflow as tf
from tensorboard.plugins.hparams import plugin_data_pb2

from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.training import trainer
from hyper_lifelong_gan.training.logging_utils import StepCostModel

TASKS = ("toy_labels2street", "toy_photo2warm")
STEPS = 4


def _events(folder):
    """{tag: [(step, value proto)]} of every summary under `folder`, and the plugin data."""
    tags, plugin_contents = {}, []
    for name in sorted(os.listdir(folder)):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append((event.step, value))
                if value.metadata.plugin_data.plugin_name == "hparams":
                    plugin_contents.append(value.metadata.plugin_data.content)
    return tags, plugin_contents


@pytest.fixture(scope="module")
def run(tmp_path_factory, toy_data_dir):
    from graph_mode import eagerly

    workdir = str(tmp_path_factory.mktemp("run"))
    log = io.StringIO()
    config = TrainConfig(
        tasks=",".join(TASKS), steps_per_task=STEPS, batch_size=2, image_size=32, ngf=4, n_blocks=1,
        ndf=8, log_every=1, sample_every=2, eval_examples=4, workdir=workdir, data_dir=toy_data_dir,
    )
    with eagerly():  # the summaries are the point here, not graph mode
        trainer.train(config, log_stream=log)
    return workdir, log.getvalue()


def test_sample_grids_of_every_learned_task_at_the_chosen_interval(run):
    workdir, _ = run
    tags, _ = _events(os.path.join(workdir, "tensorboard"))
    # Task 1 at its steps 2 and 4 (the end); task 2 at global steps 6 and 8, with task 1 beside it.
    assert [step for step, _ in tags[f"samples/{TASKS[0]}"]] == [2, 4, 6, 8]
    assert [step for step, _ in tags[f"samples/{TASKS[1]}"]] == [6, 8]
    image = tf.image.decode_png(tf.make_ndarray(tags[f"samples/{TASKS[1]}"][0][1].tensor)[2])
    assert image.shape[-1] == 3 and image.shape[0] > 0


def test_hparams_and_forgetting_summaries(run):
    workdir, _ = run
    tags, plugin_contents = _events(os.path.join(workdir, "tensorboard"))
    parsed = [plugin_data_pb2.HParamsPluginData.FromString(content) for content in plugin_contents]
    experiments = [p.experiment for p in parsed if p.HasField("experiment")]
    sessions = [p.session_start_info for p in parsed if p.HasField("session_start_info")]
    assert len(experiments) == 1 and len(sessions) == 1
    assert {"method", "K", "beta", "steps_per_task"} <= {h.name for h in experiments[0].hparam_infos}
    assert "stage_mean/l1" in {m.name.tag for m in experiments[0].metric_infos}
    assert sessions[0].hparams["method"].string_value == "hyper_lifelong_gan"
    assert sessions[0].hparams["K"].number_value == 7
    # The dashboard's metrics, written after each task; forgetting from the second task
    # on, for the tasks before it (metrics.forgetting: positive = L1 grew).
    assert [step for step, _ in tags["stage_mean/l1"]] == [STEPS, 2 * STEPS]
    dashboard = {m.name.tag for m in experiments[0].metric_infos}
    assert {f"stage_forgetting/{name}" for name in ("l1", "psnr", "ssim")} <= dashboard
    ((step, value),) = tags[f"forgetting_l1/{TASKS[0]}"]
    eval_l1 = [float(tf.make_ndarray(v.tensor)) for _, v in tags[f"eval_l1/{TASKS[0]}"]]
    assert step == 2 * STEPS
    assert float(tf.make_ndarray(value.tensor)) == pytest.approx(eval_l1[1] - eval_l1[0], abs=1e-6)
    assert f"forgetting_l1/{TASKS[1]}" not in tags  # the task just learned has nothing to forget
    ((step, value),) = tags["stage_forgetting/l1"]  # the mean over the one earlier task
    assert step == 2 * STEPS
    assert float(tf.make_ndarray(value.tensor)) == pytest.approx(eval_l1[1] - eval_l1[0], abs=1e-6)
    eval_psnr = [float(tf.make_ndarray(v.tensor)) for _, v in tags[f"eval_psnr/{TASKS[0]}"]]
    ((_, value),) = tags[f"forgetting_psnr/{TASKS[0]}"]  # higher is better: positive = PSNR fell
    assert float(tf.make_ndarray(value.tensor)) == pytest.approx(eval_psnr[0] - eval_psnr[1], abs=1e-4)


def test_the_settings_are_printed_at_the_start(run):
    workdir, log = run
    head = log.splitlines()[:6]
    assert head[0] == f"Run: hyper_lifelong_gan on 2 paired task(s): {', '.join(TASKS)}"
    assert head[1].strip() == "model: 32x32 images, generator ngf 4, 1 residual blocks, K 7; PatchGAN ndf 8 (per_task)"
    assert head[2].strip().startswith(
        f"steps: {STEPS} per task ({2 * STEPS} in all), batch 2 (2 per replica on 1 replica(s)")
    assert head[3].strip() == (
        "learning rate 0.0002, decaying linearly to zero over the last 50% of each task; "
        "precision float32, XLA on, seed 0"
    )
    assert head[4].strip() == (
        "distillation: exact (eq. 10: every earlier task in every step), beta 100, on the task's targets (swap); "
        "a new task starts from fresh weights"
    )
    assert head[5].strip().startswith(f"writes to {workdir}")


def test_eta_expects_each_earlier_task_to_add_distillation_cost():
    model = StepCostModel(distills=True, extra_pass_ratio=1.0)
    assert math.isnan(model.remaining_seconds(0, 0, [10, 10, 10]))
    model.observe(0, seconds=5.0, steps=10)  # task 1: 0.5 s a step
    # Task 2 distils one earlier task (2 x 0.5 s), task 3 two (3 x 0.5 s).
    assert model.remaining_seconds(0, 4, [10, 10, 10]) == pytest.approx(6 * 0.5 + 10 * 1.0 + 10 * 1.5)
    # Once a second task is measured, the line goes through the measurements.
    model.observe(1, seconds=8.0, steps=10)  # 0.8 s a step: each earlier task adds 0.3 s
    assert model.seconds_per_step(3) == pytest.approx(0.5 + 3 * 0.3)
    # Sampled distillation (one pass) at half the side: every later task adds one pass of
    # a quarter of the area, so the cost stops growing after task 2.
    sampled = StepCostModel(distills=True, extra_pass_ratio=1.0, passes=1, distill_area=0.25)
    sampled.observe(0, seconds=4.0, steps=10)  # 0.4 s a step
    assert sampled.seconds_per_step(1) == pytest.approx(0.4 * 1.25)
    assert sampled.seconds_per_step(9) == pytest.approx(0.4 * 1.25)
    sampled.observe(1, seconds=6.0, steps=10)  # measured: 0.6 s, and the line through (0, 0.4), (0.25, 0.6)
    assert sampled.seconds_per_step(9) == pytest.approx(0.6)
    # A method that does not distil costs the same at every task.
    flat = StepCostModel(distills=False)
    flat.observe(0, seconds=5.0, steps=10)
    assert flat.remaining_seconds(0, 0, [10, 10]) == pytest.approx(10.0)
