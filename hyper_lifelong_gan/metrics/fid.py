"""Frechet distance between feature distributions (FID, Heusel et al. 2017).

Two halves, so that the maths can be checked apart from any network:

* the maths, plain NumPy/SciPy on activations (`frechet_distance`,
  `frechet_distance_from_activations`, `RunningStatistics` for streaming), and
* the features of images (`InceptionFeatures`, or the domain classifier's
  features from `domain_classifier.ClassifierFeatures`), joined by
  `feature_statistics`.

Which feature space a distance was computed in is part of its name: FID on
Inception pool features is reported as `fid`, the offline fallback on the domain
classifier's features as `fid_classifier` (`fid_metric_key`); the two are not
comparable and one is never passed off as the other.
"""

import contextlib
import os
import warnings

import keras
import numpy as np
import scipy.linalg
import tensorflow as tf


class FeatureSpace:
    """Names of the feature spaces a Frechet distance can be computed in."""

    INCEPTION = "inception"
    CLASSIFIER = "classifier"
    ALL = (INCEPTION, CLASSIFIER)


def fid_metric_key(feature_space):
    """The metric name to report a distance under: 'fid' or 'fid_classifier'."""
    if feature_space == FeatureSpace.INCEPTION:
        return "fid"
    if feature_space == FeatureSpace.CLASSIFIER:
        return "fid_classifier"
    raise ValueError(
        f"Unknown feature space {feature_space!r}; expected one of {FeatureSpace.ALL}."
    )


# ---------------------------------------------------------------------------
# The maths.


def _matrix_square_root(matrix):
    # Covariances of fewer samples than dimensions make the product singular, and
    # SciPy warns that its root "might be inaccurate". Its trace is still accurate
    # (the zero eigenvalues contribute zero), and a non-finite root is handled by
    # the caller, so the warning would only be noise in every evaluation log.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6, imaginary_tolerance=1e-3):
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2).

        d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^{1/2})

    (Heusel et al. 2017, "GANs trained by a two time-scale update rule converge to
    a local Nash equilibrium", the FID formula below their eq. 6). Computed in
    float64. The matrix square root comes from `scipy.linalg.sqrtm`; if the product
    of the covariances is singular and the root is not finite, `eps * I` is added
    to both covariances and the root retried. Numerical noise can give the root a
    tiny imaginary part, which is dropped; an imaginary part on the diagonal larger
    than `imaginary_tolerance` means the inputs are not covariance matrices and
    raises ValueError.

    Args:
        mu1, mu2: means, shape [D].
        sigma1, sigma2: covariances, shape [D, D].
        eps: the diagonal offset used only when the plain root is not finite.
        imaginary_tolerance: the largest imaginary part tolerated on the diagonal.

    Returns:
        The distance as a Python float (the squared Frechet distance, as FID is
        conventionally reported).
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape:
        raise ValueError(f"Means differ in shape: {mu1.shape} vs {mu2.shape}.")
    dim = mu1.shape[0]
    if sigma1.shape != (dim, dim) or sigma2.shape != (dim, dim):
        raise ValueError(
            f"Covariances must be [{dim}, {dim}]; got {sigma1.shape} and {sigma2.shape}."
        )

    covariance_root = _matrix_square_root(sigma1 @ sigma2)
    if not np.all(np.isfinite(covariance_root)):
        offset = eps * np.eye(dim)
        covariance_root = _matrix_square_root((sigma1 + offset) @ (sigma2 + offset))
        if not np.all(np.isfinite(covariance_root)):
            raise ValueError(
                "The square root of the covariance product is not finite, even "
                f"after adding {eps} to the diagonals."
            )
    if np.iscomplexobj(covariance_root):
        largest_imaginary = np.max(np.abs(np.diagonal(covariance_root).imag))
        if largest_imaginary > imaginary_tolerance:
            raise ValueError(
                "The square root of the covariance product has an imaginary "
                f"component of {largest_imaginary:.3g} on its diagonal; are the "
                "inputs covariance matrices?"
            )
        covariance_root = covariance_root.real

    mean_term = np.sum((mu1 - mu2) ** 2)
    trace_term = np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covariance_root)
    return float(mean_term + trace_term)


