"""The input pipeline: a `Task` and a split in, `(inputs, targets)` batches out.

    train = make_dataset(task, "train", 128, 16, training=True, jitter=True, seed=0)
    for inputs, targets in train.take(steps): ...   # float32 [16, 128, 128, 3] in [-1, 1]

Per example: read the encoded images from the task's TFDS builder (downloading or
generating it on first use), decode, pick input and target by the task's direction,
resize to `image_size` (bilinear with antialiasing: area-like when shrinking the
256-px archives, smooth when enlarging the 64-px toy tasks), cache as uint8, and
then, for training, shuffle, repeat, the optional pix2pix jitter (resize up to
`image_size * 286 / 256`, random crop back, random horizontal flip), scale to
[-1, 1], batch, prefetch.

The cache sits before the random steps, so every epoch gets fresh crops and flips,
and holds uint8 pixels at the (jitter) load size; it is used when the split fits in
`MEMORY_CACHE_BYTES` (cityscapes at 128 px: ~0.4 GB; edges2handbags is streamed).

Paired tasks crop and flip input and target together (one crop of the 6-channel
stack). Unpaired tasks zip two independent streams, the input domain and the target
domain, each shuffled with its own seed; in evaluation every input comes once and
the (usually smaller) target stream repeats alongside it.

Determinism: `tf.data.Options().deterministic = True`, seeded shuffles, and
stateless random ops whose seed is (`seed`, element index), so one seed gives the
same batches on every run, however many threads the maps use.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import tempfile

import tensorflow as tf
import tensorflow_datasets as tfds
from etils import epath

from datasets import pix2pix, user_folders
from datasets.builtin import builder as builtin_builder
from datasets.errors import DatasetError, unavailable_error
from datasets.tasks import A_TO_B, Task
from hyper_lifelong_gan.locks import exclusive

AUTOTUNE = tf.data.AUTOTUNE
# pix2pix loads 286-px images and crops 256 px: scale up by 286/256 (~1.12).
JITTER_SCALE = 286 / 256
# Cache a split's decoded images in memory when they take at most this much.
MEMORY_CACHE_BYTES = 2 * 1024**3
# Memory allowed for a shuffle buffer of decoded images (at least one epoch of
# small datasets, thousands of images for large ones).
SHUFFLE_BUFFER_BYTES = 512 * 1024**2
_CYCLE_GAN_URL_ROOT = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets"


# ---------------------------------------------------------------------------
# Builders: prepare (download / generate) the data behind a task
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def prepare_builder(task: Task, data_dir: str | None = None) -> tfds.core.DatasetBuilder:
    """The task's TFDS builder, downloaded or generated on first use (then cached by TFDS).

    Processes that prepare the same dataset at once (two runs started together on a
    new folder) take turns: the second waits for the first and reuses its result
    (`preparation_lock`). TFDS' temporary folders go to a folder of this call's,
    removed afterwards (`owned_tempdir`).

    Raises:
        DatasetUnavailableError: the data cannot be downloaded here; the message says
            which file to place where.
        DatasetError: the data is there but unusable (see user_folders.py).
    """
    with preparation_lock(task, data_dir), owned_tempdir():
        return _prepare_builder(task, data_dir)


def data_root(data_dir: str | None) -> str:
    """The TFDS data folder in use: `data_dir`, or TFDS' default (~/tensorflow_datasets)."""
    return os.path.expanduser(data_dir or tfds.core.constants.DATA_DIR)


