"""Evaluation metrics: FID, Acc, L1/PSNR/SSIM and forgetting (tables and figures of
them are the `reporting` package's).

See docs/design.md, "Metrics". Images are float32 in [-1, 1], shape [B, H, W, 3].
"""

from hyper_lifelong_gan.metrics.domain_classifier import (
    ClassifierFeatures,
    accuracy_per_task,
    build_domain_classifier,
    classifier_cache_path,
    features,
    load_or_train,
    train_domain_classifier,
)
from hyper_lifelong_gan.metrics.fid import (
    FeatureSpace,
    InceptionFeatures,
    InceptionWeightsUnavailable,
    RunningStatistics,
    feature_statistics,
    fid_metric_key,
    frechet_distance,
    frechet_distance_from_activations,
)
from hyper_lifelong_gan.metrics.forgetting import forgetting, mean_forgetting
from hyper_lifelong_gan.metrics.image_quality import l1, psnr, ssim

__all__ = [
    "ClassifierFeatures", "accuracy_per_task", "build_domain_classifier", "classifier_cache_path", "features",
    "load_or_train", "train_domain_classifier",
    "FeatureSpace", "InceptionFeatures", "InceptionWeightsUnavailable", "RunningStatistics", "feature_statistics",
    "fid_metric_key", "frechet_distance", "frechet_distance_from_activations",
    "forgetting", "mean_forgetting",
    "l1", "psnr", "ssim",
]
