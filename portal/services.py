"""Writes of the onboarding domain. Views, serializers, tasks and admin actions call these.

Every state change goes through one transition function with a conditional
update or a row lock, and writes an audit event in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import filetype
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import errors
from portal.errors import FieldError, PortalError
from portal.ids import random_token
from portal.middleware import current_client_address
from portal.models import (
    ApiKey,
    Application,
    ApplicationDocument,
    ApplicationMethod,
    AuditEvent,
    BusinessCategory,
    Contract,
    Invitation,
    Membership,
    Merchant,
    Mode,
    PayType,
    Role,
    ScreeningFlag,
    User,
)
from portal.validators import (
    corporate_number_is_valid,
    is_canonical_integer,
    normalize_postal_code,
    validate_corporate_number,
    validate_kana,
    validate_phone,
)

logger = logging.getLogger(__name__)

Actor = User | ApiKey | None


# --- Audit ----------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    merchant: Merchant | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    if isinstance(actor, ApiKey):
        label, user = f"api_key:{actor.masked}", None
    elif actor is not None:
        label, user = actor.email, actor
    else:
        label, user = "system", None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        client_address=current_client_address(),
        merchant=merchant,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def _transition(
    *,
    model: type,
    obj: Any,
    to: str,
    actor: Actor,
    action: str,
    merchant: Merchant | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Apply ``obj.status -> to`` if the model's table allows it, conditionally on the old status."""
    current = obj.status
    if to not in model.TRANSITIONS.get(current, set()):
        raise PortalError(
            errors.INVALID_TRANSITION,
            f"{model._meta.verbose_name} cannot go from {current} to {to}.",
        )
    updates = {"status": to, **(extra or {})}
    if hasattr(obj, "updated_at"):
        updates["updated_at"] = timezone.now()
    changed = model.objects.filter(pk=obj.pk, status=current).update(**updates)
    if changed != 1:
        raise PortalError(
            errors.INVALID_TRANSITION, f"{model._meta.verbose_name} was changed concurrently; reload."
        )
    for key, value in updates.items():
        setattr(obj, key, value)
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        merchant=merchant,
        before={"status": current},
        after={"status": to, **{k: v for k, v in (extra or {}).items() if not k.endswith("_id")}},
    )


# --- E-mail -----------------------------------------------------------------------


def _send_mail_on_commit(*, to: str, subject: str, body: str) -> None:
    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception:
            logger.exception("could not send e-mail %r", subject)

    transaction.on_commit(send)


_VERIFY_SALT = "portal.email-verification"


def email_verification_token(user: User) -> str:
    return signing.TimestampSigner(salt=_VERIFY_SALT).sign(f"{user.public_id}:{user.email}")


def email_verification_send(*, user: User) -> None:
    link = f"{settings.PORTAL_BASE_URL}/verify-email/{email_verification_token(user)}/"
    _send_mail_on_commit(
        to=user.email,
        subject="Verify your e-mail address",
        body=f"Welcome to the merchant portal.\n\nConfirm your e-mail address by opening:\n{link}\n\n"
        "The link is valid for 3 days.",
    )


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    try:
        value = signing.TimestampSigner(salt=_VERIFY_SALT).unsign(token, max_age=timedelta(days=3))
        public_id, email = value.split(":", 1)
        user = User.objects.select_for_update().get(public_id=public_id, email=email)
    except (signing.BadSignature, ValueError, User.DoesNotExist) as exc:
        raise PortalError(
            errors.INVITATION_INVALID, "The verification link is invalid or has expired."
        ) from exc
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(actor=user, action="user.email_verified", obj=user, after={"email": user.email})
    return user


# --- Sign-up, merchants --------------------------------------------------------------


def _validate_new_user(email: str, password: str, area: str = "02") -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise FieldError(area, "email", "conflict", "an account with this e-mail address already exists")
    try:
        validate_password(password, User(email=email))
    except ValidationError as exc:
        raise FieldError(area, "password", "invalid", " ".join(exc.messages)) from exc


@dataclass
class SignupResult:
    user: User
    merchant: Merchant
    test_public_key: str
    test_secret_key: str