@contextlib.contextmanager
def preparation_lock(task: Task, data_dir: str | None):
    """An inter-process lock on preparing `task`'s dataset in the data folder.

    `fcntl.flock` on DATA_DIR/.locks/<dataset>.lock: released by the kernel when the
    holder ends, however it ends, so a killed holder never blocks the next run.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", task.dataset).strip("_")[-120:] or "dataset"
    path = os.path.join(data_root(data_dir), ".locks", f"{name}.lock")
    with exclusive(path, lambda pid: f"Waiting for another process (pid {pid}) preparing {task.name}'s data ..."):
        yield


@contextlib.contextmanager
def owned_tempdir():
    """Points `tempfile` at a fresh folder for the block, then removes it.

    TFDS creates an empty `tmp*tfds` folder with `tempfile.mkdtemp` whenever it sets
    up a dataset that is not prepared yet (dataset_info.py) and never removes it.
    """
    _remove_orphaned_tempdirs()
    saved = tempfile.tempdir
    owned = tempfile.mkdtemp(prefix=f"{_TEMPDIR_PREFIX}{os.getpid()}-")
    tempfile.tempdir = owned
    try:
        yield owned
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(owned, ignore_errors=True)


_TEMPDIR_PREFIX = "hyper_lifelong_gan-prepare-"


def _remove_orphaned_tempdirs() -> None:
    """Removes the folders of `owned_tempdir` whose process is gone (killed mid-preparation)."""
    root = tempfile.gettempdir()
    for name in os.listdir(root):
        match = re.fullmatch(re.escape(_TEMPDIR_PREFIX) + r"(\d+)-\w+", name)
        if not match or int(match[1]) == os.getpid():
            continue
        try:
            os.kill(int(match[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        except OSError:
            pass  # alive, another user's


def _prepare_builder(task: Task, data_dir: str | None) -> tfds.core.DatasetBuilder:
    if task.source == "pix2pix":
        builder = pix2pix.Pix2pix(config=task.dataset.split("/", 1)[1], data_dir=data_dir)
        if not builder.is_prepared():
            builder.check_available()  # before TFDS prints that it starts preparing
        builder.download_and_prepare()
        return builder
    if task.source == "cycle_gan":
        return _prepare_cycle_gan(task, data_dir)
    if task.source == "builtin":
        return builtin_builder.prepare(task.name, data_dir=data_dir)
    return user_folders.prepare(task.dataset, task.layout, data_dir=data_dir)


def _cycle_gan_archive(builder, config: str) -> tuple[str, str]:
    """URL and file name of a cycle_gan config's zip, as TFDS has them recorded."""
    for url, url_info in (type(builder).url_infos or {}).items():
        if url.endswith(f"/{config}.zip"):
            return url, url_info.filename or f"{config}.zip"
    return f"{_CYCLE_GAN_URL_ROOT}/{config}.zip", f"{config}.zip"


def _prepare_cycle_gan(task: Task, data_dir: str | None) -> tfds.core.DatasetBuilder:
    builder = tfds.builder(task.dataset, data_dir=data_dir)
    if builder.is_prepared():
        return builder
    url, file_name = _cycle_gan_archive(builder, task.dataset.split("/", 1)[1])
    # TFDS uses a file of the recorded name in its manual folder instead of
    # downloading (and checks it against the recorded checksum).
    manual_path = epath.Path(builder.data_dir_root) / "downloads" / "manual" / file_name
    if not manual_path.exists():
        reason = pix2pix.unreachable_reason(url)
        if reason is not None:
            raise unavailable_error(url, reason, manual_path)
    try:
        builder.download_and_prepare()
    except (OSError, tfds.download.DownloadError) as err:
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise unavailable_error(url, reason, manual_path) from None
    except tfds.core.download.download_manager.NonMatchingChecksumError:
        raise DatasetError(
            f"The file for {url} does not match the checksum TFDS recorded for it; delete "
            f"{manual_path} (or the partial download under "
            f"{epath.Path(builder.data_dir_root) / 'downloads'}) and fetch it again."
        ) from None
    return builder


# ---------------------------------------------------------------------------
# Which stored split and feature is the input, which the target
# ---------------------------------------------------------------------------


def _check_split(task: Task, split: str) -> None:
    if split not in task.splits:
        raise DatasetError(
            f"Task {task.name!r} has splits {', '.join(task.splits)}, not {split!r}."
        )


def _paired_keys(task: Task) -> tuple[str, str]:
    """(input feature, target feature) of a paired task."""
    side_a, side_b = ("input", "target") if task.source == "builtin" else ("image_a", "image_b")
    return (side_a, side_b) if task.direction == A_TO_B else (side_b, side_a)


