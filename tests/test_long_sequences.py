"""What keeps a long task sequence's evaluation and run folder bounded: --eval_schedule
(which tasks are evaluated after each task) and --keep_stages (which stages keep
their generators), and that resume, evaluate.py and translate.py still work."""

import io
import json
import os
import signal
import subprocess
import sys

import pytest

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import workdir as workdir_lib
from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.reporting import tables
from hyper_lifelong_gan.training import schedule, trainer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKS = "toy_labels2street,toy_photo2warm,toy_edges2bags,toy_photo2cool"


def _schedule(spec, num_tasks):
    config = TrainConfig(eval_schedule=spec)
    return [schedule.tasks_to_evaluate(config, num_tasks, stage) for stage in range(num_tasks)]


@pytest.mark.parametrize("spec, num_tasks", [("auto", 4), ("auto", 10), ("auto", 11), ("auto", 100),
                                             ("7:3", 30), ("5:0", 12), ("full", 13)])
def test_every_task_is_evaluated_just_after_learning_it_and_at_the_end(spec, num_tasks):
    rows = _schedule(spec, num_tasks)
    for stage, tasks in enumerate(rows):
        assert stage in tasks and tasks == sorted(set(tasks)) and tasks[-1] == stage
    assert rows[-1] == list(range(num_tasks))
    every, sample = config_lib.eval_schedule_plan(spec, num_tasks)
    for stage, tasks in enumerate(rows):
        full = (stage + 1) % every == 0 or stage == num_tasks - 1
        assert len(tasks) == stage + 1 if full else len(tasks) <= sample + 1


def test_auto_evaluates_everything_up_to_ten_tasks_and_a_fraction_at_a_hundred():
    assert _schedule("auto", 10) == [list(range(stage + 1)) for stage in range(10)]
    rows = _schedule("auto", 100)
    evaluations = sum(len(tasks) for tasks in rows)
    # Full matrix every 10th stage (10 + 20 + ... + 100 = 550), 3 cells at the other 90 (1 and
    # 2 after tasks 1 and 2, which have 0 and 1 earlier tasks): 16% of the 5050 cells.
    assert evaluations == 550 + 90 * 3 - 3
    # The sample rotates through the tasks evaluated least recently (the oldest first on a
    # tie): the 5 stages after the full one at task 10 revisit its 10 tasks, one each.
    sampled = [task for stage in range(10, 15) for task in rows[stage] if task != stage]
    assert sampled == list(range(10))


def test_bad_values_are_refused_in_one_sentence():
    for field, value in (("eval_schedule", "10"), ("eval_schedule", "0:2"), ("keep_stages", "0"),
                         ("keep_stages", "some")):
        with pytest.raises(config_lib.InvalidConfig, match=rf"^--{field}={value} is not allowed: it must be"):
            config_lib.validate(TrainConfig(**{field: value}))


def test_kept_stages():
    config = TrainConfig(keep_stages="3")
    # Every 3rd stage, the last task's, and the latest learned one (the next task's teacher).
    assert workdir_lib.kept_stages(config, 10, 5) == [2, 4]
    assert workdir_lib.kept_stages(config, 10, 10) == [2, 5, 8, 9]
    assert workdir_lib.kept_stages(TrainConfig(), 10, 10) == list(range(10))  # auto: all up to 10 tasks
    # auto past ten tasks: stages 1, 2, 4, 8, ... (1-based) and the last.
    assert workdir_lib.kept_stages(TrainConfig(), 100, 100) == [0, 1, 3, 7, 15, 31, 63, 99]
    assert workdir_lib.kept_stages(TrainConfig(), 100, 55) == [0, 1, 3, 7, 15, 31, 54]
    assert workdir_lib.kept_stages(TrainConfig(), 30, 30) == [0, 1, 3, 7, 15, 29]
    assert workdir_lib.kept_stages(TrainConfig(keep_stages="10"), 100, 100) == [9 + 10 * k for k in range(10)]
    # A run of 10 tasks resumed as one of 20 keeps where the shorter sequence ended too.
    assert workdir_lib.kept_stages(TrainConfig(), 20, 20, extended_after=[10]) == [0, 1, 3, 7, 9, 15, 19]


