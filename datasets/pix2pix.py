"""The pix2pix authors' paired datasets as a TFDS builder: `pix2pix/<name>`.

One config per archive of the authors' server,
`http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/<name>.tar.gz`:

| config         | side A (left)   | side B (right)  | folders            |
|----------------|-----------------|-----------------|--------------------|
| cityscapes     | street photo    | label map       | train/ val/        |
| maps           | aerial photo    | map             | train/ val/        |
| facades        | facade photo    | label map       | train/ val/ test/  |
| edges2handbags | edge map        | handbag photo   | train/ val/        |
| edges2shoes    | edge map        | shoe photo      | train/ val/        |
| night2day      | night photo     | day photo       | train/ val/ test/  |

Each archive holds `<name>/<folder>/*.jpg`, every JPEG one A|B pair side by side
(width = 2 x height). The builder keeps A and B as stored (features `image_a`,
`image_b`, `file_name`); which side is the input is the task's business
(`tasks.py`). Splits: `train`, `val`, and `test` from test/ where the archive has
one, else from val/ (so `test` always exists and is what evaluation reads).

Download and checksums: the archive comes through `dl_manager.download`. The
authors publish no checksums, so none are recorded here; TFDS downloads without
validating and keeps the file's sha256 beside it. To pin them, build once online
with `tfds build datasets/pix2pix.py --register_checksums` (or
`download_config=tfds.download.DownloadConfig(register_checksums=True)`), which
writes `datasets/checksums.tsv`; from then on TFDS validates every download.

Placing an archive by hand: if `<manual_dir>/<name>.tar.gz` exists (TFDS'
`manual_dir`, by default `<data_dir>/downloads/manual`, i.e.
`~/tensorflow_datasets/downloads/manual`), it is read instead of downloading. This
is the way for cityscapes, which the server does not always provide for licence
reasons, and for machines without internet. Offline, the builder fails within
seconds with one sentence naming the URL and that path (`DatasetUnavailableError`)
instead of TFDS' minutes of retries: it first checks that the server answers.

The archives are read as a stream (`dl_manager.iter_archive`, edges2handbags is
8 GB) once per split; nothing is extracted to disk. Each pair is decoded with PIL,
converted to RGB and cut in two; a half is stored as JPEG (quality 95, no chroma
subsampling) when the source is a JPEG, as PNG otherwise. A file that is not a
readable image is skipped and counted in a warning; a pair whose width is not
twice its height stops the build with its file name (see `images.read_pair`).
"""

from __future__ import annotations

import dataclasses
import socket
import tarfile
import urllib.parse
import urllib.request
import zlib

import tensorflow_datasets as tfds
from etils import epath

from datasets.errors import DatasetError, unavailable_error
from datasets.images import SkippedFiles, UnreadableImageError, is_image_name, read_pair

# The pix2pix authors' dataset server; tests point it at a local address.
PIX2PIX_URL_ROOT = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets"
# How long the reachability check waits for the server before calling it unreachable.
CONNECT_TIMEOUT_S = 10.0

_CITATION = """\
@inproceedings{isola2017image,
  title     = {Image-to-Image Translation with Conditional Adversarial Networks},
  author    = {Isola, Phillip and Zhu, Jun-Yan and Zhou, Tinghui and Efros, Alexei A.},
  booktitle = {IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2017}
}
"""


def archive_url(name: str) -> str:
    """The authors' URL of archive `name` (read at call time, so tests can redirect it)."""
    return f"{PIX2PIX_URL_ROOT}/{name}.tar.gz"


# ---------------------------------------------------------------------------
# Reachability (shared with pipeline.py for cycle_gan)
# ---------------------------------------------------------------------------


