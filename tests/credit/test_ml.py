"""The numpy scorer computes exactly what the fitted scikit-learn pipeline's predict_proba does.

NumPy and scikit-learn are imported by the tests that use them, not by the module: every test
process collects every module, and importing scikit-learn costs ~1.4 s of CPU each time.
"""

from __future__ import annotations

from credit import ml


def test_numpy_score_equals_predict_proba(trained):
    import joblib

    artefact = joblib.load(trained.path)
    loaded = ml.LoadedModel(artefact["pipeline"], list(artefact["features"]))
    assert loaded.is_fast
    X, _ = ml.generate(2_000, seed=3)
    X[::7] *= -1  # negative values take the other branch of the signed log
    for row in X:
        row = row.reshape(1, -1)
        assert loaded.fast_proba(row)[0] == loaded.sklearn_proba(row)[0]
    values = dict(zip(ml.MODEL_FEATURES, X[0].tolist(), strict=True))
    assert loaded.score(values) == round(float(loaded.sklearn_proba(X[:1])[0]), 6)


def test_other_pipelines_are_scored_by_scikit_learn():
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = ml.generate(500, seed=1)
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    loaded = ml.LoadedModel(pipeline, ml.MODEL_FEATURES)
    assert not loaded.is_fast
    values = dict(zip(ml.MODEL_FEATURES, X[0].tolist(), strict=True))
    assert loaded.score(values) == round(float(pipeline.predict_proba(X[:1])[0, 1]), 6)
    assert np.isfinite(loaded.score(values))
