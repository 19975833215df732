"""ML score models: registered, put live or in shadow."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction

from credit import errors
from credit.models import (
    ScoreModel,
    Slot,
)
from credit.services.deployment import deployment_publish
from portal.errors import PortalError
from portal.models import User
from portal.services import audit_record

if TYPE_CHECKING:
    from credit.ml import TrainedModel

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


@transaction.atomic
def score_model_register(*, trained: TrainedModel, actor: Actor) -> ScoreModel:
    from credit import ml  # the numeric core loads at its first use (credit/__init__.py)

    model = ScoreModel.objects.create(
        artefact=trained.path.name,
        sha256=trained.sha256,
        algorithm=ml.ALGORITHM,
        feature_names=ml.MODEL_FEATURES,
        auc=trained.auc,
        samples=trained.samples,
        seed=trained.seed,
    )
    audit_record(
        actor=actor, action="credit_model.registered", obj=model, after={"auc": round(trained.auc, 4)}
    )
    return model


@transaction.atomic
def score_model_activate(*, model: ScoreModel, slot: str, actor: Actor) -> ScoreModel:
    if slot not in Slot.values:
        raise PortalError(errors.MODEL_STATE, "Unknown slot.")
    from credit import ml

    ml.load(model)  # refuse a missing or altered artefact before it goes anywhere
    ScoreModel.objects.select_for_update().filter(slot__isnull=False).order_by("pk").exists()
    previous = ScoreModel.objects.filter(slot=slot).exclude(pk=model.pk).first()
    if previous is not None:
        ScoreModel.objects.filter(pk=previous.pk).update(slot=None)
    ScoreModel.objects.filter(pk=model.pk).update(slot=slot)
    model.slot = slot
    audit_record(
        actor=actor,
        action=f"credit_model.{slot}",
        obj=model,
        before={"version": previous.pk if previous else None},
    )
    transaction.on_commit(deployment_publish)
    return model
