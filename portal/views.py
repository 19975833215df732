"""Merchant web pages: sign-up, application, contracts, API keys, team.

Every page under ``/m/<merchant id>/`` goes through ``merchant_page``, which
resolves the signed-in user's membership of that merchant or answers 404.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from payments.selectors_overview import merchant_alerts, merchant_overview, recent_payments
from portal import errors, selectors, services
from portal.errors import PortalError, localized
from portal.forms import (
    ApiKeyCreateForm,
    ApiKeyRollForm,
    ApplicationForm,
    DocumentForm,
    InvitationSignupForm,
    InviteForm,
    RoleForm,
    SignupForm,
)
from portal.models import ApiKey, Application, ApplicationDocument, Invitation, Membership, Mode
from portal.staff import staff_has_perm


def _show_error(request, form, exc: PortalError) -> None:
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, localized(exc.message).split(": ", 1)[-1])
    elif form is not None:
        form.add_error(None, localized(exc.message))
    else:
        messages.error(request, localized(exc.message))


def merchant_page(capability: str = "view"):
    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, merchant_id: str, *args, **kwargs):
            membership = selectors.membership_for(user=request.user, merchant_public_id=merchant_id)
            if membership is None:
                raise Http404("No such merchant")
            if not membership.can(capability):
                messages.error(request, _("Your role does not allow this."))
                return redirect("merchant-dashboard", merchant_id=merchant_id)
            request.membership = membership
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorate


def page_mode(request) -> str:
    """The mode a merchant list page shows (``?mode=live``; test by default)."""
    mode = request.GET.get("mode")
    return mode if mode in Mode.values else Mode.TEST


# --- Sign-up and sign-in -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect("merchant-home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                merchant_name=form.cleaned_data["merchant_name"],
            )
        except PortalError as exc:
            _show_error(request, form, exc)
        else:
            login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            # Post/redirect/get: a refresh of the welcome page never posts the form again. The
            # test keys wait in the (server-side) session for that one page, then are gone.
            request.session[WELCOME_KEYS] = {
                "merchant": result.merchant.public_id,
                "public_key": result.test_public_key,
                "secret_key": result.test_secret_key,
            }
            return redirect("welcome")
    return render(request, "portal/signup.html", {"form": form}, status=400 if form.errors else 200)


WELCOME_KEYS = "welcome_keys"


@login_required
@require_GET
def welcome(request):
    """After sign-up, once: the new shop's test keys (the secret key is never shown again)."""
    keys = request.session.pop(WELCOME_KEYS, None)
    membership = (
        selectors.memberships_of(request.user)
        .filter(merchant__public_id=(keys or {}).get("merchant"))
        .select_related("merchant")
        .first()
    )
    if not keys or membership is None:
        return redirect("merchant-home")
    response = render(
        request,
        "portal/welcome.html",
        {
            "merchant": membership.merchant,
            "public_key": keys["public_key"],
            "secret_key": keys["secret_key"],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def favicon(request):
    """``/favicon.ico``, which browsers ask for on every page: the icon (its hashed static URL)."""
    return redirect(static("portal/favicon.svg"))


@require_GET
def landing(request):
    """``/``: what the product is, for a signed-out visitor; a signed-in one goes to their shop."""
    if request.user.is_authenticated:
        return redirect("merchant-home")
    return render(request, "portal/landing.html")


@require_GET
def verify_email(request, token: str):
    try:
        services.user_verify_email(token=token)
    except PortalError as exc:
        return render(
            request,
            "portal/message.html",
            {"title": _("Link not valid"), "text": localized(exc.message)},
            status=400,
        )
    messages.success(request, _("Your e-mail address is verified."))
    return redirect("merchant-home" if request.user.is_authenticated else "login")


@login_required
@require_POST
def resend_verification(request):
    if not request.user.email_verified:
        services.email_verification_send(user=request.user)
        messages.info(
            request, _("We sent a new verification link to %(email)s.") % {"email": request.user.email}
        )
    return redirect("merchant-home")


@login_required
def merchant_home(request):
    membership = selectors.memberships_of(request.user).first()
    if membership is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(
            request,
            "portal/message.html",
            {"title": _("No merchant"), "text": _("You are not a member of any merchant.")},
        )
    return redirect("merchant-dashboard", merchant_id=membership.merchant.public_id)


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    try:
        invite = services.invitation_by_token(token)
    except PortalError as exc:
        return render(
            request,
            "portal/message.html",
            {"title": _("Invitation not valid"), "text": localized(exc.message)},
            status=400,
        )
    form = InvitationSignupForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                membership = services.invitation_accept(token=token, user=request.user)
            elif form.is_valid():
                membership = services.user_signup_by_invitation(
                    token=token, password=form.cleaned_data["password"]
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except PortalError as exc:
            _show_error(request, form, exc)
        else:
            if membership is not None:
                messages.success(
                    request, _("You joined %(merchant)s.") % {"merchant": membership.merchant.name}
                )
                return redirect("merchant-dashboard", merchant_id=membership.merchant.public_id)
    return render(
        request,
        "portal/invitation.html",
        {"invitation": invite, "form": form},
        status=400 if form.errors else 200,
    )


# --- Merchant pages -----------------------------------------------------------------------


@merchant_page()
def dashboard(request, membership: Membership):
    merchant, mode = membership.merchant, page_mode(request)
    overview = merchant_overview(merchant=merchant, mode=mode)
    return render(
        request,
        "portal/dashboard.html",
        {
            "membership": membership,
            "merchant": merchant,
            "mode": mode,
            "overview": overview,
            "alerts": merchant_alerts(merchant=merchant, mode=mode, overview=overview),
            "recent": recent_payments(merchant=merchant, mode=mode),
            "application": selectors.application_of(merchant),
            "contracts": selectors.merchant_contracts(merchant),
            "keys": selectors.merchant_api_keys(merchant).filter(revoked_at__isnull=True),
            "memberships": selectors.memberships_of(request.user),
        },
    )


def _application_initial(application: Application) -> dict:
    data = {f: getattr(application, f) for f in services.APPLICATION_FIELDS if f != "business_category"}
    data["business_category"] = application.business_category.code if application.business_category else ""
    data["requested_methods"] = [m.pay_type for m in application.methods.all()]
    return {k: ("" if v is None and k != "expected_monthly_volume" else v) for k, v in data.items()}


@merchant_page()
@require_http_methods(["GET", "POST"])
def application_page(request, membership: Membership):
    application = selectors.application_of(membership.merchant)
    form = ApplicationForm(request.POST or None, initial=_application_initial(application))
    status = 200
    if request.method == "POST":
        if not membership.can("edit_application"):
            messages.error(request, _("Your role does not allow editing the application."))
            return redirect("merchant-application", merchant_id=membership.merchant.public_id)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.application_update(application=application, data=data, actor=request.user)
                if "submit" in request.POST:
                    services.application_submit(application=application, actor=request.user)
                    messages.success(request, _("Application submitted. We will review it shortly."))
                else:
                    messages.success(request, _("Application saved."))
            except PortalError as exc:
                _show_error(request, form, exc)
            else:
                return redirect("merchant-application", merchant_id=membership.merchant.public_id)
        status = 400
    return render(
        request,
        "portal/application.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "application": application,
            "form": form,
            "document_form": DocumentForm(),
            "editable": application.status in Application.EDITABLE and membership.can("edit_application"),
            "missing": services.application_missing(application),
        },
        status=status,
    )


@merchant_page("edit_application")
@require_POST
def document_upload(request, membership: Membership):
    application = selectors.application_of(membership.merchant)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                application=application,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
            )
            messages.success(request, _("Document uploaded."))
        except PortalError as exc:
            messages.error(request, localized(exc.message))
    else:
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, _("Document: %(error)s") % {"error": error})
    return redirect("merchant-application", merchant_id=membership.merchant.public_id)


