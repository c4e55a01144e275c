"""Tests of the pix2pix archive builder (datasets/pix2pix.py).

Every archive is written by the test in the authors' exact layout (tar.gz, top
folder `<name>/`, JPEG A|B pairs in train/ val/ (test/)); nothing fakes a download:
the archives reach the builder through TFDS' manual folder, a real HTTP download
from a local server, or TFDS' own `DatasetBuilderTestCase`.
"""

import functools
import http.server
import shutil
import tempfile
import threading
from unittest import mock

import datasets_fixtures as fixtures
import numpy as np
import pytest
import tensorflow_datasets as tfds

from datasets import pix2pix
from datasets.errors import DatasetError, DatasetUnavailableError


def _dataset_builder_test_case():
    """TFDS' test case, or None: it imports `dill`, which TFDS does not require."""
    try:
        import dill  # noqa: F401
    except ImportError:
        return None
    return tfds.testing.DatasetBuilderTestCase


@pytest.mark.skipif(_dataset_builder_test_case() is not None, reason="runs as Pix2pixBuilderTest")
def test_tfds_dataset_builder_test_case_needs_dill():
    pytest.skip("tfds.testing.DatasetBuilderTestCase needs the `dill` package: pip install dill")


class Pix2pixBuilderTest(_dataset_builder_test_case() or object):
    """TFDS' own checks on every config: splits, counts, shapes, reload, keys.

    The archives sit in the manual folder TFDS' test case hands the builder
    (`dummy_data`), exactly where a user places an archive by hand.
    """

    DATASET_CLASS = pix2pix.Pix2pix
    SPLITS = {"train": 3, "val": 2, "test": 2}
    # Without a test/ folder, `test` is read from val/.
    OVERLAPPING_SPLITS = ["val", "test"]
    # The authors publish no checksums and none are invented: TFDS records them on
    # the first real download (see the module docstring of datasets/pix2pix.py).
    SKIP_CHECKSUMS = True

    @classmethod
    def setUpClass(cls):
        cls._example_dir = tempfile.mkdtemp(prefix="pix2pix_dummy_")
        for name in fixtures.ARCHIVE_FOLDERS:
            fixtures.write_pix2pix_archive(cls._example_dir, name)
        cls.EXAMPLE_DIR = cls._example_dir
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls._example_dir, ignore_errors=True)


def _build(name, data_dir, manual_dir=None):
    builder = pix2pix.Pix2pix(config=name, data_dir=str(data_dir))
    download_config = None
    if manual_dir is not None:
        download_config = tfds.download.DownloadConfig(manual_dir=str(manual_dir))
    builder.download_and_prepare(download_config=download_config)
    return builder


@pytest.mark.parametrize("name", sorted(fixtures.ARCHIVE_FOLDERS))
def test_config_examples_are_the_stored_halves(name):
    builder = pix2pix.Pix2pix(config=name, data_dir=fixtures.pix2pix_data_dir())
    builder.download_and_prepare()
    expected_counts = {"train": 3, "val": 2, "test": 2}
    assert {split: info.num_examples for split, info in builder.info.splits.items()} == (
        expected_counts
    )
    for example in tfds.as_numpy(builder.as_dataset(split="train")):
        image_a, image_b = example["image_a"], example["image_b"]
        assert image_a.shape == image_b.shape == (16, 16, 3)
        assert image_a.dtype == image_b.dtype == np.uint8
        # Red stays on side A (left), blue on side B (right): nothing is swapped.
        np.testing.assert_allclose(image_a.mean((0, 1)), fixtures.RED, atol=3)
        np.testing.assert_allclose(image_b.mean((0, 1)), fixtures.BLUE, atol=3)
        assert example["file_name"].decode().endswith(".jpg")


def test_test_split_comes_from_test_folder_where_there_is_one(tmp_path):
    counts = {"train": 1, "val": 2, "test": 3}
    fixtures.write_pix2pix_archive(tmp_path / "manual", "facades", counts=counts)
    fixtures.write_pix2pix_archive(tmp_path / "manual", "maps", counts=counts)
    facades = _build("facades", tmp_path / "data", tmp_path / "manual")
    maps = _build("maps", tmp_path / "data", tmp_path / "manual")
    assert facades.info.splits["test"].num_examples == 3
    assert maps.info.splits["test"].num_examples == 2  # no test/: val/


