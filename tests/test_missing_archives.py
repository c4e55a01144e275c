"""Offline, a sequence that misses several archives names every one of them in one
message (not only the first), and the run does not tie its workdir to its flags."""

import pytest

from datasets import pix2pix
from datasets.errors import DatasetUnavailableError
from hyper_lifelong_gan.config import TrainConfig
from hyper_lifelong_gan.training import trainer


def test_every_missing_archive_is_named_in_one_message(tmp_path, monkeypatch):
    # Port 9 (discard) on localhost: a connection that is refused, as offline.
    monkeypatch.setattr(pix2pix, "PIX2PIX_URL_ROOT", "http://127.0.0.1:9/pix2pix/datasets")
    data_dir, workdir = tmp_path / "tfds", tmp_path / "run"
    config = TrainConfig(tasks="facades,maps,night2day", data_dir=str(data_dir), workdir=str(workdir))
    with pytest.raises(DatasetUnavailableError) as raised:
        trainer.train(config)
    message = str(raised.value)
    assert message.startswith("Cannot download 3 files (127.0.0.1:9 refused the connection)")
    for name in ("facades", "maps", "night2day"):
        assert f"http://127.0.0.1:9/pix2pix/datasets/{name}.tar.gz at " \
               f"{data_dir / 'downloads' / 'manual' / name}.tar.gz" in message
    assert "\n" not in message
    assert not workdir.exists()  # a run that could not start writes nothing