@merchant_page("edit_application")
@require_POST
def document_delete(request, membership: Membership, document_id: str):
    document = get_object_or_404(
        ApplicationDocument, public_id=document_id, application__merchant=membership.merchant
    )
    try:
        services.document_remove(document=document, actor=request.user)
    except PortalError as exc:
        messages.error(request, localized(exc.message))
    return redirect("merchant-application", merchant_id=membership.merchant.public_id)


@login_required
@require_GET
def document_download(request, document_id: str):
    """Documents are never served from a public URL: members of the merchant and reviewers only."""
    document = get_object_or_404(
        ApplicationDocument.objects.select_related("application__merchant"), public_id=document_id
    )
    merchant = document.application.merchant
    allowed = staff_has_perm(request.user, "portal.view_applicationdocument") or (
        selectors.membership_for(user=request.user, merchant_public_id=merchant.public_id) is not None
    )
    if not allowed:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.public_id}.{document.extension}"'
    return response


@merchant_page()
@require_http_methods(["GET", "POST"])
def api_keys(request, membership: Membership):
    merchant = membership.merchant
    form = ApiKeyCreateForm(request.POST or None)
    issued = None
    if request.method == "POST":
        if not membership.can("manage_keys"):
            messages.error(request, _("Your role does not allow managing keys."))
        elif form.is_valid():
            try:
                issued = services.api_key_create(
                    merchant=merchant,
                    mode=form.cleaned_data["mode"],
                    kind=form.cleaned_data["kind"],
                    label=form.cleaned_data["label"],
                    actor=request.user,
                )
            except PortalError as exc:
                _show_error(request, form, exc)
    return render(
        request,
        "portal/keys.html",
        {
            "membership": membership,
            "merchant": merchant,
            "keys": selectors.merchant_api_keys(merchant),
            "form": ApiKeyCreateForm() if issued else form,
            "roll_form": ApiKeyRollForm(),
            "issued": issued,
        },
        status=400 if form.errors else 200,
    )


