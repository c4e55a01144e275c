"""Evaluation metrics (FID, Acc, L1/PSNR/SSIM) and the report that shows them.

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
from hyper_lifelong_gan.metrics.image_quality import l1, psnr, ssim
from hyper_lifelong_gan.metrics.report import (
    continual_matrix_table,
    forgetting,
    image_grid_array,
    markdown_table,
    save_heatmap_png,
    save_image_grid_png,
)
