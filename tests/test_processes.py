"""train.py trains a long sequence in blocks of tasks, one process each
(`training/processes.py`): the parent's loop, with stand-in children that record what
they were asked and write progress.json as the trainer does; and that blocks of a
real run resume to the uninterrupted result (tests/test_long_sequences.py)."""

import json
import signal

import pytest

from hyper_lifelong_gan.config import InvalidConfig, TrainConfig
from hyper_lifelong_gan.training import processes

CHILD = """
import json, os, signal, sys
workdir, behaviour = sys.argv[1], sys.argv[2]
stop = int(os.environ["{env}"])
with open(os.path.join(workdir, "calls.jsonl"), "a") as stream:
    stream.write(json.dumps(stop) + "\\n")
if behaviour == "fail" and stop > 10:
    sys.exit(1)
if behaviour == "ctrl_c":
    os.kill(os.getppid(), signal.SIGINT)  # the terminal's Ctrl-C reaches the parent too
if behaviour == "memory_budget":  # a child whose budget ends its block after 3 tasks
    with open(os.path.join(workdir, "progress.json")) as stream:
        stop = min(stop, json.load(stream)["completed_tasks"] + 3)
if behaviour != "no_progress":
    with open(os.path.join(workdir, "progress.json"), "w") as stream:
        json.dump({{"completed_tasks": stop}}, stream)
""".format(env=processes.STOP_AFTER_ENV)


def _run(tmp_path, behaviour, num_tasks, done=0):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    if done:
        (tmp_path / "progress.json").write_text(json.dumps({"completed_tasks": done}))
    log = tmp_path / "log.txt"
    with open(log, "w") as stream:
        status = processes.train_in_processes([str(script), str(tmp_path), behaviour], str(tmp_path), num_tasks,
                                              stream=stream)
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    return status, calls, log.read_text()


def test_a_long_sequence_trains_in_blocks_of_ten_tasks_each_in_its_own_process(tmp_path):
    status, calls, log = _run(tmp_path, "ok", 25)
    assert (status, calls) == (0, [10, 20, 25])
    assert log.splitlines() == [
        "Tasks 11-20 of 25 go on in a new process (TensorFlow keeps what it compiled for each task until its "
        "process ends).",
        "Tasks 21-25 of 25 go on in a new process (TensorFlow keeps what it compiled for each task until its "
        "process ends).",
    ]


def test_a_block_ended_early_by_its_memory_budget_is_followed_by_the_next(tmp_path):
    status, calls, log = _run(tmp_path, "memory_budget", 25, done=1)
    assert (status, calls) == (0, [11, 14, 17, 20, 23, 25, 25, 25])
    assert log.splitlines()[0] == (
        "Tasks 5-14 of 25 go on in a new process (TensorFlow keeps what it compiled for each task until its "
        "process ends).")


def test_block_memory_is_full_once_the_process_has_grown_by_its_budget(monkeypatch):
    monkeypatch.delenv(processes.BLOCK_GROWTH_ENV, raising=False)
    assert processes.BlockMemory().budget_mb == processes.BLOCK_GROWTH_MB
    monkeypatch.setenv(processes.BLOCK_GROWTH_ENV, "64")
    block = processes.BlockMemory()
    assert block.budget_mb == 64
    assert not block.full(1) and block.retired_after is None
    grown = b"\x01" * (160 << 20)  # written, so resident: 160 MB
    assert block.full(2) and block.retired_after == 2
    assert block.grown_mb >= 100
    del grown
    monkeypatch.setenv(processes.BLOCK_GROWTH_ENV, "1.5GB")
    with pytest.raises(InvalidConfig, match="is not a number of MB"):
        processes.BlockMemory()


def test_a_resumed_run_starts_its_block_where_the_run_stopped(tmp_path):
    assert _run(tmp_path, "ok", 25, done=13)[:2] == (0, [23, 25])


def test_a_finished_run_starts_one_child_which_says_so(tmp_path):
    assert _run(tmp_path, "ok", 25, done=25)[:2] == (0, [25])


def test_a_failing_block_stops_the_run_with_its_status(tmp_path):
    status, calls, _ = _run(tmp_path, "fail", 25)
    assert (status, calls) == (1, [10, 20])


def test_a_block_that_learned_nothing_stops_the_run_in_one_sentence(tmp_path):
    status, calls, log = _run(tmp_path, "no_progress", 25)
    assert (status, calls) == (1, [10])
    assert log == ("error: the process that trained tasks 1-10 exited without learning them; run the same command "
                   "again to resume.\n")


def test_ctrl_c_seen_only_by_the_parent_stops_before_the_next_block(tmp_path):
    previous = signal.getsignal(signal.SIGINT)
    status, calls, log = _run(tmp_path, "ctrl_c", 25)
    assert (status, calls) == (130, [10])
    assert log == "Interrupted after task 10 of 25; its results are saved. Run the same command again to resume.\n"
    assert signal.getsignal(signal.SIGINT) is previous


@pytest.mark.parametrize("num_tasks, strategy, tf_config, inside_child, expected", [
    (10, "auto", None, False, False),  # ten tasks: one process, as always
    (11, "auto", None, False, True),
    (100, "one_device", None, False, True),
    (100, "multi_worker", None, False, False),  # workers start and stop together
    (100, "auto", '{"cluster": {"worker": ["a:1", "b:2"]}}', False, False),
    (100, "auto", None, True, False),  # a child trains its block itself
])
def test_which_runs_train_in_blocks(monkeypatch, num_tasks, strategy, tf_config, inside_child, expected):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.delenv(processes.STOP_AFTER_ENV, raising=False)
    if tf_config:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    if inside_child:
        monkeypatch.setenv(processes.STOP_AFTER_ENV, "20")
    assert processes.trains_in_processes(TrainConfig(strategy=strategy), num_tasks) is expected
    assert processes.stop_after_tasks() == (20 if inside_child else None)