def _mean_and_covariance(activations):
    activations = np.asarray(activations, dtype=np.float64)
    if activations.ndim != 2 or activations.shape[0] < 2:
        raise ValueError(
            "Activations must be [N, D] with N >= 2 to estimate a covariance; "
            f"got shape {activations.shape}."
        )
    return activations.mean(axis=0), np.cov(activations, rowvar=False)


def frechet_distance_from_activations(activations1, activations2, **kwargs):
    """Frechet distance between two sets of activations, each [N, D].

    Fits a Gaussian to each set (mean and unbiased covariance, float64) and calls
    `frechet_distance`; keyword arguments go to it.
    """
    mu1, sigma1 = _mean_and_covariance(activations1)
    mu2, sigma2 = _mean_and_covariance(activations2)
    return frechet_distance(mu1, sigma1, mu2, sigma2, **kwargs)


class RunningStatistics:
    """Streaming mean and covariance of activations, in bounded memory.

    Keeps float64 sums of x and x x^T over batches of shape [N, D], so thousands of
    images cost one D x D matrix. To avoid cancellation in
    sum(x x^T) - n mu mu^T the sums are of x - shift, where shift is the mean of
    the first batch (the covariance does not depend on the shift).

    Example:
        >>> statistics = RunningStatistics()
        >>> for batch in activation_batches:
        ...     statistics.update(batch)
        >>> statistics.mean, statistics.covariance
    """

    def __init__(self):
        self.count = 0
        self._shift = None
        self._sum = None
        self._outer_sum = None

    def update(self, activations):
        activations = np.asarray(activations, dtype=np.float64)
        if activations.ndim != 2:
            raise ValueError(f"Activations must be [N, D]; got {activations.shape}.")
        if activations.shape[0] == 0:
            return
        if self._shift is None:
            dim = activations.shape[1]
            self._shift = activations.mean(axis=0)
            self._sum = np.zeros(dim)
            self._outer_sum = np.zeros((dim, dim))
        elif activations.shape[1] != self._shift.shape[0]:
            raise ValueError(
                f"Activations of dimension {activations.shape[1]} given to "
                f"statistics of dimension {self._shift.shape[0]}."
            )
        centred = activations - self._shift
        self._sum += centred.sum(axis=0)
        self._outer_sum += centred.T @ centred
        self.count += activations.shape[0]

    @property
    def mean(self):
        self._require(1)
        return self._shift + self._sum / self.count

    @property
    def covariance(self):
        """The unbiased covariance (denominator N - 1), as np.cov gives it."""
        self._require(2)
        centred_mean = self._sum / self.count
        scatter = self._outer_sum - self.count * np.outer(centred_mean, centred_mean)
        return scatter / (self.count - 1)

    def _require(self, count):
        if self.count < count:
            raise ValueError(
                f"Need at least {count} activations; {self.count} were given."
            )

    def frechet_distance(self, other, **kwargs):
        """The Frechet distance between these statistics and `other`'s."""
        return frechet_distance(
            self.mean, self.covariance, other.mean, other.covariance, **kwargs
        )


def feature_statistics(feature_fn, batches):
    """`RunningStatistics` of the features of image batches, streamed: each batch goes
    through `feature_fn` and into the statistics, so memory does not grow with the
    number of images. FID is `real.frechet_distance(generated)` of two of them.

    Args:
        feature_fn: images [B, H, W, 3] in [-1, 1] -> features [B, D] (an
            `InceptionFeatures` or a `domain_classifier.ClassifierFeatures`; its
            `feature_space` attribute names the metric, see `fid_metric_key`).
        batches: an iterable of image batches (lists, arrays, tf.data).
    """
    statistics = RunningStatistics()
    for batch in batches:
        statistics.update(feature_fn(batch))
    return statistics


# ---------------------------------------------------------------------------
# Inception features.

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
# The address keras.applications.InceptionV3 downloads the no-top weights from
# (WEIGHTS_PATH_NO_TOP in keras/src/applications/inception_v3.py, Keras 3.15).
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/" + INCEPTION_WEIGHTS_FILE
)
INCEPTION_IMAGE_SIZE = 299
INCEPTION_FEATURE_DIM = 2048


