"""A user's own image folders as a TFDS builder: `user_folders/<layout>_<fingerprint>`.

Three layouts are recognised (`detect_layout`):

- pix2pix layout: `train/` and `test/` (or `val/`), each image one A|B pair side by
  side (width = 2 x height), A on the left. Paired; features `image_a`, `image_b`,
  `file_name` exactly as `pix2pix.Pix2pix`, with splits `train`, `test` (from test/,
  else val/) and `val` where val/ exists.
- A/B layout: the two sides of every pair as separate images, matched by file name
  without its suffix (`A/train/0001.jpg` with `B/train/0001.png`), the split folders
  either below the sides (`A/train/ A/test/ B/train/ B/test/`) or above them
  (`train/A/ train/B/ test/A/ test/B/`). Paired, with the same features and splits
  as the pix2pix layout; names found on one side only are left out and listed in a
  warning.
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
import logging
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
from datasets.tasks import AB_LAYOUT, CYCLEGAN_LAYOUT, PIX2PIX_LAYOUT, DatasetError

_CYCLEGAN_FOLDERS = ("trainA", "trainB", "testA", "testB")
_SIDES = ("A", "B")
_MAX_NAMES_IN_REPORT = 10


def _visible_files(folder: str) -> list[str]:
    """Sorted names of the non-hidden regular files directly inside `folder`."""
    with os.scandir(folder) as entries:
        return sorted(
            entry.name
            for entry in entries
            if not entry.name.startswith(".") and entry.is_file()
        )


def _subfolders(folder: str) -> set[str]:
    return {entry for entry in os.listdir(folder) if os.path.isdir(os.path.join(folder, entry))}


def _sides_below_splits(folder: str) -> bool:
    """Whether an A/B-layout folder keeps its sides inside the split folders (train/A/)."""
    return not {"A", "B"} <= _subfolders(folder)


def _split_names(root: str) -> dict[str, str]:
    """TFDS split name -> split folder name, for split folders found in `root`."""
    names = _subfolders(root) if os.path.isdir(root) else set()
    splits = {"train": "train", "test": "test" if "test" in names else "val"}
    if "val" in names:
        splits["val"] = "val"
    return splits


def split_folders(folder: str, layout: str) -> dict[str, object]:
    """TFDS split name -> the subfolder it is read from (for the A/B layout, the pair
    of subfolders (A side, B side))."""
    if layout == CYCLEGAN_LAYOUT:
        return {split: os.path.join(folder, split) for split in _CYCLEGAN_FOLDERS}
    if layout == AB_LAYOUT:
        if _sides_below_splits(folder):
            return {
                split: tuple(os.path.join(folder, name, side) for side in _SIDES)
                for split, name in _split_names(folder).items()
            }
        return {
            split: tuple(os.path.join(folder, side, name) for side in _SIDES)
            for split, name in _split_names(os.path.join(folder, "A")).items()
        }
    return {split: os.path.join(folder, name) for split, name in _split_names(folder).items()}


def _is_ab_layout(folder: str, subfolders: set[str]) -> bool:
    if {"A", "B"} <= subfolders:
        return True
    return "train" in subfolders and {"A", "B"} <= _subfolders(os.path.join(folder, "train"))


def _check_ab_folders(folder: str) -> None:
    """Every side and split folder of the A/B layout is there."""
    below = _sides_below_splits(folder)
    roots = [folder] if below else [os.path.join(folder, side) for side in _SIDES]
    for root in roots:
        names = _subfolders(root)
        if "train" not in names or not {"test", "val"} & names:
            raise DatasetError(
                f"Folder {root} needs train/ and test/ (or val/) for the A/B layout, "
                f"which keeps pairs as A/train/NAME and B/train/NAME (or train/A/NAME and "
                "train/B/NAME)."
            )
    if below:
        for name in _split_names(folder).values():
            split_folder = os.path.join(folder, name)
            missing = [side + "/" for side in _SIDES if not os.path.isdir(os.path.join(split_folder, side))]
            if missing:
                raise DatasetError(
                    f"Folder {split_folder} has no {' '.join(missing)}; in the A/B layout every "
                    "split folder holds A/ and B/."
                )


def _pair_names(folder_a: str, folder_b: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(the (A file, B file) pairs whose names match without suffix, sorted; the files
    of either side with no partner, as `A/name` or `B/name`)."""
    by_stem = []
    for side_folder in (folder_a, folder_b):
        stems = {}
        for name in _visible_files(side_folder):
            stems.setdefault(os.path.splitext(name)[0], name)
        by_stem.append(stems)
    stems_a, stems_b = by_stem
    pairs = [(stems_a[stem], stems_b[stem]) for stem in sorted(stems_a.keys() & stems_b.keys())]
    strays = [f"A/{stems_a[stem]}" for stem in sorted(stems_a.keys() - stems_b.keys())]
    strays += [f"B/{stems_b[stem]}" for stem in sorted(stems_b.keys() - stems_a.keys())]
    return pairs, strays


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
    subfolders = _subfolders(folder)
    if _is_ab_layout(folder, subfolders):
        layout = AB_LAYOUT
        _check_ab_folders(folder)
    elif {"trainA", "trainB"} & subfolders:
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
            f"Folder {folder} is in none of the layouts (it contains {contents}); use "
            "train/ and test/ (or val/) with A|B pairs side by side, A/ and B/ with "
            "train/ and test/ holding pairs by file name, or trainA/ trainB/ testA/ "
            "testB/ for unpaired images."
        )
    for split_folder in split_folders(folder, layout).values():
        for side_folder in split_folder if layout == AB_LAYOUT else (split_folder,):
            if not _visible_files(side_folder):
                raise DatasetError(f"Folder {side_folder} contains no images.")
    if layout == AB_LAYOUT:
        for split_folder in split_folders(folder, layout).values():
            if not _pair_names(*split_folder)[0]:
                raise DatasetError(
                    f"Folders {split_folder[0]} and {split_folder[1]} share no file name, so "
                    "no image has a partner; the A/B layout pairs A/NAME.jpg with B/NAME.jpg."
                )
    return layout