def test_a_row_not_evaluated_in_full_prints_dashes_and_forgetting_reads_the_complete_cells():
    results = {"method": "m", "tasks": ["a", "b", "c"], "metrics": {"l1": []}, "params": []}
    trainer.record_stage(results, 0, {"l1": [0.1]}, 1, 3)
    trainer.record_stage(results, 1, {"l1": [None, 0.2]}, 2, 3, complete=False)
    trainer.record_stage(results, 2, {"l1": [0.3, 0.25, 0.15]}, 3, 3)
    assert results["partial_rows"] == [1]
    table = tables.continual_matrix_table("l1", results["tasks"], results["metrics"]["l1"])
    assert "| after b | - | 0.20 | - | 0.20 |" in table
    # L1 is lower-is-better: forgetting = final - just learned = 0.2 and 0.05; the last
    # task has none, and the mean is over the earlier two.
    assert "| forgetting | 0.20 | 0.05 | - | 0.12 |" in table


# ----------------------------------------------------------------- a run with both


def tiny_config(workdir, data_dir, **overrides):
    values = dict(
        tasks=TASKS, steps_per_task=4, batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8, log_every=1,
        checkpoint_every=2, eval_examples=4, eval_schedule="2:0", keep_stages="2", workdir=str(workdir),
        data_dir=data_dir,
    )
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def scheduled_run(tmp_path_factory, toy_data_dir):
    from graph_mode import eagerly

    workdir = tmp_path_factory.mktemp("scheduled")
    with eagerly():
        results = trainer.train(tiny_config(workdir, toy_data_dir), log_stream=io.StringIO())
    return str(workdir), results


def test_scheduled_results_mark_the_cells_not_evaluated(scheduled_run):
    workdir, results = scheduled_run
    l1 = results["metrics"]["l1"]
    # --eval_schedule=2:0: the whole matrix after tasks 2 and 4; after task 3 only task 3.
    assert [[value is not None for value in row] for row in l1] == [
        [True, False, False, False], [True, True, False, False], [False, False, True, False], [True] * 4,
    ]
    assert results["partial_rows"] == [2]
    with open(os.path.join(workdir, "results.json")) as stream:
        assert json.load(stream) == results


def test_retention_keeps_the_chosen_stages_and_no_learned_tasks_checkpoint(scheduled_run):
    workdir, _ = scheduled_run
    assert workdir_lib.saved_stages(workdir) == [1, 3]  # stages 2 and 4 (--keep_stages=2; 4 is the last)
    # A resume starts the next task from the last stage's generators and fresh optimizers.
    assert os.listdir(os.path.join(workdir, "checkpoints")) == []


@pytest.mark.parametrize("discriminator, kept", [("per_task", ["task_3"]), ("shared", ["task_2", "task_3"])])
def test_retention_keeps_the_learned_tasks_checkpoint_a_shared_discriminator_reads(tmp_path, discriminator, kept):
    config = TrainConfig(tasks=TASKS, keep_stages="2", workdir=str(tmp_path), discriminator=discriminator)
    for stage in range(4):  # three tasks learned, the fourth stopped mid-task
        os.makedirs(workdir_lib.task_checkpoint_dir(str(tmp_path), stage))
    workdir_lib.prune_run_folder(config, 4, completed=3)
    assert sorted(os.listdir(os.path.join(tmp_path, "checkpoints"))) == kept


def test_sample_grids_follow_the_evaluation_schedule(scheduled_run):
    import tensorflow as tf

    workdir, _ = scheduled_run
    folder = os.path.join(workdir, "tensorboard")
    grids = {}
    for name in os.listdir(folder):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
            for value in event.summary.value:
                if value.tag.startswith("samples/"):
                    grids.setdefault(event.step, set()).add(value.tag.removeprefix("samples/"))
    names = TASKS.split(",")
    # --eval_schedule=2:0: every task after tasks 2 and 4 (global steps 8 and 16), only
    # the task just learned after task 3 (step 12), as the evaluation does.
    assert grids[8] == set(names[:2]) and grids[16] == set(names)
    assert grids[12] == {names[2]}


