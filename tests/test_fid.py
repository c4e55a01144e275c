import os

import numpy as np
import pytest

from hyper_lifelong_gan.metrics import fid


def _reference_frechet_distance(activations1, activations2):
    """FID written differently: Tr sqrt(S1^1/2 S2 S1^1/2) from symmetric eigensolves.

    S1^1/2 S2 S1^1/2 is symmetric positive semi-definite and similar to S1 S2, so
    the trace of its square root is the sum of the square roots of its eigenvalues.
    """
    x = np.asarray(activations1, np.float64)
    y = np.asarray(activations2, np.float64)
    mu_x, mu_y = x.sum(0) / len(x), y.sum(0) / len(y)
    s1 = (x - mu_x).T @ (x - mu_x) / (len(x) - 1)
    s2 = (y - mu_y).T @ (y - mu_y) / (len(y) - 1)
    eigenvalues, eigenvectors = np.linalg.eigh(s1)
    root1 = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    inner = np.linalg.eigvalsh(root1 @ s2 @ root1)
    trace_root = np.sum(np.sqrt(np.clip(inner, 0.0, None)))
    return np.dot(mu_x - mu_y, mu_x - mu_y) + np.trace(s1) + np.trace(s2) - 2 * trace_root


@pytest.mark.parametrize(
    "samples, dim",
    [(500, 16), (200, 64), (20, 64)],  # the last: rank-deficient covariances.
)
def test_frechet_distance_matches_independent_reference(samples, dim):
    rng = np.random.default_rng(samples + dim)
    mixing = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    a = rng.normal(size=(samples, dim)) @ mixing
    b = rng.normal(size=(samples, dim)) @ (mixing + 0.3 * np.eye(dim)) + 0.5
    expected = _reference_frechet_distance(a, b)
    assert expected > 1.0
    np.testing.assert_allclose(
        fid.frechet_distance_from_activations(a, b), expected, rtol=1e-4
    )


def test_identical_sets_have_zero_distance():
    a = np.random.default_rng(7).normal(size=(20, 64))  # rank-deficient as well.
    assert abs(fid.frechet_distance_from_activations(a, a)) < 1e-4
    b = np.random.default_rng(8).normal(size=(300, 32))
    assert abs(fid.frechet_distance_from_activations(b, b)) < 1e-6


def test_frechet_distance_of_known_gaussians():
    # N(0, I) vs N(m, 4I) in d dims: |m|^2 + d (1 + 4 - 2 * 2) = |m|^2 + d.
    dim = 5
    mean = np.arange(dim, dtype=np.float64)
    distance = fid.frechet_distance(np.zeros(dim), np.eye(dim), mean, 4 * np.eye(dim))
    np.testing.assert_allclose(distance, mean @ mean + dim, rtol=1e-10)


def test_singular_covariance_product_gives_a_finite_distance():
    distance = fid.frechet_distance(np.zeros(3), np.zeros((3, 3)), np.ones(3), np.zeros((3, 3)))
    np.testing.assert_allclose(distance, 3.0, atol=1e-4)


def test_non_finite_root_is_retried_with_offset_covariances(monkeypatch):
    real_sqrtm = fid.scipy.linalg.sqrtm
    inputs = []

    def sqrtm_failing_once(matrix):
        inputs.append(matrix)
        return np.full_like(matrix, np.nan) if len(inputs) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(fid.scipy.linalg, "sqrtm", sqrtm_failing_once)
    sigma = np.diag([1.0, 0.0])
    distance = fid.frechet_distance(np.zeros(2), sigma, np.zeros(2), sigma, eps=1e-6)
    assert len(inputs) == 2
    np.testing.assert_allclose(inputs[1], (sigma + 1e-6 * np.eye(2)) @ (sigma + 1e-6 * np.eye(2)))
    assert abs(distance) < 1e-5


def test_large_imaginary_part_raises():
    # Not covariances: S1 S2 = -I has a purely imaginary square root.
    with pytest.raises(ValueError, match="imaginary"):
        fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), -np.eye(2))