def fingerprint(folder: str, layout: str) -> str:
    """A short hash of what the builder would read: changes when any image does."""
    digest = hashlib.sha256(f"{os.path.abspath(folder)}\n{layout}\n".encode())
    for split, split_folder in sorted(split_folders(folder, layout).items()):
        for side_folder in split_folder if layout == AB_LAYOUT else (split_folder,):
            for name in _visible_files(side_folder):
                stat = os.stat(os.path.join(side_folder, name))
                digest.update(
                    f"{split}/{side_folder}/{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()[:16]


@dataclasses.dataclass
class UserFolderConfig(tfds.core.BuilderConfig):
    """One user folder.

    Attributes:
        folder: absolute path of the folder.
        layout: `"pix2pix"`, `"cyclegan"` or `"ab"`.
    """

    folder: str = ""
    layout: str = PIX2PIX_LAYOUT


class UserFolders(tfds.core.GeneratorBasedBuilder):
    """A user's own folder of images, in the pix2pix, A/B or CycleGAN layout."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    def _info(self) -> tfds.core.DatasetInfo:
        image = tfds.features.Image(shape=(None, None, 3))
        if self.builder_config.layout in (PIX2PIX_LAYOUT, AB_LAYOUT):
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
        if self.builder_config.layout == AB_LAYOUT:
            yield from self._generate_pairs(*split_folder)
            return
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

    def _generate_pairs(self, folder_a, folder_b):
        pairs, strays = _pair_names(folder_a, folder_b)
        if strays:
            shown = ", ".join(strays[:_MAX_NAMES_IN_REPORT])
            more = len(strays) - _MAX_NAMES_IN_REPORT
            logging.getLogger(__name__).warning(
                f"Left out {len(strays)} images of {os.path.dirname(folder_a)} and "
                f"{os.path.dirname(folder_b)} whose name has no partner on the other side: "
                f"{shown}{f' and {more} more' if more > 0 else ''}."
            )
        skipped = SkippedFiles(f"{folder_a} and {folder_b}")
        kept = 0
        for name_a, name_b in pairs:
            halves = []
            try:
                for side_folder, name in ((folder_a, name_a), (folder_b, name_b)):
                    image, source_format = decode_rgb(epath.Path(side_folder, name).read_bytes())
                    halves.append(encode_image(image, source_format))
            except UnreadableImageError as err:
                skipped.add(os.path.join(os.path.basename(side_folder), name), str(err))
                continue
            kept += 1
            yield name_a, {"image_a": halves[0], "image_b": halves[1], "file_name": name_a}
        skipped.finish(len(pairs), kept)


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