def test_evaluate_and_translate_at_kept_and_dropped_stages(scheduled_run):
    from hyper_lifelong_gan import inference
    from hyper_lifelong_gan.evaluation import command

    workdir, results = scheduled_run
    assert inference.load_trained(workdir, stage=2).stage == 2
    with pytest.raises(inference.EvaluationError) as error:
        inference.load_trained(workdir, stage=1)
    assert str(error.value) == (
        f"The model after task 1 of {workdir} was not kept (the run's --keep_stages drops stages to bound "
        "its folder); choose one of the kept stages: 2, 4."
    )
    [evaluation] = command.evaluate_runs(
        [workdir], "l1", eval_examples=4, stream=io.StringIO(), log_stream=io.StringIO()
    )
    # Rows of kept stages are evaluated again (the trainer's scorer: the same numbers);
    # the dropped stages' rows keep what the trainer recorded.
    recorded, again = results["metrics"]["l1"][1], evaluation.matrices["l1"][1]
    assert again[2:] == recorded[2:] == [None, None]
    assert again[:2] == pytest.approx(recorded[:2], abs=1e-6)
    assert evaluation.matrices["l1"][0] == results["metrics"]["l1"][0]
    assert evaluation.matrices["l1"][2] == results["metrics"]["l1"][2]
    with open(os.path.join(workdir, "results.json")) as stream:
        assert json.load(stream)["partial_rows"] == [2]


def test_a_run_stopped_after_retention_resumes_to_the_uninterrupted_result(scheduled_run, tmp_path, toy_data_dir,
                                                                           run_eagerly):
    _, expected = scheduled_run
    config = tiny_config(tmp_path, toy_data_dir)
    trainer.train(config, interrupt_after_steps=13, log_stream=io.StringIO())  # mid task 4
    assert workdir_lib.saved_stages(str(tmp_path)) == [1, 2]  # stage 1 already dropped
    assert sorted(os.listdir(tmp_path / "checkpoints")) == ["task_3"]  # task 4's, mid-task
    assert trainer.train(config, log_stream=io.StringIO()) == expected


@pytest.mark.slow
def test_sigkill_mid_task_after_retention_then_rerun_gives_the_uninterrupted_results(tmp_path, toy_data_dir):
    three = ",".join(TASKS.split(",")[:3])  # --keep_stages=2 drops stage 1 once task 2 is learned

    def run(workdir, kill_at=""):
        command = [
            sys.executable, os.path.join(ROOT, "tests", "kill_train.py"), f"--tasks={three}", "--steps_per_task=4",
            "--batch_size=2", "--image_size=32", "--ngf=4", "--n_blocks=1", "--ndf=8", "--checkpoint_every=2",
            "--eval_examples=4", "--eval_schedule=2:0", "--keep_stages=2", "--jit_compile=false",
            f"--workdir={workdir}", f"--data_dir={toy_data_dir}",
        ]
        process = subprocess.run(command, env=dict(os.environ, KILL_AT=kill_at), cwd=ROOT, capture_output=True,
                                 text=True, timeout=600)
        return process.returncode, process.stdout + process.stderr

    status, output = run(tmp_path / "reference")
    assert status == 0, output[-3000:]
    killed = tmp_path / "killed"
    status, output = run(killed, kill_at="step:11")  # task 3's third step: its step-2 checkpoint is the latest
    assert status == -signal.SIGKILL, output[-3000:]
    assert workdir_lib.saved_stages(str(killed)) == [1]  # stage 1 dropped
    assert sorted(os.listdir(killed / "checkpoints")) == ["task_2"]  # tasks 1 and 2's dropped, task 3's mid-task
    status, output = run(killed)
    assert status == 0, output[-3000:]
    expected = json.loads((tmp_path / "reference" / "results.json").read_text())
    assert json.loads((killed / "results.json").read_text()) == expected


def test_blocks_of_tasks_resume_to_the_uninterrupted_result(scheduled_run, tmp_path, toy_data_dir, run_eagerly):
    # train.py runs a long sequence as blocks of tasks, one process each (processes.py);
    # each block is the trainer stopped after a number of tasks, then resumed.
    # The first block is ended early, after task 2 of the 3 it may learn, as a child's
    # memory budget ends it (`processes.BlockMemory.full`, asked after each task).
    _, expected = scheduled_run
    config = tiny_config(tmp_path, toy_data_dir)
    asked = []
    first = trainer.train(config, log_stream=io.StringIO(), stop_after_tasks=3,
                          block_full=lambda learned: asked.append(learned) or learned >= 2)
    assert asked == [1, 2]
    assert len(first["params"]) == 2
    assert workdir_lib.load_json(str(tmp_path / "progress.json"), None) == {"completed_tasks": 2}
    assert trainer.train(config, log_stream=io.StringIO(), stop_after_tasks=4) == expected