def test_running_statistics_equal_numpy_mean_and_cov():
    rng = np.random.default_rng(3)
    data = rng.normal(loc=100.0, scale=0.01, size=(1000, 8)).astype(np.float32)
    statistics = fid.RunningStatistics()
    for start in range(0, 1000, 64):
        statistics.update(data[start : start + 64])
    assert statistics.count == 1000
    data64 = data.astype(np.float64)
    np.testing.assert_allclose(statistics.mean, data64.mean(0), rtol=1e-12)
    np.testing.assert_allclose(statistics.covariance, np.cov(data64, rowvar=False), rtol=1e-8, atol=1e-15)


def test_feature_statistics_stream_through_the_feature_function():
    rng = np.random.default_rng(5)
    real = [rng.uniform(-1, 1, (10, 4, 4, 3)).astype(np.float32) for _ in range(3)]
    fake = [rng.uniform(-1, 1, (10, 4, 4, 3)).astype(np.float32) * 0.5 for _ in range(3)]

    def feature_fn(images):
        return np.asarray(images).reshape(len(images), -1)[:, :6]

    expected = fid.frechet_distance_from_activations(
        feature_fn(np.concatenate(real)), feature_fn(np.concatenate(fake))
    )
    distance = fid.feature_statistics(feature_fn, real).frechet_distance(fid.feature_statistics(feature_fn, fake))
    np.testing.assert_allclose(distance, expected, rtol=1e-10)


def test_metric_keys_name_the_feature_space():
    assert fid.fid_metric_key(fid.FeatureSpace.INCEPTION) == "fid"
    assert fid.fid_metric_key(fid.FeatureSpace.CLASSIFIER) == "fid_classifier"
    assert fid.InceptionFeatures.feature_space == "inception"
    with pytest.raises(ValueError):
        fid.fid_metric_key("pixels")


def test_missing_inception_weights_raise_fast_with_the_offline_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path))

    def build_inception(**kwargs):
        raise AssertionError("InceptionV3 was built: Keras would try to download its weights")

    # Fast means refused before Keras is asked for the model (and starts a download).
    monkeypatch.setattr(fid.keras.applications, "InceptionV3", build_inception)
    with pytest.raises(fid.InceptionWeightsUnavailable) as error:
        fid.InceptionFeatures()
    message = str(error.value)
    expected_path = os.path.join(str(tmp_path / "keras"), "models", fid.INCEPTION_WEIGHTS_FILE)
    assert expected_path in message
    assert fid.INCEPTION_WEIGHTS_URL in message
    assert "--inception_weights=PATH" in message
    assert "--fid_features=classifier" in message
    assert message.count(". ") == 0 and message.endswith(".")  # One sentence.


def test_missing_user_weights_file_raises(tmp_path):
    with pytest.raises(fid.InceptionWeightsUnavailable, match="does not exist"):
        fid.InceptionFeatures(weights_path=str(tmp_path / "missing.h5"))


def test_weights_address_is_the_one_keras_downloads_from():
    from keras.src.applications import inception_v3

    assert fid.INCEPTION_WEIGHTS_URL == inception_v3.WEIGHTS_PATH_NO_TOP


def test_inception_features_shape_with_random_weights():
    features = fid.InceptionFeatures(weights=None)
    images = np.random.default_rng(6).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    activations = features(images)
    assert activations.shape == (2, fid.INCEPTION_FEATURE_DIM)
    assert activations.dtype == np.float32
    assert np.all(np.isfinite(activations))


def test_weights_are_found_in_the_keras_cache_without_downloading(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cached = tmp_path / "models" / fid.INCEPTION_WEIGHTS_FILE
    cached.parent.mkdir()
    cached.write_bytes(b"placeholder")
    assert fid.resolve_inception_weights() == str(cached)
    user_file = tmp_path / "mine.h5"
    user_file.write_bytes(b"placeholder")
    assert fid.resolve_inception_weights(str(user_file)) == str(user_file)