@merchant_page("manage_keys")
@require_POST
def api_key_roll(request, membership: Membership, key_id: str):
    key = get_object_or_404(ApiKey, public_id=key_id, merchant=membership.merchant)
    form = ApiKeyRollForm(request.POST)
    issued = None
    if form.is_valid():
        try:
            issued = services.api_key_roll(
                key=key, grace=timedelta(hours=form.cleaned_data["grace_hours"]), actor=request.user
            )
        except PortalError as exc:
            messages.error(request, localized(exc.message))
    else:
        messages.error(request, _("Choose a grace period between 0 and 168 hours."))
    if issued is None:
        return redirect("merchant-keys", merchant_id=membership.merchant.public_id)
    return render(
        request,
        "portal/keys.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "keys": selectors.merchant_api_keys(membership.merchant),
            "form": ApiKeyCreateForm(),
            "roll_form": ApiKeyRollForm(),
            "issued": issued,
            "rolled": key,
        },
    )


@merchant_page("manage_keys")
@require_POST
def api_key_revoke(request, membership: Membership, key_id: str):
    key = get_object_or_404(ApiKey, public_id=key_id, merchant=membership.merchant)
    services.api_key_revoke(key=key, actor=request.user)
    messages.success(request, _("Key %(key)s revoked.") % {"key": key.masked})
    return redirect("merchant-keys", merchant_id=membership.merchant.public_id)


@merchant_page()
@require_http_methods(["GET", "POST"])
def team(request, membership: Membership):
    merchant = membership.merchant
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                merchant=merchant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=membership,
            )
        except PortalError as exc:
            _show_error(request, form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("merchant-team", merchant_id=merchant.public_id)
    return render(
        request,
        "portal/team.html",
        {
            "membership": membership,
            "merchant": merchant,
            "members": selectors.merchant_members(merchant),
            "invitations": selectors.merchant_open_invitations(merchant),
            "form": form,
            "role_form": RoleForm(),
        },
        status=400 if form.errors else 200,
    )


@merchant_page("manage_team")
@require_POST
def member_role(request, membership: Membership, member_id: str):
    target = get_object_or_404(Membership, public_id=member_id, merchant=membership.merchant)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise PortalError(errors.BAD_REQUEST, "Choose a valid role.")
        services.membership_change_role(membership=target, role=form.cleaned_data["role"], by=membership)
        messages.success(
            request,
            _("%(email)s is now %(role)s.") % {"email": target.user.email, "role": form.cleaned_data["role"]},
        )
    except PortalError as exc:
        messages.error(request, localized(exc.message))
    return redirect("merchant-team", merchant_id=membership.merchant.public_id)


@merchant_page("manage_team")
@require_POST
def member_remove(request, membership: Membership, member_id: str):
    target = get_object_or_404(Membership, public_id=member_id, merchant=membership.merchant)
    try:
        services.membership_remove(membership=target, by=membership)
        messages.success(request, _("%(email)s was removed.") % {"email": target.user.email})
    except PortalError as exc:
        messages.error(request, localized(exc.message))
    if target.user_id == request.user.id:
        return HttpResponseRedirect(reverse("merchant-home"))
    return redirect("merchant-team", merchant_id=membership.merchant.public_id)


@merchant_page("manage_team")
@require_POST
def invitation_revoke(request, membership: Membership, invitation_id: str):
    invite = get_object_or_404(Invitation, public_id=invitation_id, merchant=membership.merchant)
    services.invitation_revoke(invitation=invite, by=membership)
    messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invite.email})
    return redirect("merchant-team", merchant_id=membership.merchant.public_id)


@merchant_page()
def activity(request, membership: Membership):
    return render(
        request,
        "portal/activity.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "events": selectors.merchant_audit(membership.merchant, 200),
        },
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation, with the change written to the audit log."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            actor=form.user, action="user.password_reset", obj=form.user, after={"email": form.user.email}
        )
        return response
