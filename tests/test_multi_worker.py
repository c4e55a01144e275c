"""--strategy=multi_worker: two worker processes on 127.0.0.1, through the real train.py.

Each worker traces the step, so these cost a minute or more: they are marked slow.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = [
    "--tasks=toy_labels2street,toy_edges2bags", "--image_size=32", "--ngf=4", "--n_blocks=1", "--ndf=8",
    "--batch_size=4", "--eval_examples=4",
    "--jit_compile=false", "--log_every=1", "--sample_every=0",
]
WAIT = 420  # seconds any one process may take before the test gives up on it


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _tf_config(addresses, index):
    return json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}})


def _start(args, log_path, tf_config=None, cwd=ROOT):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = tf_config
    log = open(log_path, "w")
    return subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "train.py"), *args],
        stdout=log, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env,
    )


def _finish(processes, logs):
    try:
        codes = [process.wait(timeout=WAIT) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for code, log in zip(codes, logs):
        assert code == 0, f"{log}:\n" + open(log).read()[-3000:]


def _launch_pair(args, tmp_path, name, folders=(ROOT, ROOT)):
    addresses = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    logs = [str(tmp_path / f"{name}_worker{i}.log") for i in range(2)]
    processes = [_start(args, logs[i], _tf_config(addresses, i), cwd=folders[i]) for i in range(2)]
    return processes, logs


def _scratch_folder(log):
    """The scratch folder a non-chief worker announced in its settings block."""
    lines = [line for line in open(log) if "scratch:" in line]
    assert lines, open(log).read()[-2000:]
    return lines[0].split("scratch:")[1].strip().rstrip(")")


def _records(workdir):
    with open(os.path.join(workdir, "metrics.jsonl")) as stream:
        return [json.loads(line) for line in stream]


@pytest.mark.slow
def test_two_workers_match_one_process_and_both_exit_0(tmp_path, toy_data_dir):
    # beta=0: the distillation term is computed (and compared) but does not train. With
    # it on, its L1 gradient at the start of task 2, where student and teacher differ
    # only by rounding, is the sign of that rounding, which differs between a batch of
    # 4 and two of 2; the runs would drift apart from the second step of task 2.
    common = [*TINY, "--steps_per_task=3", "--beta=0", f"--data_dir={toy_data_dir}"]
    # One process, same global batch (it also prepares the toy data the workers read).
    single = str(tmp_path / "single")
    process = _start([*common, f"--workdir={single}", "--strategy=one_device"], tmp_path / "single.log")
    _finish([process], [tmp_path / "single.log"])

    # The workers as in issue 30, where the non-chief exited 130 ("interrupted") after a
    # finished run: no --workdir, so each worker's runs/<method> is under its own working
    # folder and the non-chief never sees the chief's results.json (as on machines
    # without a shared folder, or behind a slow one). Its exit status must come from
    # what it learned.
    folders = [tmp_path / "chief", tmp_path / "other"]
    for folder in folders:
        folder.mkdir()
    processes, logs = _launch_pair([*common, "--strategy=multi_worker"], tmp_path, "pair",
                                   folders=[str(folder) for folder in folders])
    _finish(processes, logs)  # both exit 0
    assert "Interrupted" not in open(logs[1]).read()

    chief_run = str(folders[0] / "runs" / "hyper_lifelong_gan")
    expected, got = _records(single), _records(chief_run)
    keys = [(r["task"], r["step"]) for r in got]
    assert keys == [(task, step) for task in (0, 1) for step in (1, 2, 3)]  # each logged once, by the chief
    for one, two in zip(expected, got):
        for name in ("g_total", "g_adversarial", "g_l1", "distillation", "d_loss"):
            assert two[name] == pytest.approx(one[name], rel=1e-4, abs=1e-5), (name, one, two)
    assert two["distillation"] > 0  # the second task distils: the teacher crossed the workers too
    with open(os.path.join(chief_run, "results.json")) as stream:
        results = json.load(stream)
    assert len(results["params"]) == 2
    # The non-chief wrote only into its scratch folder, which it deleted again.
    assert not (folders[1] / "runs").exists()
    assert not os.path.exists(_scratch_folder(logs[1]))
    assert "writes the run" in open(logs[0]).read()


@pytest.mark.slow
def test_killed_worker_resumes_with_the_same_command(tmp_path, toy_data_dir):
    workdir = str(tmp_path / "run")
    args = [
        *TINY, "--steps_per_task=30", "--checkpoint_every=2", f"--data_dir={toy_data_dir}",
        f"--workdir={workdir}", "--strategy=multi_worker",
    ]
    processes, logs = _launch_pair(args, tmp_path, "first")
    checkpoint_index = os.path.join(workdir, "checkpoints", "task_0", "checkpoint")
    try:
        deadline = time.monotonic() + WAIT
        while not os.path.exists(checkpoint_index):  # mid-task 0, after its first checkpoint
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes), (
                open(logs[0]).read()[-2000:] + open(logs[1]).read()[-2000:]
            )
            time.sleep(0.05)
        processes[1].send_signal(signal.SIGKILL)  # the non-chief dies
        # The chief does not hang: its next collective fails, and it says what to do.
        assert processes[0].wait(timeout=WAIT) == 1
    finally:
        for process in processes:
            process.kill()
            process.wait()
    progress = os.path.join(workdir, "progress.json")
    with open(progress if os.path.exists(progress) else os.devnull) as stream:
        text = stream.read()
    assert not text or json.loads(text)["completed_tasks"] < 2
    assert "run the same command again on every worker" in open(logs[0]).read()
    shutil.rmtree(_scratch_folder(logs[1]), ignore_errors=True)  # the killed worker could not
    before = _records(workdir)

    processes, logs = _launch_pair(args, tmp_path, "again")
    _finish(processes, logs)
    with open(os.path.join(workdir, "progress.json")) as stream:
        assert json.load(stream)["completed_tasks"] == 2
    with open(os.path.join(workdir, "results.json")) as stream:
        assert len(json.load(stream)["params"]) == 2
    after = _records(workdir)[len(before):]
    resumed_task = after[0]["task"]
    # The restart went on from a checkpoint (not step 1 of task 0) and trained each later
    # step once; steps logged after the last checkpoint before the kill are redone.
    assert (resumed_task, after[0]["step"]) != (0, 1)
    assert [(r["task"], r["step"]) for r in after] == [
        (task, step) for task in range(resumed_task, 2)
        for step in range(after[0]["step"] if task == resumed_task else 1, 31)
    ]


def test_worker_whose_peer_never_comes_up_fails_naming_it(tmp_path):
    ours, peer = (f"127.0.0.1:{port}" for port in _free_ports(2))
    log = tmp_path / "alone.log"
    process = _start(
        [*TINY, "--steps_per_task=1", f"--workdir={tmp_path / 'run'}", f"--data_dir={tmp_path / 'tfds'}",
         "--cluster_timeout=3"],  # --strategy=auto: TF_CONFIG names a cluster
        log, _tf_config([ours, peer], 0),
    )
    try:
        code = process.wait(timeout=WAIT)  # it ends by itself; a hang fails here (TimeoutExpired)
    finally:
        process.kill()
        process.wait()
    output = open(log).read()
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert code != 0, output[-2000:]  # killed by its watchdog: TensorFlow's wait cannot be interrupted
    assert len(errors) == 1 and peer in errors[0] and "within 3 s" in errors[0], output[-2000:]
    assert not os.path.exists(tmp_path / "tfds")  # it gave up before touching any data


def test_multi_worker_without_tf_config_is_refused(monkeypatch):
    from hyper_lifelong_gan.config import InvalidConfig
    from hyper_lifelong_gan.training import distributed

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(InvalidConfig, match="needs TF_CONFIG"):
        distributed.make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(InvalidConfig, match="TF_CONFIG is not JSON"):
        distributed.make_strategy("auto")
    with pytest.raises(InvalidConfig, match="Unknown --strategy"):
        distributed.make_strategy("tpu")
    monkeypatch.setenv("TF_CONFIG", _tf_config(["127.0.0.1:1", "127.0.0.1:2"], 2))
    with pytest.raises(InvalidConfig, match="is not in its cluster"):
        distributed.make_strategy("multi_worker")
    with pytest.raises(InvalidConfig, match="cluster_timeout must be a positive"):
        distributed.make_strategy("multi_worker", cluster_timeout=0)


def test_one_process_is_its_own_chief(tmp_path):
    import tensorflow as tf

    from hyper_lifelong_gan.training import distributed

    files = distributed.WorkerFiles(str(tmp_path), tf.distribute.get_strategy())
    assert files.chief and files.scratch is None
    assert files.path(str(tmp_path / "a" / "b")) == str(tmp_path / "a" / "b")