@transaction.atomic
def user_signup(*, email: str, password: str, merchant_name: str) -> SignupResult:
    """A merchant owner signs up: user, merchant, draft application and test keys."""
    email = email.strip().lower()
    _validate_new_user(email, password)
    try:
        user = User.objects.create_user(email=email, password=password)
    except IntegrityError as exc:  # a concurrent sign-up with the same address
        raise FieldError(
            "02", "email", "conflict", "an account with this e-mail address already exists"
        ) from exc
    audit_record(actor=user, action="user.signed_up", obj=user, after={"email": email})
    merchant = merchant_create(name=merchant_name, owner=user, actor=user)
    public = api_key_create(
        merchant=merchant, mode=Mode.TEST, kind=ApiKey.Kind.PUBLIC, actor=user, label="Default"
    )
    secret = api_key_create(
        merchant=merchant, mode=Mode.TEST, kind=ApiKey.Kind.SECRET, actor=user, label="Default"
    )
    email_verification_send(user=user)
    return SignupResult(user=user, merchant=merchant, test_public_key=public.raw, test_secret_key=secret.raw)


@transaction.atomic
def merchant_create(*, name: str, owner: User, actor: Actor) -> Merchant:
    name = (name or "").strip()
    if not name:
        raise FieldError("02", "name", "required")
    if len(name) > 200:
        raise FieldError("02", "name", "max_length")
    merchant = Merchant.objects.create(name=name)
    Membership.objects.create(user=owner, merchant=merchant, role=Role.OWNER)
    Application.objects.create(merchant=merchant)
    audit_record(
        actor=actor,
        action="merchant.created",
        obj=merchant,
        merchant=merchant,
        after={"name": name, "owner": owner.email},
    )
    return merchant


def merchant_suspend(*, merchant: Merchant, actor: Actor, reason: str) -> None:
    _transition(
        model=Merchant,
        obj=merchant,
        to=Merchant.Status.SUSPENDED,
        actor=actor,
        action="merchant.suspended",
        merchant=merchant,
        extra={"status_reason": reason[:500]},
    )


def merchant_reinstate(*, merchant: Merchant, actor: Actor, reason: str = "") -> None:
    _transition(
        model=Merchant,
        obj=merchant,
        to=Merchant.Status.ACTIVE,
        actor=actor,
        action="merchant.reinstated",
        merchant=merchant,
        extra={"status_reason": reason[:500]},
    )


# --- Team -----------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require(membership: Membership | None, capability: str) -> None:
    if membership is None or not membership.can(capability):
        raise PortalError(errors.ROLE_NOT_ALLOWED)


