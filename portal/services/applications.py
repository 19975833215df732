"""A merchant's application as the merchant writes it: fields, documents, submission."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal import errors
from portal.errors import FieldError, PortalError
from portal.models import (
    ApiKey,
    Application,
    ApplicationDocument,
    ApplicationMethod,
    BusinessCategory,
    User,
)
from portal.pay_types import pay_type_values
from portal.services.audit import audit_record, snapshot, status_transition
from portal.validators import (
    is_canonical_integer,
    normalize_postal_code,
    validate_corporate_number,
    validate_kana,
    validate_phone,
)

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


APPLICATION_FIELDS = (
    "legal_name",
    "legal_name_kana",
    "corporate_number",
    "representative_name",
    "postal_code",
    "address",
    "phone",
    "website",
    "business_category",
    "expected_monthly_volume",
)


_MAX_LENGTHS = {f.name: f.max_length for f in Application._meta.fields if getattr(f, "max_length", None)}


def _clean_application_value(field: str, value: Any) -> Any:
    """Validate and normalise one application field; raises FieldError naming it."""
    if field == "expected_monthly_volume":
        if value in (None, ""):
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise FieldError("02", field, "invalid", "must be an integer amount in yen")
        text = str(value)
        if not is_canonical_integer(text):
            raise FieldError("02", field, "invalid", "must be an integer amount in yen, in ASCII digits")
        number = int(text)
        if number > 10**13:
            raise FieldError("02", field, "range")
        return number
    if field == "business_category":
        if value in (None, ""):
            return None
        category = BusinessCategory.objects.filter(code=str(value)).first()
        if category is None:
            raise FieldError("02", field, "not_found", f"unknown business category {str(value)[:50]!r}")
        return category
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError("02", field, "invalid", "must be a string")
    value = value.strip()
    if "\x00" in value:
        raise FieldError("02", field, "invalid")
    if field == "postal_code" and value:
        try:
            value = normalize_postal_code(value)
        except ValidationError as exc:
            raise FieldError("02", field, "invalid", exc.messages[0]) from exc
    if len(value) > _MAX_LENGTHS.get(field, 300):
        raise FieldError("02", field, "max_length")
    if not value:
        return value
    validators = {
        "corporate_number": validate_corporate_number,
        "legal_name_kana": validate_kana,
        "phone": validate_phone,
    }
    if field == "website":
        from django.core.validators import URLValidator

        validators["website"] = URLValidator(schemes=["http", "https"])
    if field in validators:
        try:
            validators[field](value)
        except ValidationError as exc:
            raise FieldError("02", field, "invalid", exc.messages[0]) from exc
    return value


def application_methods_clean(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise FieldError("02", "requested_methods", "invalid", "must be a list of pay types")
    methods, known = [], pay_type_values()
    for item in value:
        if not isinstance(item, str) or item.strip() not in known:
            raise FieldError("02", "requested_methods", "choice", f"each must be one of {', '.join(known)}")
        if item.strip() not in methods:
            methods.append(item.strip())
    return methods


def application_lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=application.pk)
    )


@transaction.atomic
def application_update(*, application: Application, data: dict[str, Any], actor: Actor) -> Application:
    """Change fields (and requested methods) of an application in draft or changes-requested."""
    cleaned: dict[str, Any] = {}
    for field, value in data.items():
        if field == "requested_methods":
            continue
        if field not in APPLICATION_FIELDS:
            raise FieldError("02", field if len(field) <= 40 else field[:40], "unknown")
        cleaned[field] = _clean_application_value(field, value)
    methods = application_methods_clean(data["requested_methods"]) if "requested_methods" in data else None

    application = application_lock(application)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.APPLICATION_NOT_EDITABLE)
    fields = list(cleaned)
    before = snapshot(application, fields)
    for field, value in cleaned.items():
        setattr(application, field, value)
    if fields:
        application.save(update_fields=[*fields, "updated_at"])
    method_change = None
    if methods is not None:
        existing = {m.pay_type: m for m in application.methods.all()}
        for pay_type, method in existing.items():
            if pay_type not in methods and method.decision != ApplicationMethod.Decision.APPROVED:
                method.delete()
        for pay_type in methods:
            if pay_type not in existing:
                ApplicationMethod.objects.create(application=application, pay_type=pay_type)
        method_change = (sorted(existing), sorted(methods))
    after = snapshot(application, fields)
    if method_change:
        before["requested_methods"], after["requested_methods"] = method_change
    if before != after:
        audit_record(
            actor=actor,
            action="application.updated",
            obj=application,
            merchant=application.merchant,
            before=before,
            after=after,
        )
    return application


@transaction.atomic
def document_add(*, application: Application, upload, kind: str, actor: Actor) -> ApplicationDocument:
    """Store a PDF/PNG/JPEG document, checked by its content (not its name)."""
    if kind not in ApplicationDocument.Kind.values:
        raise FieldError("02", "kind", "choice")
    if upload is None:
        raise FieldError("02", "file", "required")
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise PortalError(
            errors.DOCUMENT_TOO_LARGE,
            f"file: larger than {settings.DOCUMENT_MAX_BYTES // 1024 // 1024} MB",
            field="file",
        )
    content = upload.read(settings.DOCUMENT_MAX_BYTES + 1)
    if len(content) > settings.DOCUMENT_MAX_BYTES:
        raise PortalError(errors.DOCUMENT_TOO_LARGE, field="file")
    if not content:
        raise FieldError("02", "file", "required", "the file is empty")
    guessed = filetype.guess(content)
    content_type = guessed.mime if guessed else None
    if content_type not in ApplicationDocument.CONTENT_TYPES:
        raise PortalError(
            errors.DOCUMENT_REJECTED, "file: only PDF, PNG and JPEG documents are accepted", field="file"
        )
    application = application_lock(application)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.APPLICATION_NOT_EDITABLE)
    name = (getattr(upload, "name", "") or "document")[-255:]
    document = ApplicationDocument(
        application=application,
        kind=kind,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if isinstance(actor, User) else None,
    )
    document.file.save("upload", ContentFile(content), save=False)
    document.save()
    audit_record(
        actor=actor,
        action="application.document_added",
        obj=application,
        merchant=application.merchant,
        after={
            "document": document.public_id,
            "kind": kind,
            "content_type": content_type,
            "size": len(content),
        },
    )
    return document


@transaction.atomic
def document_remove(*, document: ApplicationDocument, actor: Actor) -> None:
    application = application_lock(document.application)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.APPLICATION_NOT_EDITABLE)
    audit_record(
        actor=actor,
        action="application.document_removed",
        obj=application,
        merchant=application.merchant,
        before={"document": document.public_id, "name": document.original_name},
    )
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


REQUIRED_FOR_SUBMIT = (
    "legal_name",
    "legal_name_kana",
    "corporate_number",
    "representative_name",
    "postal_code",
    "address",
    "phone",
    "business_category",
    "expected_monthly_volume",
)


def application_missing(application: Application) -> list[str]:
    missing = [f for f in REQUIRED_FOR_SUBMIT if getattr(application, f) in (None, "")]
    if not application.methods.exists():
        missing.append("requested_methods")
    return missing


@transaction.atomic
def application_submit(
    *,
    application: Application,
    actor: Actor,
    required: Callable[[Application], list[str]] = application_missing,
) -> Application:
    """Submit for screening and review; ``required`` names what is still missing (a tenant's
    examination asks fincode's fields: ``payments.examinations``)."""
    application = application_lock(application)
    if isinstance(actor, User) and not actor.email_verified:
        raise PortalError(errors.EMAIL_NOT_VERIFIED)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.APPLICATION_NOT_EDITABLE)
    missing = required(application)
    if missing:
        raise PortalError(
            errors.APPLICATION_INCOMPLETE,
            f"The application is incomplete: {', '.join(missing)}.",
            field=missing[0],
        )
    # Methods sent back for changes are reviewed again.
    application.methods.filter(decision=ApplicationMethod.Decision.CHANGES_REQUESTED).update(
        decision=ApplicationMethod.Decision.PENDING
    )
    status_transition(
        model=Application,
        obj=application,
        to=Application.Status.SUBMITTED,
        actor=actor,
        action="application.submitted",
        merchant=application.merchant,
        extra={"submitted_at": timezone.now()},
    )
    from portal.tasks import screen_application

    app_id = application.pk
    transaction.on_commit(lambda: screen_application.delay(application_id=app_id))
    return application
