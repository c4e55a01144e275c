"""What every metric is, in one table: its label, which way is better, how it is shown.

Metric names are the keys of results.json: a matrix `metrics[name][i][j]` is the
metric of task j after learning task i. Acc is stored as a fraction in [0, 1] and
shown in percent, as in the paper's tables.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Metric:
    """Facts of one metric.

    Attributes:
        label: its name in tables and figures.
        higher_is_better: True (Acc, PSNR, SSIM), False (FID, L1), None (params).
        decimals: decimals in the comparison table (the report's matrices show two).
        percent: stored as a fraction, shown multiplied by 100.
    """

    label: str
    higher_is_better: bool | None
    decimals: int = 2
    percent: bool = False


METRICS = {
    "acc": Metric("Acc", True, 2, percent=True),
    # Keras' InceptionV3, not the paper's reference Inception graph (README, "FID").
    "fid": Metric("FID (Keras Inception)", False, 2),
    "fid_classifier": Metric("FID (classifier features)", False, 2),
    "l1": Metric("L1", False, 4),
    "psnr": Metric("PSNR", True, 2),
    "ssim": Metric("SSIM", True, 4),
    "structure": Metric("Structure SSIM", True, 4),
    "params": Metric("Params", None, 0),
}

# What a run records after each task: paired runs against the ground truth, unpaired
# runs with the domain classifier (Acc) and the structure score.
PAIRED_METRICS = ("l1", "psnr", "ssim")
UNPAIRED_METRICS = ("acc", "structure")
# A trivial baseline's score of metric m is recorded as `baseline_<m>`.
BASELINE_PREFIX = "baseline_"

HIGHER_IS_BETTER = {name: metric.higher_is_better for name, metric in METRICS.items()
                    if metric.higher_is_better is not None}
LOWER_IS_BETTER = frozenset(name for name, better in HIGHER_IS_BETTER.items() if not better)
PERCENT_METRICS = frozenset(name for name, metric in METRICS.items() if metric.percent)
METRIC_LABELS = {name: metric.label for name, metric in METRICS.items()}
DECIMALS = {name: metric.decimals for name, metric in METRICS.items()}