@transaction.atomic
def invitation_create(*, merchant: Merchant, email: str, role: str, by: Membership) -> tuple[Invitation, str]:
    _require(by, "manage_team")
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise FieldError("02", "role", "choice")
    if role == Role.OWNER:
        _require(by, "manage_owners")
    try:
        User._meta.get_field("email").run_validators(email)
        if not email:
            raise ValidationError("required")
    except ValidationError as exc:
        raise FieldError("02", "email", "invalid", "enter a valid e-mail address") from exc
    if Membership.objects.filter(merchant=merchant, user__email__iexact=email).exists():
        raise PortalError(errors.MEMBER_EXISTS, field="email")
    token = random_token(40)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                merchant=merchant,
                email=email,
                role=role,
                token_hash=_hash_token(token),
                invited_by=by.user,
                expires_at=timezone.now() + timedelta(days=7),
            )
    except IntegrityError as exc:
        raise PortalError(
            errors.MEMBER_EXISTS, "This address already has an open invitation.", field="email"
        ) from exc
    audit_record(
        actor=by.user,
        action="invitation.created",
        obj=invitation,
        merchant=merchant,
        after={"email": email, "role": role},
    )
    _send_mail_on_commit(
        to=email,
        subject=f"You are invited to {merchant.name} on the merchant portal",
        body=f"{by.user.email} invited you to join {merchant.name} as {role}.\n\n"
        f"Accept the invitation: {settings.PORTAL_BASE_URL}/invitations/{token}/\n\nThe link is valid for 7 days.",
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation:
    try:
        invitation = Invitation.objects.select_related("merchant").get(token_hash=_hash_token(token or ""))
    except Invitation.DoesNotExist as exc:
        raise PortalError(errors.INVITATION_INVALID) from exc
    if not invitation.is_open:
        raise PortalError(errors.INVITATION_INVALID)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_by_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise PortalError(errors.INVITATION_INVALID)
    if invitation.email.lower() != user.email.lower():
        raise PortalError(errors.INVITATION_INVALID, "This invitation was sent to another e-mail address.")
    membership, created = Membership.objects.get_or_create(
        user=user, merchant=invitation.merchant, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if user.email_verified_at is None:  # the invitation link proves the address
        user.email_verified_at = invitation.accepted_at
        user.save(update_fields=["email_verified_at"])
    audit_record(
        actor=user,
        action="membership.created" if created else "invitation.accepted",
        obj=membership,
        merchant=invitation.merchant,
        after={"user": user.email, "role": membership.role},
    )
    return membership


@transaction.atomic
def user_signup_by_invitation(*, token: str, password: str) -> Membership:
    invitation = invitation_by_token(token)
    _validate_new_user(invitation.email, password)
    user = User.objects.create_user(email=invitation.email, password=password)
    audit_record(
        actor=user, action="user.signed_up", obj=user, after={"email": user.email, "via": "invitation"}
    )
    return invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Membership) -> None:
    _require(by, "manage_team")
    changed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if changed:
        audit_record(
            actor=by.user,
            action="invitation.revoked",
            obj=invitation,
            merchant=invitation.merchant,
            after={"revoked": True},
        )


def _lock_memberships(merchant: Merchant) -> list[Membership]:
    return list(Membership.objects.select_for_update().filter(merchant=merchant).order_by("pk"))


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: Membership) -> None:
    _require(by, "manage_team")
    if role not in Role.values:
        raise FieldError("02", "role", "choice")
    members = {m.pk: m for m in _lock_memberships(membership.merchant)}
    target = members.get(membership.pk)
    if target is None:
        raise PortalError(errors.NOT_FOUND)
    if Role.OWNER in (role, target.role):
        _require(by, "manage_owners")
    owners = sum(1 for m in members.values() if m.role == Role.OWNER)
    if target.role == Role.OWNER and role != Role.OWNER and owners <= 1:
        raise PortalError(errors.LAST_OWNER)
    before = target.role
    target.role = role
    target.save(update_fields=["role"])
    audit_record(
        actor=by.user,
        action="membership.role_changed",
        obj=target,
        merchant=target.merchant,
        before={"user": target.user.email, "role": before},
        after={"user": target.user.email, "role": role},
    )


@transaction.atomic
def membership_remove(*, membership: Membership, by: Membership) -> None:
    _require(by, "manage_team")
    members = {m.pk: m for m in _lock_memberships(membership.merchant)}
    target = members.get(membership.pk)
    if target is None:
        raise PortalError(errors.NOT_FOUND)
    if target.role == Role.OWNER:
        _require(by, "manage_owners")
        if sum(1 for m in members.values() if m.role == Role.OWNER) <= 1:
            raise PortalError(errors.LAST_OWNER)
    audit_record(
        actor=by.user,
        action="membership.removed",
        obj=target,
        merchant=target.merchant,
        before={"user": target.user.email, "role": target.role},
    )
    target.delete()


# --- Applications -----------------------------------------------------------------------

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


