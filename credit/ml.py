"""The ML score: a scikit-learn model of the probability that a BNPL invoice is never paid.

Training (``python manage.py credit_train``) uses a generated data set —
:func:`generate` documents exactly how — because no real repayment history
ships with the product. The fitted pipeline (signed log transform → standard
scaling → logistic regression) is written with joblib to ``CREDIT_MODEL_DIR``
under a versioned name, registered as a :class:`~credit.models.ScoreModel`
with its SHA-256 and hold-out ROC AUC, and loaded once per process (the hash
is checked on load).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from scipy.special import expit  # scipy before pyarrow (see below)

# scikit-learn (~1 s to import) is imported where a model is trained or loaded, not by every
# process that imports the credit services (web, workers, beat, commands). SciPy stays here:
# pyarrow (exports/) was seen to crash in ``to_pylist()`` in a process that loaded SciPy
# after it, and every process importing this module loads it first this way.

ALGORITHM = "signed-log1p → StandardScaler → LogisticRegression"

# The model's inputs, in order (all numeric or boolean features of the registry).
MODEL_FEATURES = [
    "order_amount", "item_count", "max_item_amount", "buyer_age", "shipping_differs", "order_hour",
    "phone_apps_1h", "phone_apps_24h", "email_apps_24h", "address_apps_30d", "device_apps_24h",
    "unpaid_amount", "overdue_count", "open_exposure", "days_since_first_seen",
    "bureau_score", "bureau_defaults", "fraud_similarity", "in_blocklist",
]  # fmt: skip


def signed_log1p(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def generate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic population of BNPL applications and whether each invoice went unpaid.

    Applicants (independent draws, ``numpy.random.default_rng(seed)``):

    * ``buyer_age`` uniform 18–79; ``order_amount`` log-normal around ¥8,000 (σ 1.0, clipped
      ¥300–¥500,000); ``item_count`` 1 + Poisson(1.5); ``max_item_amount`` a uniform 30–100 %
      share of the amount; ``shipping_differs`` 15 %; ``order_hour`` uniform 0–23;
    * 4 % of applicants are fraudsters: velocity counts 1 + Poisson(4) (others 1 + Poisson(0.2)),
      shipping elsewhere 70 %, ``fraud_similarity`` Beta(5, 2) (others Beta(1, 9)), often new;
    * history: 40 % new buyers (``days_since_first_seen`` 0), others exponential(mean 300 days);
      ``overdue_count`` Poisson(0.15), ``unpaid_amount`` ¥5,000 × Poisson(0.3),
      ``open_exposure`` = unpaid + ¥8,000 × Poisson(0.4); ``bureau_score`` normal(650, 120)
      clipped 1–999 (0 — no report — for 20 %); ``bureau_defaults`` Poisson(0.1).

    Outcome: unpaid with probability ``sigmoid(z)``, where
    ``z = -3.4 + 0.8·overdue + 0.35·log1p(unpaid/1000) + 0.5·shipping_differs
    + 0.35·(phone_apps_24h − 1) + 3·fraud_similarity² + 0.6·bureau_defaults
    − 0.004·(bureau_score − 650 if reported) + 0.04·max(0, 25 − age)
    + 0.3·log(amount / 8000) + 0.4·[hour < 5] − 0.15·log1p(days_since_first_seen) + 2.5·fraudster``.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    amount = np.clip(np.exp(rng.normal(np.log(8000), 1.0, n)), 300, 500_000).round()
    items = 1 + rng.poisson(1.5, n)
    max_item = (amount * rng.uniform(0.3, 1.0, n)).round()
    fraudster = rng.random(n) < 0.04
    ship = np.where(fraudster, rng.random(n) < 0.7, rng.random(n) < 0.15)
    hour = rng.integers(0, 24, n)
    lam = np.where(fraudster, 4.0, 0.2)
    phone_1h = 1 + rng.poisson(lam / 3)
    phone_24h = phone_1h + rng.poisson(lam)
    email_24h = 1 + rng.poisson(lam)
    address_30d = 1 + rng.poisson(lam * 2)
    device_24h = 1 + rng.poisson(lam)
    new = (rng.random(n) < 0.4) | (fraudster & (rng.random(n) < 0.7))
    days = np.where(new, 0, rng.exponential(300, n).round())
    overdue = rng.poisson(0.15, n)
    unpaid = 5000 * rng.poisson(0.3, n) + 3000 * overdue
    exposure = unpaid + 8000 * rng.poisson(0.4, n)
    reported = rng.random(n) >= 0.2
    bureau = np.where(reported, np.clip(rng.normal(650, 120, n), 1, 999).round(), 0)
    defaults = np.where(reported, rng.poisson(0.1, n), 0)
    similarity = np.where(fraudster, rng.beta(5, 2, n), rng.beta(1, 9, n)).round(4)
    blocked = fraudster & (rng.random(n) < 0.1)
    z = (
        -3.4
        + 0.8 * overdue
        + 0.35 * np.log1p(unpaid / 1000)
        + 0.5 * ship
        + 0.35 * (phone_24h - 1)
        + 3.0 * similarity**2
        + 0.6 * defaults
        - 0.004 * np.where(reported, bureau - 650, 0)
        + 0.04 * np.maximum(0, 25 - age)
        + 0.3 * np.log(amount / 8000)
        + 0.4 * (hour < 5)
        - 0.15 * np.log1p(days)
        + 2.5 * fraudster
    )
    unpaid_label = rng.random(n) < 1 / (1 + np.exp(-z))
    columns = {
        "order_amount": amount, "item_count": items, "max_item_amount": max_item, "buyer_age": age,
        "shipping_differs": ship, "order_hour": hour, "phone_apps_1h": phone_1h, "phone_apps_24h": phone_24h,
        "email_apps_24h": email_24h, "address_apps_30d": address_30d, "device_apps_24h": device_24h,
        "unpaid_amount": unpaid, "overdue_count": overdue, "open_exposure": exposure,
        "days_since_first_seen": days, "bureau_score": bureau, "bureau_defaults": defaults,
        "fraud_similarity": similarity, "in_blocklist": blocked,
    }  # fmt: skip
    X = np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in MODEL_FEATURES])
    return X, unpaid_label.astype(np.int8)


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    sha256: str
    auc: float
    samples: int
    seed: int
    positives: float


def train(*, samples: int, seed: int, directory: Path | None = None) -> TrainedModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X, y = generate(samples, seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    pipeline = make_pipeline(
        FunctionTransformer(signed_log1p), StandardScaler(), LogisticRegression(max_iter=1000, C=1.0)
    )
    pipeline.fit(X_train, y_train)
    auc = float(roc_auc_score(y_test, pipeline.predict_proba(X_test)[:, 1]))
    directory = Path(directory or settings.CREDIT_MODEL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    artefact = {"pipeline": pipeline, "features": MODEL_FEATURES, "algorithm": ALGORITHM, "seed": seed}
    tmp = directory / f".credit-score-{seed}-{samples}.tmp"
    joblib.dump(artefact, tmp)
    sha = hashlib.sha256(tmp.read_bytes()).hexdigest()
    path = directory / f"credit-score-{sha[:16]}.joblib"
    tmp.replace(path)
    return TrainedModel(path=path, sha256=sha, auc=auc, samples=samples, seed=seed, positives=float(y.mean()))


class LoadedModel:
    """A fitted pipeline, scored one row at a time.

    The pipeline this module trains (signed-log1p → StandardScaler → LogisticRegression) is
    scored with plain numpy from its fitted parameters — the same operations, in the same
    order, as ``predict_proba`` (``tests/credit/test_ml.py`` checks that they agree), without
    scikit-learn's per-call validation, which costs far more than the arithmetic for one row.
    Any other pipeline is scored through ``predict_proba``.
    """

    def __init__(self, pipeline: Any, features: list[str]):
        self.pipeline = pipeline
        self.features = features
        self._params = _linear_params(pipeline)

    @property
    def is_fast(self) -> bool:
        """Scored by numpy from the pipeline's parameters (else through scikit-learn)."""
        return self._params is not None

    def score(self, values: dict[str, Any]) -> float:
        row = np.array([[float(values[name]) for name in self.features]])
        if self._params is not None:
            return round(float(self.fast_proba(row)[0]), 6)
        return round(float(self.sklearn_proba(row)[0]), 6)

    def fast_proba(self, X: np.ndarray) -> np.ndarray:
        mean, scale, coef, intercept = self._params
        X = signed_log1p(X)
        if mean is not None:
            X = X - mean
        if scale is not None:
            X = X / scale
        return expit(X @ coef.T + intercept).ravel()

    def sklearn_proba(self, X: np.ndarray) -> np.ndarray:
        import sklearn

        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.pipeline.predict_proba(X)[:, 1]


