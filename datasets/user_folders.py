"""A user's own image folders as a TFDS builder: `user_folders/<layout>_<fingerprint>`.

Two layouts are recognised (`detect_layout`):

- pix2pix layout: `train/` and `test/` (or `val/`), each image one A|B pair side by
  side (width = 2 x height), A on the left. Paired; features `image_a`, `image_b`,
  `file_name` exactly as `pix2pix.Pix2pix`, with splits `train`, `test` (from test/,
  else val/) and `val` where val/ exists.
- CycleGAN layout: `trainA/ trainB/ testA/ testB/`. Unpaired; features `image`,
  `label` (A or B), `file_name`, splits trainA / trainB / testA / testB, like TFDS'
  `cycle_gan`.

Only the files directly inside those folders are read (no subfolders); hidden files
(`.DS_Store`, `._x.jpg`) are ignored.

Why a TFDS builder and not a plain `tf.data` reader: every image is checked once,
when the folder is first prepared (decoded fully with PIL, so a truncated file is
caught, converted to RGB, a pair cut in two with the same code as the pix2pix
archives), and the result is cached as TFRecords under
`<data_dir>/user_folders/`. Later runs read the cache at full `tf.data` speed
without re-checking, and the pipeline reads user folders and the real datasets
through one code path. The config name carries a fingerprint of the folder (path,
file names, sizes, modification times), so adding, removing or editing an image
prepares it afresh; old caches stay until deleted.

Bad input gets one sentence (`tasks.DatasetError`), never a traceback:
- missing folder, a path that is not a folder, a folder in neither layout, a split
  folder without files: refused when `--tasks` is parsed;
- a file that is not an image or is truncated: skipped, and a warning says how many
  of how many and which (see `pix2pix.SkippedFiles` for why skip rather than
  refuse); a split where nothing is readable is refused;
- a pix2pix-layout image whose width is not twice its height: refused, naming the
  file (a wrong layout is not a stray file, and guessing the split would train on
  garbage);
- grayscale, palette and RGBA images: converted to RGB (alpha over white).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os

import tensorflow_datasets as tfds
from etils import epath

from datasets.pix2pix import (
    SkippedFiles,
    UnreadableImageError,
    decode_rgb,
    encode_image,
    read_pair,
)
from datasets.tasks import CYCLEGAN_LAYOUT, PIX2PIX_LAYOUT, DatasetError

_CYCLEGAN_FOLDERS = ("trainA", "trainB", "testA", "testB")


def _visible_files(folder: str) -> list[str]:
    """Sorted names of the non-hidden regular files directly inside `folder`."""
    with os.scandir(folder) as entries:
        return sorted(
            entry.name
            for entry in entries
            if not entry.name.startswith(".") and entry.is_file()
        )


def split_folders(folder: str, layout: str) -> dict[str, str]:
    """TFDS split name -> the subfolder it is read from."""
    if layout == CYCLEGAN_LAYOUT:
        return {split: os.path.join(folder, split) for split in _CYCLEGAN_FOLDERS}
    test = "test" if os.path.isdir(os.path.join(folder, "test")) else "val"
    splits = {"train": os.path.join(folder, "train"), "test": os.path.join(folder, test)}
    if os.path.isdir(os.path.join(folder, "val")):
        splits["val"] = os.path.join(folder, "val")
    return splits


def detect_layout(folder: str) -> str:
    """`"pix2pix"` or `"cyclegan"`, from the subfolders of `folder`.

    Raises:
        DatasetError: the folder is missing, is a file, matches neither layout, or
            one of its split folders holds no files.
    """
    if not os.path.exists(folder):
        raise DatasetError(f"Folder {folder} does not exist.")
    if not os.path.isdir(folder):
        raise DatasetError(
            f"{folder} is a file, not a folder in the pix2pix or CycleGAN layout."
        )
    subfolders = {
        entry for entry in os.listdir(folder) if os.path.isdir(os.path.join(folder, entry))
    }
    if {"trainA", "trainB"} & subfolders:
        layout = CYCLEGAN_LAYOUT
        missing = [name + "/" for name in _CYCLEGAN_FOLDERS if name not in subfolders]
        if missing:
            raise DatasetError(
                f"Folder {folder} looks like the CycleGAN layout but has no "
                f"{' '.join(missing)}; it needs trainA/ trainB/ testA/ testB/."
            )
    elif "train" in subfolders:
        layout = PIX2PIX_LAYOUT
        if not {"test", "val"} & subfolders:
            raise DatasetError(
                f"Folder {folder} has train/ but neither test/ nor val/; the pix2pix "
                "layout needs both, for training and for evaluation."
            )
    else:
        contents = ", ".join(sorted(os.listdir(folder))[:8]) or "nothing"
        raise DatasetError(
            f"Folder {folder} is in neither layout (it contains {contents}); use "
            "train/ and test/ (or val/) with A|B pairs side by side, or trainA/ "
            "trainB/ testA/ testB/ for unpaired images."
        )
    for split_folder in split_folders(folder, layout).values():
        if not _visible_files(split_folder):
            raise DatasetError(f"Folder {split_folder} contains no images.")
    return layout


def fingerprint(folder: str, layout: str) -> str:
    """A short hash of what the builder would read: changes when any image does."""
    digest = hashlib.sha256(f"{os.path.abspath(folder)}\n{layout}\n".encode())
    for split, split_folder in sorted(split_folders(folder, layout).items()):
        for name in _visible_files(split_folder):
            stat = os.stat(os.path.join(split_folder, name))
            digest.update(f"{split}/{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@dataclasses.dataclass
class UserFolderConfig(tfds.core.BuilderConfig):
    """One user folder.

    Attributes:
        folder: absolute path of the folder.
        layout: `"pix2pix"` or `"cyclegan"`.
    """

    folder: str = ""
    layout: str = PIX2PIX_LAYOUT


class UserFolders(tfds.core.GeneratorBasedBuilder):
    """A user's own folder of images, in the pix2pix or the CycleGAN layout."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    def _info(self) -> tfds.core.DatasetInfo:
        image = tfds.features.Image(shape=(None, None, 3))
        if self.builder_config.layout == PIX2PIX_LAYOUT:
            features = {"image_a": image, "image_b": image, "file_name": tfds.features.Text()}
        else:
            features = {
                "image": image,
                "label": tfds.features.ClassLabel(names=["A", "B"]),
                "file_name": tfds.features.Text(),
            }
        return tfds.core.DatasetInfo(
            builder=self,
            description=f"Images of the folder {self.builder_config.folder}.",
            features=tfds.features.FeaturesDict(features),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Everything is local.
        config = self.builder_config
        return {
            # A CycleGAN split's last letter is its domain (trainA -> A).
            split: self._generate_examples(split_folder, split[-1])
            for split, split_folder in split_folders(config.folder, config.layout).items()
        }

    def _generate_examples(self, split_folder, domain):
        paired = self.builder_config.layout == PIX2PIX_LAYOUT
        names = _visible_files(split_folder)
        skipped = SkippedFiles(split_folder)
        kept = 0
        for name in names:
            path = epath.Path(split_folder) / name
            data = path.read_bytes()
            try:
                if paired:
                    image_a, image_b = read_pair(data, str(path))
                    example = {"image_a": image_a, "image_b": image_b, "file_name": name}
                else:
                    image, source_format = decode_rgb(data)
                    example = {
                        "image": encode_image(image, source_format),
                        "label": domain,
                        "file_name": name,
                    }
            except UnreadableImageError as err:
                skipped.add(name, str(err))
                continue
            kept += 1
            yield name, example
        skipped.finish(len(names), kept)


def prepare(folder: str, layout: str, data_dir: str | None = None) -> UserFolders:
    """Check and cache `folder` (once per content), and return its prepared builder.

    Raises:
        DatasetError: see the module docstring.
    """
    folder = os.path.abspath(folder)
    detected = detect_layout(folder)
    if detected != layout:
        raise DatasetError(
            f"Folder {folder} is now in the {detected} layout, not the {layout} layout it "
            "had when the task was defined."
        )
    config = UserFolderConfig(
        name=f"{layout}_{fingerprint(folder, layout)}",
        description=f"{layout} layout at {folder}",
        folder=folder,
        layout=layout,
    )
    builder = UserFolders(config=config, data_dir=data_dir)
    builder.download_and_prepare()
    return builder
