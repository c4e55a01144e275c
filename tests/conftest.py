"""Shared fixtures: quiet TensorFlow, a `--runslow` switch, one toy TFDS directory."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow (CI does)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end runs of the real CLI; run with --runslow")


# The files that take minutes (subprocesses, trainer runs), longest first: collected
# before the rest, so that `-n 2` starts them at once (see pytest.ini).
# Order measured with `--durations` on 2 cores (2026-12-06): 256 s for the first file,
# 36 s for the last.
LONG_RUNNING = (
    "test_multi_worker.py", "test_long_sequences.py", "test_unpaired.py", "test_reliability.py", "test_cli.py",
    "test_distribution.py", "test_comparison.py", "test_evaluate.py", "test_methods.py", "test_xla.py",
    "test_many_tasks.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.path.name
        return LONG_RUNNING.index(name) if name in LONG_RUNNING else len(LONG_RUNNING)

    items.sort(key=rank)  # stable: each file keeps its own order
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow; run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def toy_data_dir(tmp_path_factory, worker_id):
    """A TFDS data directory shared by the tests that read the built-in toy tasks
    (each task is generated once per session, on first use). Under `-n 2` both
    workers share it, so a task is generated once, not once per worker: the product
    prepares a dataset under a lock (`datasets.pipeline.preparation_lock`), which
    test_locks.py tests with two processes."""
    if worker_id == "master":
        return str(tmp_path_factory.mktemp("tensorflow_datasets"))
    shared = tmp_path_factory.getbasetemp().parent / "tensorflow_datasets"  # the session's, above each worker's
    shared.mkdir(exist_ok=True)
    return str(shared)


@pytest.fixture
def run_eagerly():
    """Runs every tf.function eagerly during the test (see graph_mode.py)."""
    from graph_mode import eagerly

    with eagerly():
        yield


@pytest.fixture(scope="session", autouse=True)
def _contained_tempdir(tmp_path_factory):
    """Keeps the tests' temporary folders inside pytest's own temporary tree.

    TFDS makes an empty `tmp*tfds` folder in the system's temporary directory
    whenever it sets up a dataset that is not prepared yet, and never removes it.
    The product wraps every preparation in `pipeline.owned_tempdir`; tests that
    build datasets directly would otherwise leave one such folder per build.
    """
    import tempfile

    saved = tempfile.tempdir
    tempfile.tempdir = str(tmp_path_factory.mktemp("tempfile"))
    yield
    tempfile.tempdir = saved
