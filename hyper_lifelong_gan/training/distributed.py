"""Which `tf.distribute` strategy a run uses, and which worker writes what.

`--strategy` picks the strategy: one_device (TensorFlow's default strategy),
mirrored (`MirroredStrategy` over this machine's GPUs), multi_worker
(`MultiWorkerMirroredStrategy` over the cluster TF_CONFIG names: collective
all-reduce, every worker runs the same command) or auto (multi_worker when
TF_CONFIG names a cluster, mirrored with several GPUs, else one_device).

Under multi_worker only the chief writes into --workdir (checkpoints,
TensorBoard, metrics.jsonl, results.json, run_config.json, progress.json, the
per-task generators); the other workers must still take part in every
checkpoint save (saving may run collectives), so they save into a scratch
folder of their own that is deleted right after (TensorFlow's recommendation
for multi-worker checkpoints). Every worker reads --workdir to resume, so it
must be the same folder for all of them: one folder on one machine, a shared
file system across machines.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.training.logging_utils import MetricsLog
from hyper_lifelong_gan.workdir import write_json_atomically

STRATEGIES = config_lib.STRATEGIES


def tf_config_cluster():
    """The cluster TF_CONFIG names ({job: [addresses]}), or None without one.

    Raises:
        InvalidConfig: TF_CONFIG is not the JSON TensorFlow expects.
    """
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        parsed = json.loads(text)
        cluster = parsed.get("cluster") or None
        if cluster is not None and not all(isinstance(v, list) for v in cluster.values()):
            raise ValueError
    except (ValueError, AttributeError):
        raise config_lib.InvalidConfig(
            "TF_CONFIG is not JSON of the form "
            '{"cluster": {"worker": ["host:port", ...]}, "task": {"type": "worker", "index": i}}; '
            "fix it or unset it (README, 'Training on several machines')."
        ) from None
    return cluster


def _own_address():
    parsed = json.loads(os.environ["TF_CONFIG"])
    task = parsed.get("task", {})
    return task.get("type"), int(task.get("index", 0)), parsed["cluster"]


def make_strategy(name="auto", cluster_timeout=300):
    """The strategy `name` asks for; call it before any other TensorFlow op of the
    process (MultiWorkerMirroredStrategy must configure the runtime first).

    Under multi_worker, waits at most `cluster_timeout` seconds for every worker of
    TF_CONFIG to come up, then exits the process with one sentence naming the
    addresses it could not reach (TensorFlow's own wait cannot be interrupted).

    Raises:
        InvalidConfig: an unknown name, or multi_worker without a cluster in TF_CONFIG.
    """
    if name not in STRATEGIES:
        raise config_lib.InvalidConfig(f"Unknown --strategy {name!r}; valid strategies are {', '.join(STRATEGIES)}.")
    cluster = tf_config_cluster()
    if name == "auto":
        if cluster is not None:
            name = "multi_worker"
        else:
            name = "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "one_device"
    if name == "multi_worker":
        if cluster is None:
            raise config_lib.InvalidConfig(
                "--strategy=multi_worker needs TF_CONFIG naming the cluster, e.g. "
                'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                '"task": {"type": "worker", "index": 0}}\' on the first worker (docs/multi_worker.md).'
            )
        if not cluster_timeout > 0:
            raise config_lib.InvalidConfig(
                f"--cluster_timeout must be a positive number of seconds, got {cluster_timeout}."
            )
        return _multi_worker_strategy(cluster_timeout)
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


# A watchdog in a process of its own: while TensorFlow waits for the cluster it holds
# Python's interpreter lock in C++, so no thread or signal handler of ours could run.
_WATCHDOG = """
import os, signal, sys, time
parent, seconds, message = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
time.sleep(seconds)
try:
    os.kill(parent, 0)
except OSError:
    sys.exit()
sys.stderr.write(message + "\\n")
sys.stderr.flush()
os.kill(parent, signal.SIGKILL)
"""


def _multi_worker_strategy(timeout):
    task_type, task_index, cluster = _own_address()
    if not 0 <= task_index < len(cluster.get(task_type, [])):
        raise config_lib.InvalidConfig(
            f"TF_CONFIG's task ({task_type}, index {task_index}) is not in its cluster {cluster}; "
            "give each worker its own index into the cluster's list."
        )
    own = cluster[task_type][task_index]
    peers = [address for addresses in cluster.values() for address in addresses if address != own]
    message = (
        f"error: worker {task_type}:{task_index} ({own}) could not reach its peers "
        f"({', '.join(peers)}) within {timeout} s; start the same command on every worker of "
        "TF_CONFIG, check the addresses and firewalls, or raise --cluster_timeout."
    )
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(timeout), message], stdin=subprocess.DEVNULL
    )
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    finally:
        watchdog.kill()
        watchdog.wait()


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy):
    """Whether this process writes the run's files: always, except on the non-chief
    workers of a multi-worker run."""
    if not is_multi_worker(strategy):
        return True
    return bool(strategy.extended.should_checkpoint)


def worker_label(strategy):
    if not is_multi_worker(strategy):
        return ""
    resolver = strategy.cluster_resolver
    return f"{resolver.task_type}:{resolver.task_id}"


class WorkerFiles:
    """Where this process writes: the workdir (the chief, or a one-process run) or a
    scratch folder (the other workers), deleted again with `cleanup()`."""

    def __init__(self, workdir, strategy):
        self.workdir = workdir
        self.chief = is_chief(strategy)
        prefix = f"hlgan_worker_{worker_label(strategy).replace(':', '_')}_"
        self.scratch = None if self.chief else tempfile.mkdtemp(prefix=prefix)

    def path(self, path):
        """`path` inside the workdir, or its place in the scratch folder."""
        if self.chief:
            return path
        return os.path.join(self.scratch, os.path.relpath(path, self.workdir))

    def drop(self, path):
        """Deletes what a non-chief worker wrote for `path` (the chief keeps it)."""
        if not self.chief:
            target = self.path(path)
            if os.path.isdir(target):
                shutil.rmtree(target, ignore_errors=True)
            elif os.path.exists(target):
                os.remove(target)

    def write_json(self, path, payload):
        """results.json, progress.json, run_config.json: the chief's alone."""
        if self.chief:
            write_json_atomically(path, payload)

    def metrics_log(self, path):
        return MetricsLog(path) if self.chief else _NoLog()

    def summary_writer(self, logdir):
        return tf.summary.create_file_writer(logdir) if self.chief else tf.summary.create_noop_writer()

    def checkpoint_manager(self, checkpoint, directory, max_to_keep):
        """A manager saving into `directory` (the chief) or the scratch folder."""
        return tf.train.CheckpointManager(checkpoint, self.path(directory), max_to_keep=max_to_keep)

    def save(self, manager):
        """Every worker saves (the save may run collectives); a non-chief's copy is dropped."""
        manager.save()
        if not self.chief:
            shutil.rmtree(manager.directory, ignore_errors=True)

    def cleanup(self):
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


class _NoLog:
    def write(self, record):
        pass


def distribute_dataset(strategy, dataset):
    """`strategy.experimental_distribute_dataset`; across workers each one keeps its
    own rows of every global batch (DATA sharding: the toy tasks are single files,
    too few to shard by file), so no example is seen twice in a step and the
    global batch is the one a single process would read."""
    if is_multi_worker(strategy):
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        dataset = dataset.with_options(options)
    return strategy.experimental_distribute_dataset(dataset)


def barrier(strategy):
    """Waits until every worker gets here (an all-reduce of a constant); nothing
    to wait for in a one-process run. The non-chief workers wait here while the
    chief evaluates and writes a task's results: no collective runs meanwhile."""
    if is_multi_worker(strategy):
        ones = strategy.experimental_distribute_values_from_function(lambda context: tf.constant(1.0))
        strategy.reduce(tf.distribute.ReduceOp.SUM, ones, axis=None).numpy()


def chief_first(strategy, function):
    """Runs `function` on the chief, then (after a barrier) on the other workers: data
    preparation, so that workers sharing a --data_dir do not generate it at once."""
    chief = is_chief(strategy)
    if chief:
        function()
    barrier(strategy)
    if not chief:
        function()


def global_batch(strategy, per_replica):
    """The whole global batch of a per-replica value, in replica order, on every
    worker (used by the image pools, which must see the same images everywhere)."""
    if is_multi_worker(strategy):
        return strategy.gather(per_replica, axis=0)
    return tf.concat(strategy.experimental_local_results(per_replica), axis=0)