def test_archive_without_top_folder_is_read(tmp_path):
    fixtures.write_pix2pix_archive(tmp_path / "manual", "maps", top_folder=False)
    builder = _build("maps", tmp_path / "data", tmp_path / "manual")
    assert builder.info.splits["train"].num_examples == 3


def test_default_url_is_the_authors_server():
    assert pix2pix.archive_url("facades") == (
        "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 serving `<root>/pix2pix/datasets/`; yields root."""
    root = tmp_path / "server"
    (root / "pix2pix" / "datasets").mkdir(parents=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(
        pix2pix, "PIX2PIX_URL_ROOT", f"http://127.0.0.1:{server.server_address[1]}/pix2pix/datasets"
    )
    yield root
    server.shutdown()
    server.server_close()


def test_downloads_through_the_download_manager(local_server, tmp_path):
    fixtures.write_pix2pix_archive(local_server / "pix2pix" / "datasets", "maps")
    builder = _build("maps", tmp_path / "data")
    assert builder.info.splits["train"].num_examples == 3
    # TFDS kept the download, with the size and sha256 it measured, beside it.
    info_files = list((tmp_path / "data" / "downloads").rglob("*.INFO"))
    assert len(info_files) == 1 and "maps.tar.gz" in info_files[0].read_text()


def test_missing_archive_on_server_names_url_and_manual_path(local_server, tmp_path):
    with pytest.raises(DatasetUnavailableError) as raised:
        _build("night2day", tmp_path / "data")
    message = str(raised.value)
    assert "night2day.tar.gz" in message and "404" in message
    assert str(tmp_path / "data" / "downloads" / "manual" / "night2day.tar.gz") in message


def test_offline_build_fails_fast_then_builds_from_archive_placed_by_hand(tmp_path, monkeypatch):
    # Port 9 (discard) on localhost: a real connection that is refused, as offline.
    monkeypatch.setattr(pix2pix, "PIX2PIX_URL_ROOT", "http://127.0.0.1:9/pix2pix/datasets")
    manual_path = tmp_path / "data" / "downloads" / "manual" / "facades.tar.gz"
    download = mock.Mock(wraps=tfds.download.DownloadManager.download)
    with mock.patch.object(tfds.download.DownloadManager, "download", download):
        with pytest.raises(DatasetUnavailableError) as raised:
            _build("facades", tmp_path / "data")
    message = str(raised.value)
    assert message == (
        "Cannot download http://127.0.0.1:9/pix2pix/datasets/facades.tar.gz "
        "(127.0.0.1:9 refused the connection): fetch that file on a machine with internet "
        f"access and place it at {manual_path}, then run again."
    )
    # Fast: TFDS' downloader (ten retries with backoff, ~200 s offline) was never started.
    download.assert_not_called()

    fixtures.write_pix2pix_archive(manual_path.parent, "facades")
    builder = _build("facades", tmp_path / "data")
    assert builder.info.splits["train"].num_examples == 3


def test_pair_of_wrong_width_is_refused_with_its_name(tmp_path):
    square = np.zeros((16, 16, 3), np.uint8)
    fixtures.write_pix2pix_archive(tmp_path / "manual", "maps", pair=square)
    with pytest.raises(DatasetError, match=r"maps\.tar\.gz:maps/train/1\.jpg is 16x16 pixels"):
        _build("maps", tmp_path / "data", tmp_path / "manual")


def test_damaged_archive_is_refused(tmp_path):
    path = fixtures.write_pix2pix_archive(tmp_path / "manual", "maps")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DatasetError, match="not a complete tar.gz archive"):
        _build("maps", tmp_path / "data", tmp_path / "manual")


def test_archive_in_another_layout_is_refused(tmp_path):
    fixtures.write_pix2pix_archive(tmp_path / "manual", "maps", folders=("training", "val"),
                                   counts={"training": 2, "val": 1})
    with pytest.raises(DatasetError, match=r"has no images in a train/ folder"):
        _build("maps", tmp_path / "data", tmp_path / "manual")