def unreachable_reason(url: str, timeout_s: float = CONNECT_TIMEOUT_S) -> str | None:
    """Why the server of `url` cannot be reached, or None if it accepts a connection.

    TFDS' downloader retries a refused or unresolvable connection ten times with
    exponential backoff (about 200 s); one plain connection attempt answers in
    milliseconds offline and within `timeout_s` on a network that drops packets.
    Behind a proxy the server itself is not contacted: the answer is None and the
    download decides.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    proxies = urllib.request.getproxies()
    if (parts.scheme in proxies or "all" in proxies) and not urllib.request.proxy_bypass(host):
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except socket.gaierror:
        return f"cannot resolve {host}, no network?"
    except ConnectionRefusedError:
        return f"{host}:{port} refused the connection"
    except (socket.timeout, TimeoutError):
        return f"{host}:{port} did not answer within {timeout_s:g} s"
    except OSError as err:
        return f"{host}:{port} is unreachable: {err.strerror or err}"


def _raise_if_unreachable(url: str, manual_path) -> None:
    reason = unreachable_reason(url)
    if reason is not None:
        raise unavailable_error(url, reason, manual_path)


def manual_dir_of(dl_manager) -> epath.Path:
    """The folder where TFDS looks for files placed by hand, whether or not it exists."""
    try:
        return epath.Path(dl_manager.manual_dir)
    except AssertionError:
        # TFDS refuses to hand out a missing or empty manual_dir; the offline
        # message must still name it, so use the path it would have used.
        manual_dir = getattr(dl_manager, "_manual_dir", None)
        return epath.Path(manual_dir or epath.Path(dl_manager.download_dir) / "manual")


# ---------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Pix2pixConfig(tfds.core.BuilderConfig):
    """One archive of the pix2pix authors.

    Attributes:
        folders: the split folders of the archive (train/ and val/, and test/ where
            it exists).
    """

    folders: tuple[str, ...] = ("train", "val")


def _config(name: str, side_a: str, side_b: str, folders=("train", "val")) -> Pix2pixConfig:
    return Pix2pixConfig(
        name=name,
        description=f"A (left) = {side_a}, B (right) = {side_b}.",
        folders=folders,
    )


class Pix2pix(tfds.core.GeneratorBasedBuilder):
    """The pix2pix paired archives (Isola et al., 2017), one config per archive."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        _config("cityscapes", "street photo", "semantic label map"),
        _config("maps", "aerial photo", "map"),
        _config("facades", "facade photo", "architectural label map", ("train", "val", "test")),
        _config("edges2handbags", "edge map", "handbag photo"),
        _config("edges2shoes", "edge map", "shoe photo"),
        _config("night2day", "night photo", "day photo", ("train", "val", "test")),
    ]
    MANUAL_DOWNLOAD_INSTRUCTIONS = """\
    Optional: place `<name>.tar.gz` (e.g. `cityscapes.tar.gz`) in the manual folder
    (`~/tensorflow_datasets/downloads/manual/` by default) to use it instead of
    downloading from http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/. The
    archive must hold `<name>/train/*.jpg` and `<name>/val/*.jpg` (and
    `<name>/test/` where the original has one), each image an A|B pair side by side.
    Cityscapes is not always served for licence reasons: download
    gtFine_trainvaltest.zip and leftImg8bit_trainvaltest.zip from
    https://www.cityscapes-dataset.com, make the pairs (photo left, colour label map
    right) with the pix2pix authors' `datasets/prepare_cityscapes_dataset.py`, and
    pack them with `tar czf cityscapes.tar.gz cityscapes/`.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        image = tfds.features.Image(shape=(None, None, 3))
        return tfds.core.DatasetInfo(
            builder=self,
            description=(
                "Paired image-to-image datasets of pix2pix: each example is one A|B "
                "pair, cut from a side-by-side JPEG of the authors' archives."
            ),
            features=tfds.features.FeaturesDict(
                {"image_a": image, "image_b": image, "file_name": tfds.features.Text()}
            ),
            homepage="https://phillipi.github.io/pix2pix/",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        archive = self._archive_path(dl_manager)
        resource = tfds.download.Resource(
            path=archive, extract_method=tfds.download.ExtractMethod.TAR_GZ_STREAM
        )
        folders = self.builder_config.folders
        split_folders = {
            "train": "train",
            "val": "val",
            "test": "test" if "test" in folders else "val",
        }
        return {
            split: self._generate_examples(dl_manager.iter_archive(resource), archive, folder)
            for split, folder in split_folders.items()
        }

    def check_available(self, manual_dir=None) -> None:
        """Fail fast, before TFDS starts preparing, if the archive cannot be had.

        Passes when the archive is placed by hand in `manual_dir` (default: TFDS'
        `<data_dir>/downloads/manual`) or the authors' server accepts a connection.

        Raises:
            DatasetUnavailableError: neither; the message says where to put the file.
        """
        if manual_dir is None:
            manual_dir = epath.Path(self.data_dir_root) / "downloads" / "manual"
        manual_path = epath.Path(manual_dir) / f"{self.builder_config.name}.tar.gz"
        if not manual_path.exists():
            _raise_if_unreachable(archive_url(self.builder_config.name), manual_path)

    def _archive_path(self, dl_manager) -> epath.Path:
        """The archive placed by hand if there is one, else the downloaded one."""
        name = self.builder_config.name
        manual_path = manual_dir_of(dl_manager) / f"{name}.tar.gz"
        if manual_path.exists():
            return manual_path
        url = archive_url(name)
        _raise_if_unreachable(url, manual_path)
        try:
            return epath.Path(dl_manager.download(url))
        except (OSError, tfds.download.DownloadError) as err:
            reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
            raise unavailable_error(url, reason, manual_path) from None

    def _generate_examples(self, members, archive, folder):
        where = f"{archive.name}:{folder}/"
        skipped = SkippedFiles(where)
        total = kept = 0
        try:
            for path, file_object in members:
                # `<name>/<folder>/<file>`; a hand-made archive may lack the top folder.
                parts = path.split("/")
                if len(parts) not in (2, 3) or parts[-2] != folder:
                    continue
                if not is_image_name(parts[-1]):
                    continue
                total += 1
                try:
                    image_a, image_b = read_pair(file_object.read(), f"{archive.name}:{path}")
                except UnreadableImageError as err:
                    skipped.add(path, str(err))
                    continue
                kept += 1
                key = f"{folder}/{parts[-1]}"
                yield key, {"image_a": image_a, "image_b": image_b, "file_name": parts[-1]}
        except (tarfile.TarError, EOFError, zlib.error) as err:
            raise DatasetError(
                f"{archive} is not a complete tar.gz archive ({err}); delete it and "
                "download it again."
            ) from None
        if total == 0:
            raise DatasetError(
                f"{archive} has no images in a {folder}/ folder; the pix2pix layout is "
                f"<name>/{folder}/*.jpg with each image an A|B pair side by side."
            )
        skipped.finish(total, kept)