def _unpaired_splits(task: Task, split: str) -> tuple[str, str]:
    """(input split, target split) of an unpaired task, e.g. ("trainB", "trainA")."""
    return f"{split}{task.input_side}", f"{split}{task.target_side}"


def num_examples(task: Task, split: str, data_dir: str | None = None) -> int:
    """Examples in one pass of `make_dataset(task, split, training=False)`.

    For an unpaired task that is the number of input-domain images of the split.
    """
    _check_split(task, split)
    builder = prepare_builder(task, data_dir)
    if not task.paired:
        split = _unpaired_splits(task, split)[0]
    return builder.info.splits[split].num_examples


# ---------------------------------------------------------------------------
# Per-example transforms
# ---------------------------------------------------------------------------


def load_size(image_size: int, jitter: bool) -> int:
    """Side length images are resized to before the (jitter) crop."""
    return int(round(image_size * JITTER_SCALE)) if jitter else image_size


def _decode_resized(encoded: tf.Tensor, size: int) -> tf.Tensor:
    """uint8 [size, size, 3] from JPEG/PNG bytes of any size and channel count."""
    image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
    image = tf.image.resize(image, [size, size], method="bilinear", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)


def _random_crop_and_flip(image: tf.Tensor, size: int, seed: tf.Tensor) -> tf.Tensor:
    """pix2pix jitter on a [load, load, C] image (C = 6 crops a pair identically)."""
    crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
    channels = image.shape[-1]
    image = tf.image.stateless_random_crop(image, [size, size, channels], seed=crop_seed)
    return tf.image.stateless_random_flip_left_right(image, seed=flip_seed)


def _to_unit_range(image: tf.Tensor) -> tf.Tensor:
    return tf.cast(image, tf.float32) / 127.5 - 1.0


def _element_seed(seed: int, index: tf.Tensor) -> tf.Tensor:
    return tf.stack([tf.constant(seed, tf.int64), tf.cast(index, tf.int64)])


def _options() -> tf.data.Options:
    options = tf.data.Options()
    options.deterministic = True
    return options


# ---------------------------------------------------------------------------
# Streams
# ---------------------------------------------------------------------------


def _read(builder, split: str, keys: tuple[str, ...], *, shuffle_files: bool, seed: int):
    """Encoded images of the split's examples: a tuple per example, or one tensor for one key."""
    read_config = tfds.ReadConfig(shuffle_seed=seed, try_autocache=False)
    dataset = builder.as_dataset(
        split=split,
        shuffle_files=shuffle_files,
        read_config=read_config,
        decoders={key: tfds.decode.SkipDecoding() for key in keys},
    )
    if len(keys) == 1:
        return dataset.map(lambda example: example[keys[0]])
    return dataset.map(lambda example: tuple(example[key] for key in keys))


def _decoded(dataset, size: int, count: int, images_per_example: int):
    """Decode and resize every image of each element; cache when the split fits."""

    def decode(*encoded):
        decoded = tuple(_decode_resized(image, size) for image in encoded)
        return decoded if len(decoded) > 1 else decoded[0]

    dataset = dataset.map(decode, num_parallel_calls=AUTOTUNE)
    if count * images_per_example * size * size * 3 <= MEMORY_CACHE_BYTES:
        dataset = dataset.cache()
    return dataset