def _linear_params(pipeline: Any) -> tuple | None:
    """(mean, scale, coef, intercept) of a signed-log1p → StandardScaler → binary LogisticRegression
    pipeline, or None for anything else (scored by scikit-learn)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    steps = [step for _, step in getattr(pipeline, "steps", [])]
    if len(steps) != 3:
        return None
    log, scaler, model = steps
    if not (
        isinstance(log, FunctionTransformer)
        and log.func is signed_log1p
        and log.inverse_func is None
        and not log.kw_args
        and isinstance(scaler, StandardScaler)
        and isinstance(model, LogisticRegression)
        and len(model.classes_) == 2
        and model.coef_.shape[0] == 1
    ):
        return None
    mean = scaler.mean_ if scaler.with_mean else None
    scale = scaler.scale_ if scaler.with_std else None
    return mean, scale, model.coef_, model.intercept_


class ArtefactError(RuntimeError):
    pass


_loaded: dict[int, LoadedModel] = {}
_load_lock = threading.Lock()


def loaded_clear() -> None:
    """Forget the models this process loaded (as a new process starts)."""
    with _load_lock:
        _loaded.clear()


def load(model) -> LoadedModel:
    """The model's pipeline, loaded once per process and version; the artefact's hash is verified."""
    loaded = _loaded.get(model.pk)
    if loaded is not None:
        return loaded
    with _load_lock:
        if model.pk in _loaded:
            return _loaded[model.pk]
        path = Path(settings.CREDIT_MODEL_DIR) / model.artefact
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArtefactError(f"model v{model.pk}: artefact {path} is missing") from exc
        if hashlib.sha256(data).hexdigest() != model.sha256:
            raise ArtefactError(f"model v{model.pk}: artefact {path} does not match its SHA-256")
        artefact = joblib.load(path)  # only files this deployment wrote, verified by hash above
        loaded = LoadedModel(artefact["pipeline"], list(artefact["features"]))
        _loaded[model.pk] = loaded
        return loaded
