"""Evaluation metrics (FID, Acc, L1/PSNR/SSIM) and the report that shows them.

See docs/design.md, "Metrics". Images are float32 in [-1, 1], shape [B, H, W, 3].
"""

from hyper_lifelong_gan.metrics.domain_classifier import ClassifierFeatures
from hyper_lifelong_gan.metrics.domain_classifier import accuracy_per_task
from hyper_lifelong_gan.metrics.domain_classifier import build_domain_classifier
from hyper_lifelong_gan.metrics.domain_classifier import classifier_cache_path
from hyper_lifelong_gan.metrics.domain_classifier import features
from hyper_lifelong_gan.metrics.domain_classifier import load_or_train
from hyper_lifelong_gan.metrics.domain_classifier import train_domain_classifier
from hyper_lifelong_gan.metrics.fid import FeatureSpace
from hyper_lifelong_gan.metrics.fid import InceptionFeatures
from hyper_lifelong_gan.metrics.fid import InceptionWeightsUnavailable
from hyper_lifelong_gan.metrics.fid import RunningStatistics
from hyper_lifelong_gan.metrics.fid import feature_statistics
from hyper_lifelong_gan.metrics.fid import fid_metric_key
from hyper_lifelong_gan.metrics.fid import frechet_distance
from hyper_lifelong_gan.metrics.fid import frechet_distance_from_activations
from hyper_lifelong_gan.metrics.image_quality import l1
from hyper_lifelong_gan.metrics.image_quality import psnr
from hyper_lifelong_gan.metrics.image_quality import ssim
from hyper_lifelong_gan.metrics.report import continual_matrix_table
from hyper_lifelong_gan.metrics.report import forgetting
from hyper_lifelong_gan.metrics.report import image_grid_array
from hyper_lifelong_gan.metrics.report import markdown_table
from hyper_lifelong_gan.metrics.report import save_heatmap_png
from hyper_lifelong_gan.metrics.report import save_image_grid_png