def _shuffled(dataset, size: int, count: int, images_per_example: int, seed: int):
    bytes_per_example = images_per_example * size * size * 3
    buffer = max(1, min(count, SHUFFLE_BUFFER_BYTES // bytes_per_example))
    return dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True).repeat()


def _paired_examples(task, builder, split, image_size, *, training, jitter, seed):
    input_key, target_key = _paired_keys(task)
    count = builder.info.splits[split].num_examples
    size = load_size(image_size, jitter)
    dataset = _read(builder, split, (input_key, target_key), shuffle_files=training, seed=seed)
    dataset = _decoded(dataset, size, count, images_per_example=2)
    if training:
        dataset = _shuffled(dataset, size, count, 2, seed)
    if jitter:

        def crop_and_flip_together(index, pair):
            stacked = tf.concat(pair, axis=-1)
            stacked = _random_crop_and_flip(stacked, image_size, _element_seed(seed, index))
            return stacked[..., :3], stacked[..., 3:]

        dataset = dataset.enumerate().map(crop_and_flip_together, num_parallel_calls=AUTOTUNE)
    return dataset.map(
        lambda inputs, targets: (_to_unit_range(inputs), _to_unit_range(targets)),
        num_parallel_calls=AUTOTUNE,
    )


def _domain_images(builder, split, image_size, *, training, jitter, seed):
    """One domain of an unpaired task: float32 images in [-1, 1]."""
    count = builder.info.splits[split].num_examples
    size = load_size(image_size, jitter)
    dataset = _read(builder, split, ("image",), shuffle_files=training, seed=seed)
    dataset = _decoded(dataset, size, count, images_per_example=1)
    if training:
        dataset = _shuffled(dataset, size, count, 1, seed)
    if jitter:

        def crop_and_flip(index, image):
            return _random_crop_and_flip(image, image_size, _element_seed(seed, index))

        dataset = dataset.enumerate().map(crop_and_flip, num_parallel_calls=AUTOTUNE)
    return dataset.map(_to_unit_range, num_parallel_calls=AUTOTUNE)


def make_dataset(
    task: Task,
    split: str,
    image_size: int,
    batch_size: int,
    *,
    training: bool,
    jitter: bool = False,
    seed: int = 0,
    data_dir: str | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Batches `(inputs, targets)` of one task's split, in the task's direction.

    Args:
        task: from `tasks.parse_tasks` / `tasks.get_task`.
        split: one of `task.splits` (`"train"`, `"test"`, and `"val"` where it exists).
        image_size: side length of the output images.
        batch_size: examples per batch.
        training: shuffle (seeded) and repeat forever; otherwise one pass in a fixed
            order, no jitter.
        jitter: pix2pix jitter (resize up ~1.12x, random crop back, random horizontal
            flip); only when `training`.
        seed: seeds the shuffles and the jitter; same seed, same batches.
        data_dir: TFDS data folder (default: TFDS' own, `~/tensorflow_datasets`).
        drop_remainder: drop a last, smaller batch (keep it for evaluation).

    Returns:
        A dataset of `(inputs, targets)`, float32 [batch, image_size, image_size, 3]
        in [-1, 1]. For unpaired tasks the two are unrelated images of the input and
        the target domain.

    Raises:
        DatasetError: see `prepare_builder`.
    """
    _check_split(task, split)
    builder = prepare_builder(task, data_dir)
    jitter = jitter and training
    if task.paired:
        dataset = _paired_examples(
            task, builder, split, image_size, training=training, jitter=jitter, seed=seed
        )
    else:
        input_split, target_split = _unpaired_splits(task, split)
        # Independent seeds: the two domains are shuffled and cropped independently.
        inputs = _domain_images(
            builder, input_split, image_size, training=training, jitter=jitter, seed=seed
        )
        targets = _domain_images(
            builder, target_split, image_size, training=training, jitter=jitter, seed=seed + 1
        )
        if not training:
            targets = targets.repeat()  # every input once; the targets cycle alongside
        dataset = tf.data.Dataset.zip((inputs, targets))
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=AUTOTUNE)
    return dataset.prefetch(AUTOTUNE).with_options(_options())


def target_images(
    task: Task, split: str, image_size: int, data_dir: str | None = None
) -> tf.data.Dataset:
    """The task's real target-domain images of a split, one by one, in a fixed order.

    float32 [image_size, image_size, 3] in [-1, 1]; for a domain classifier or as
    the real side of FID. Unbatched: batch as the consumer needs.
    """
    _check_split(task, split)
    builder = prepare_builder(task, data_dir)
    if task.paired:
        tfds_split, key = split, _paired_keys(task)[1]
    else:
        tfds_split, key = _unpaired_splits(task, split)[1], "image"
    dataset = _read(builder, tfds_split, (key,), shuffle_files=False, seed=0)
    dataset = dataset.map(
        lambda encoded: _to_unit_range(_decode_resized(encoded, image_size)),
        num_parallel_calls=AUTOTUNE,
    )
    return dataset.prefetch(AUTOTUNE).with_options(_options())