def _clean_methods(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise FieldError("02", "requested_methods", "invalid", "must be a list of pay types")
    methods = []
    for item in value:
        if not isinstance(item, str) or item.strip() not in PayType.values:
            raise FieldError(
                "02", "requested_methods", "choice", f"each must be one of {', '.join(PayType.values)}"
            )
        if item.strip() not in methods:
            methods.append(item.strip())
    return methods


def _lock_application(application: Application) -> Application:
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
    methods = _clean_methods(data["requested_methods"]) if "requested_methods" in data else None

    application = _lock_application(application)
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
    application = _lock_application(application)
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
    application = _lock_application(document.application)
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
def application_submit(*, application: Application, actor: Actor) -> Application:
    application = _lock_application(application)
    if isinstance(actor, User) and not actor.email_verified:
        raise PortalError(errors.EMAIL_NOT_VERIFIED)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.APPLICATION_NOT_EDITABLE)
    missing = application_missing(application)
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
    _transition(
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


@transaction.atomic
def application_screen(*, application_id: int) -> list[ScreeningFlag]:
    """Automatic screening: check digit, prohibited category, duplicate corporate number.

    Idempotent: re-running replaces the flags with the current findings.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("business_category")
        .get(pk=application_id)
    )
    findings: dict[str, str] = {}
    number = application.corporate_number
    if not corporate_number_is_valid(number):
        findings[ScreeningFlag.Code.CORPORATE_NUMBER_CHECK_DIGIT] = (
            f"Corporate number {number!r} fails the check digit."
        )
    category = application.business_category
    if category is not None and category.prohibited:
        findings[ScreeningFlag.Code.PROHIBITED_CATEGORY] = (
            f"Business category '{category.name}' is prohibited"
            + (f": {category.prohibited_reason}" if category.prohibited_reason else ".")
        )
    if number:
        others = list(
            Application.objects.filter(corporate_number=number)
            .exclude(pk=application.pk)
            .values_list("merchant__public_id", "merchant__name")[:5]
        )
        if others:
            names = ", ".join(f"{name} ({pid})" for pid, name in others)
            findings[ScreeningFlag.Code.DUPLICATE_CORPORATE_NUMBER] = (
                f"Corporate number also used by: {names}."
            )
    application.flags.exclude(code__in=list(findings)).delete()
    flags = []
    for code, reason in findings.items():
        flag, _ = ScreeningFlag.objects.update_or_create(
            application=application, code=code, defaults={"reason": reason}
        )
        flags.append(flag)
    application.screened_at = timezone.now()
    application.save(update_fields=["screened_at"])
    audit_record(
        actor=None,
        action="application.screened",
        obj=application,
        merchant=application.merchant,
        after={"flags": sorted(findings)},
    )
    return flags


@transaction.atomic
def application_start_review(*, application: Application, reviewer: User | None) -> Application:
    application = _lock_application(application)
    _transition(
        model=Application,
        obj=application,
        to=Application.Status.IN_REVIEW,
        actor=reviewer,
        action="application.review_started",
        merchant=application.merchant,
        extra={"reviewer_id": reviewer.pk if reviewer else None},
    )
    return application


@transaction.atomic
def application_decide_method(
    *, method: ApplicationMethod, decision: str, comment: str, reviewer: User | None
) -> ApplicationMethod:
    if decision not in ApplicationMethod.Decision.values:
        raise PortalError(errors.BAD_REQUEST, f"Unknown decision {decision!r}.")
    application = _lock_application(method.application)
    if application.status != Application.Status.IN_REVIEW:
        raise PortalError(errors.INVALID_TRANSITION, "Start the review before deciding on payment methods.")
    method = ApplicationMethod.objects.select_for_update().get(pk=method.pk)
    before = {"pay_type": method.pay_type, "decision": method.decision, "comment": method.comment}
    method.decision, method.comment = decision, comment.strip()
    method.decided_by, method.decided_at = reviewer, timezone.now()
    method.save(update_fields=["decision", "comment", "decided_by", "decided_at"])
    audit_record(
        actor=reviewer,
        action="application.method_decided",
        obj=application,
        merchant=application.merchant,
        before=before,
        after={"pay_type": method.pay_type, "decision": decision, "comment": method.comment},
    )
    return method


@transaction.atomic
def application_finalize(*, application: Application, reviewer: User | None) -> Application:
    """Close the review from the per-method decisions.

    Any method sent back → changes_requested; else any approved → approved
    (a contract per approved method, merchant active); else → rejected.
    """
    application = _lock_application(application)
    if application.status != Application.Status.IN_REVIEW:
        raise PortalError(errors.INVALID_TRANSITION, "Only an application in review can be decided.")
    methods = list(application.methods.all())
    decisions = {m.decision for m in methods}
    if ApplicationMethod.Decision.PENDING in decisions or not methods:
        raise PortalError(errors.DECISIONS_PENDING)
    merchant = Merchant.objects.select_for_update().get(pk=application.merchant_id)
    now = timezone.now()
    if ApplicationMethod.Decision.CHANGES_REQUESTED in decisions:
        target, action = Application.Status.CHANGES_REQUESTED, "application.changes_requested"
    elif ApplicationMethod.Decision.APPROVED in decisions:
        target, action = Application.Status.APPROVED, "application.approved"
    else:
        target, action = Application.Status.REJECTED, "application.rejected"
    _transition(
        model=Application,
        obj=application,
        to=target,
        actor=reviewer,
        action=action,
        merchant=merchant,
        extra={"decided_at": now, "reviewer_id": reviewer.pk if reviewer else None},
    )
    if target == Application.Status.APPROVED:
        for method in methods:
            if method.decision == ApplicationMethod.Decision.APPROVED:
                contract_ensure(merchant=merchant, pay_type=method.pay_type, actor=reviewer)
        if merchant.status != Merchant.Status.ACTIVE:
            _transition(
                model=Merchant,
                obj=merchant,
                to=Merchant.Status.ACTIVE,
                actor=reviewer,
                action="merchant.activated",
                merchant=merchant,
            )
    elif target == Application.Status.REJECTED and merchant.status == Merchant.Status.ONBOARDING:
        _transition(
            model=Merchant,
            obj=merchant,
            to=Merchant.Status.REJECTED,
            actor=reviewer,
            action="merchant.rejected",
            merchant=merchant,
        )
    _notify_owners(
        merchant=merchant,
        subject=f"Your application is {application.get_status_display().lower()}",
        body="\n".join(
            [
                f"The review of {merchant.name}'s application is complete: {application.get_status_display()}.",
                "",
            ]
            + [
                f"- {m.pay_type}: {m.get_decision_display()}" + (f" — {m.comment}" if m.comment else "")
                for m in methods
            ]
            + ["", f"Details: {settings.PORTAL_BASE_URL}/m/{merchant.public_id}/"]
        ),
    )
    return application


@transaction.atomic
def application_fast_track(
    *, application: Application, pay_types: list[str], actor: User | None
) -> Application:
    """Operators and scripts: approve a merchant for ``pay_types`` in one step.

    Walks the same state machine (→ submitted → in_review → approved), each
    step audited; the completeness check is the operator's responsibility here.
    """
    pay_types = _clean_methods(pay_types)
    if not pay_types:
        raise FieldError("02", "requested_methods", "required")
    application = _lock_application(application)
    if application.status in Application.EDITABLE:
        _transition(
            model=Application,
            obj=application,
            to=Application.Status.SUBMITTED,
            actor=actor,
            action="application.submitted",
            merchant=application.merchant,
            extra={"submitted_at": timezone.now()},
        )
    if application.status == Application.Status.SUBMITTED:
        application_start_review(application=application, reviewer=actor)
    existing = {m.pay_type: m for m in application.methods.all()}
    for pay_type in pay_types:
        method = existing.get(pay_type) or ApplicationMethod.objects.create(
            application=application, pay_type=pay_type
        )
        application_decide_method(
            method=method, decision=ApplicationMethod.Decision.APPROVED, comment="", reviewer=actor
        )
    for pay_type, method in existing.items():
        if pay_type not in pay_types and method.decision == ApplicationMethod.Decision.PENDING:
            application_decide_method(
                method=method, decision=ApplicationMethod.Decision.REJECTED, comment="", reviewer=actor
            )
    return application_finalize(application=application, reviewer=actor)


def _notify_owners(*, merchant: Merchant, subject: str, body: str) -> None:
    for email in Membership.objects.filter(merchant=merchant, role=Role.OWNER).values_list(
        "user__email", flat=True
    ):
        _send_mail_on_commit(to=email, subject=subject, body=body)


# --- Contracts ---------------------------------------------------------------------------

CONTRACT_TERMS = (
    "fee_rate_bps",
    "max_amount",
    "concurrency_window",
    "rate_per_second",
    "burst_factor",
    "window_shadow",
    "rate_shadow",
)


def contract_ensure(*, merchant: Merchant, pay_type: str, actor: Actor) -> Contract:
    """Create the contract for a pay type with default terms, or return the existing one."""
    defaults = settings.CONTRACT_DEFAULTS[pay_type]
    contract, created = Contract.objects.get_or_create(
        merchant=merchant, pay_type=pay_type, defaults=dict(defaults)
    )
    if created:
        audit_record(
            actor=actor,
            action="contract.created",
            obj=contract,
            merchant=merchant,
            after={"pay_type": pay_type, **snapshot(contract, CONTRACT_TERMS)},
        )
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, changes: dict[str, Any], actor: Actor) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    allowed = {*CONTRACT_TERMS, "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise PortalError(errors.BAD_REQUEST, f"Unknown contract terms: {', '.join(sorted(unknown))}.")
    if "status" in changes and changes["status"] not in Contract.Status.values:
        raise PortalError(errors.BAD_REQUEST, "Unknown contract status.")
    fields = [f for f in changes if getattr(contract, f) != changes[f]]
    if not fields:
        return contract
    before = snapshot(contract, fields)
    for field in fields:
        setattr(contract, field, changes[field])
    contract.full_clean(exclude=["merchant"])
    contract.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action="contract.updated",
        obj=contract,
        merchant=contract.merchant,
        before=before,
        after=snapshot(contract, fields),
    )
    return contract


# --- API keys ------------------------------------------------------------------------------


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class IssuedKey:
    key: ApiKey
    raw: str


@transaction.atomic
def api_key_create(*, merchant: Merchant, mode: str, kind: str, actor: Actor, label: str = "") -> IssuedKey:
    if mode not in Mode.values:
        raise FieldError("02", "mode", "choice")
    if kind not in ApiKey.Kind.values:
        raise FieldError("02", "kind", "choice")
    if len(label) > 100:
        raise FieldError("02", "label", "max_length")
    if mode == Mode.LIVE:
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        if not merchant.live_enabled:
            raise PortalError(errors.LIVE_KEYS_NOT_ALLOWED)
    raw = f"{ApiKey.PREFIXES[kind]}_{mode}_{random_token(40)}"
    key = ApiKey.objects.create(
        merchant=merchant,
        mode=mode,
        kind=kind,
        label=label.strip(),
        key_hash=hash_api_key(raw),
        display_prefix=raw[:11],
        last4=raw[-4:],
        public_value=raw if kind == ApiKey.Kind.PUBLIC else "",
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        action="api_key.created",
        obj=key,
        merchant=merchant,
        after={"mode": mode, "kind": kind, "key": key.masked, "label": key.label},
    )
    return IssuedKey(key=key, raw=raw)


MAX_ROLL_GRACE = timedelta(days=7)


@transaction.atomic
def api_key_roll(*, key: ApiKey, grace: timedelta, actor: Actor) -> IssuedKey:
    """Issue a replacement; the old key keeps working for ``grace``, then expires."""
    if grace < timedelta(0) or grace > MAX_ROLL_GRACE:
        raise FieldError("02", "grace_hours", "range", "must be between 0 and 168 hours")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if not key.is_usable() or key.replaced_by_id:
        raise PortalError(
            errors.INVALID_TRANSITION, "Only an active key that has not been rolled can be rolled."
        )
    issued = api_key_create(merchant=key.merchant, mode=key.mode, kind=key.kind, actor=actor, label=key.label)
    expires = timezone.now() + grace
    key.expires_at, key.replaced_by = expires, issued.key
    key.save(update_fields=["expires_at", "replaced_by"])
    audit_record(
        actor=actor,
        action="api_key.rolled",
        obj=key,
        merchant=key.merchant,
        after={"key": key.masked, "expires_at": expires, "replaced_by": issued.key.masked},
    )
    return issued


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor) -> None:
    changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if changed:
        audit_record(
            actor=actor, action="api_key.revoked", obj=key, merchant=key.merchant, after={"key": key.masked}
        )


LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_touch(*, key: ApiKey) -> None:
    """Record last use, at most once a minute per key (a conditional update, not a write per call)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).exclude(last_used_at__gt=now - LAST_USED_RESOLUTION).update(
            last_used_at=now
        )
        key.last_used_at = now