@contextlib.contextmanager
def float32_dtype_policy():
    """Builds the metric networks in float32 even under a global mixed-precision policy."""
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous_policy)


class InceptionWeightsUnavailable(Exception):
    """The ImageNet Inception weights are neither in Keras' cache nor given."""


def keras_cache_dir(keras_home=None):
    """The folder Keras caches model weights in: $KERAS_HOME/models or ~/.keras/models.

    Read at call time (Keras itself reads it once, at import).
    """
    if keras_home is None:
        keras_home = os.environ.get("KERAS_HOME") or os.path.join(
            os.path.expanduser("~"), ".keras"
        )
    return os.path.join(os.path.expanduser(keras_home), "models")


def inception_weights_unavailable_message(keras_home=None):
    """The one sentence that says how to get FID offline."""
    cache_path = os.path.join(keras_cache_dir(keras_home), INCEPTION_WEIGHTS_FILE)
    return (
        "The InceptionV3 weights for FID are not available offline: download "
        f"{INCEPTION_WEIGHTS_URL} and place it at {cache_path}, or pass "
        "--inception_weights=PATH to a copy of that file, or pass "
        "--fid_features=classifier to compute the distance on the domain "
        "classifier's features instead (reported as fid_classifier)."
    )


def resolve_inception_weights(weights_path=None, keras_home=None):
    """The path of the no-top ImageNet weights, found without touching the network.

    Looks at `weights_path` (the user's --inception_weights) if given, else at
    Keras' cache; raises InceptionWeightsUnavailable if the file is not there.
    """
    if weights_path:
        path = os.path.expanduser(weights_path)
        if not os.path.isfile(path):
            raise InceptionWeightsUnavailable(
                f"The Inception weights file {path} given with --inception_weights "
                "does not exist."
            )
        return path
    path = os.path.join(keras_cache_dir(keras_home), INCEPTION_WEIGHTS_FILE)
    if os.path.isfile(path):
        return path
    raise InceptionWeightsUnavailable(inception_weights_unavailable_message(keras_home))


class InceptionFeatures:
    """InceptionV3 pool features (2048-d) of [-1, 1] images, for FID.

    Images are resized to 299x299 (bilinear) and fed as they are: Keras' Inception
    preprocessing (`inception_v3.preprocess_input`, mode "tf") maps [0, 255] pixels
    to [-1, 1], which is already the project's image range.

    Args:
        weights: "imagenet" (default) for the ImageNet weights, found at
            `weights_path` or in Keras' cache and never downloaded; None for a
            random initialisation (tests of shapes only).
        weights_path: the user's --inception_weights file, if any.
        keras_home: overrides $KERAS_HOME / ~/.keras when looking for the cache.

    Call arguments:
        images: [B, H, W, 3] in [-1, 1].

    Returns:
        float32 NumPy array [B, 2048].

    Raises:
        InceptionWeightsUnavailable: at construction, quickly, if the weights are
            wanted but not on disk.
    """

    feature_space = FeatureSpace.INCEPTION
    feature_dim = INCEPTION_FEATURE_DIM

    def __init__(self, weights="imagenet", weights_path=None, keras_home=None):
        if weights == "imagenet":
            weights_file = resolve_inception_weights(weights_path, keras_home)
        elif weights is None:
            weights_file = None
        else:
            raise ValueError(f"weights must be 'imagenet' or None; got {weights!r}.")
        # Features are compared across runs, so build in float32 whatever mixed
        # precision policy the caller has set.
        with float32_dtype_policy():
            self.model = keras.applications.InceptionV3(
                include_top=False,
                weights=weights_file,
                input_shape=(INCEPTION_IMAGE_SIZE, INCEPTION_IMAGE_SIZE, 3),
                pooling="avg",
            )

    @tf.function(reduce_retracing=True)
    def _features(self, images):
        images = tf.image.resize(
            tf.cast(images, tf.float32),
            (INCEPTION_IMAGE_SIZE, INCEPTION_IMAGE_SIZE),
            method="bilinear",
        )
        return self.model(images, training=False)

    def __call__(self, images):
        return self._features(tf.convert_to_tensor(images)).numpy()
