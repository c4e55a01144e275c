"""Images per second the input pipeline delivers at 128x128 with jitter, on this machine.

    python benchmarks/input_pipeline.py                  # about a minute on 2 CPU cores
    python benchmarks/input_pipeline.py --batch_size=64 --num_images=600

Writes a synthetic archive in the pix2pix layout (`facades.tar.gz`: 256x256 A|B
JPEG pairs of smooth shapes, which decode like photos) into a temporary TFDS
manual folder, prepares it through the real builder, and times
`make_dataset(..., training=True, jitter=True)` the way training consumes it: the
first epoch (decode, resize, fill the cache) and then the steady state (cached:
shuffle, crop, flip, scale, batch). Prints one line; the steady-state number is
what `pipeline_images_per_second` returns, for a trainer to set beside the images
per second of its training step.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import math
import os
import sys
import tarfile
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@dataclasses.dataclass(frozen=True)
class PipelineThroughput:
    """Images per second of one measurement."""

    first_epoch: float  # decoding and filling the cache
    steady_state: float  # later epochs, from the cache
    image_size: int
    batch_size: int
    num_images: int


def _synthetic_pair(rng, size: int = 256):
    """A uint8 [size, 2 * size, 3] pair: a blurred blocky "photo" and its posterised "labels"."""
    import numpy as np

    coarse = rng.uniform(0, 255, size=(8, 8, 3))
    photo = np.kron(coarse, np.ones((size // 8, size // 8, 1)))
    # A cheap blur (shifted averages) turns the blocks into smooth gradients.
    for axis in (0, 1):
        photo = sum(np.roll(photo, shift, axis=axis) for shift in range(-8, 9, 4)) / 5
    photo += rng.normal(0, 6, size=photo.shape)  # sensor noise: JPEG has detail to keep
    labels = (photo // 64) * 64 + 32
    pair = np.concatenate([photo, labels], axis=1)
    return np.clip(pair, 0, 255).astype(np.uint8)


def write_synthetic_archive(manual_dir: Path, num_images: int, seed: int = 0) -> Path:
    """`<manual_dir>/facades.tar.gz` in the authors' layout with `num_images` training pairs."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    manual_dir.mkdir(parents=True, exist_ok=True)
    path = manual_dir / "facades.tar.gz"
    counts = {"train": num_images, "val": 4, "test": 4}
    with tarfile.open(path, "w:gz") as archive:
        for folder, count in counts.items():
            for index in range(count):
                buffer = io.BytesIO()
                Image.fromarray(_synthetic_pair(rng)).save(buffer, format="JPEG", quality=95)
                info = tarfile.TarInfo(f"facades/{folder}/{index + 1}.jpg")
                info.size = buffer.tell()
                buffer.seek(0)
                archive.addfile(info, buffer)
    return path


def measure_pipeline(
    image_size: int = 128,
    batch_size: int = 16,
    *,
    num_images: int = 300,
    steady_epochs: int = 3,
    jitter: bool = True,
    seed: int = 0,
) -> PipelineThroughput:
    """Time the training pipeline on a synthetic pix2pix-layout archive (see module doc)."""
    from datasets import pipeline
    from datasets.tasks import get_task

    with tempfile.TemporaryDirectory(prefix="input_pipeline_benchmark_") as data_dir:
        write_synthetic_archive(Path(data_dir) / "downloads" / "manual", num_images, seed)
        task = get_task("facades")
        # Not timed: TFDS prepares a dataset once. Its notices go to stderr, so that
        # stdout carries only the measurement.
        with contextlib.redirect_stdout(sys.stderr):
            pipeline.prepare_builder(task, data_dir)
        dataset = pipeline.make_dataset(
            task, "train", image_size, batch_size, training=True, jitter=jitter, seed=seed,
            data_dir=data_dir,
        )
        batches = iter(dataset)
        batches_per_epoch = math.ceil(num_images / batch_size)

        def images_per_second(num_batches: int) -> float:
            start = time.perf_counter()
            for _ in range(num_batches):
                next(batches)
            return num_batches * batch_size / (time.perf_counter() - start)

        first_epoch = images_per_second(batches_per_epoch)
        steady_state = images_per_second(steady_epochs * batches_per_epoch)
    return PipelineThroughput(first_epoch, steady_state, image_size, batch_size, num_images)


def pipeline_images_per_second(
    image_size: int = 128, batch_size: int = 16, *, num_images: int = 300, jitter: bool = True
) -> float:
    """Steady-state images per second of the training input pipeline on this machine."""
    return measure_pipeline(
        image_size, batch_size, num_images=num_images, jitter=jitter
    ).steady_state


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image_size", type=int, default=128, help="output side length")
    parser.add_argument("--batch_size", type=int, default=16, help="images per batch")
    parser.add_argument("--num_images", type=int, default=300, help="pairs in the archive")
    parser.add_argument("--no_jitter", action="store_true", help="time without the jitter")
    parser.add_argument("--train_steps", type=int, default=3,
                        help="timed steps of the paper-size training step (0 skips the demand side)")
    args = parser.parse_args(argv)
    import tensorflow_datasets as tfds

    tfds.disable_progress_bar()
    result = measure_pipeline(
        args.image_size, args.batch_size, num_images=args.num_images, jitter=not args.no_jitter
    )
    jitter = "without" if args.no_jitter else "with"
    print(
        f"Input pipeline: {result.steady_state:.0f} images/s at "
        f"{result.image_size}x{result.image_size} {jitter} jitter, batch {result.batch_size} "
        f"(first epoch, decoding: {result.first_epoch:.0f} images/s; {result.num_images} "
        f"synthetic 256x256 pairs; {os.cpu_count()} CPU cores)."
    )
    if args.train_steps:
        from benchmarks.train_step import images_per_second as step_images_per_second

        # The demand side: a paper-size pix2pix step (ResNet-6, 64 filters, PatchGAN)
        # at the same image and batch size, for the first task (no distillation).
        demand = step_images_per_second(
            "hyper_lifelong_gan", 0, False, args.train_steps, image_size=args.image_size,
            ngf=64, n_blocks=6, ndf=64, batch_size=args.batch_size,
        )
        print(
            f"Training step demand: {demand:.1f} images/s at the same size; the pipeline "
            f"delivers {result.steady_state / demand:.0f}x what the step consumes."
        )


if __name__ == "__main__":
    main()
