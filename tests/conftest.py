"""Shared fixtures: quiet TensorFlow, a `--runslow` switch, one toy TFDS directory."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow (CI does)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end runs of the real CLI; run with --runslow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow; run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def toy_data_dir(tmp_path_factory):
    """A TFDS data directory shared by the tests that read the built-in toy tasks
    (each task is generated once per session, on first use)."""
    return str(tmp_path_factory.mktemp("tensorflow_datasets"))
