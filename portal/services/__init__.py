"""Writes of the onboarding domain, one module per concept (as Zulip's ``actions``):

* ``accounts`` — sign-up, merchants, suspension;
* ``team`` — invitations, roles, removal;
* ``applications`` — the application as the merchant writes it, documents, submission;
* ``review`` — screening, the decision per payment method, finalisation;
* ``contracts`` — fees and traffic limits per payment method;
* ``api_keys`` — issued, rolled, revoked, last use;
* ``audit`` — the audit log and ``status_transition``, the one function that moves a status
  (a conditional update, audited in the same transaction);
* ``mail`` — e-mail sent on commit.

Views, serializers, tasks and admin actions import from here.
"""

from portal.services.accounts import (
    SignupResult,
    merchant_create,
    merchant_reinstate,
    merchant_suspend,
    user_signup,
    user_validate_new,
)
from portal.services.api_keys import (
    LAST_USED_RESOLUTION,
    MAX_ROLL_GRACE,
    IssuedKey,
    api_key_create,
    api_key_revoke,
    api_key_roll,
    api_key_touch,
    hash_api_key,
)
from portal.services.applications import (
    APPLICATION_FIELDS,
    REQUIRED_FOR_SUBMIT,
    application_lock,
    application_methods_clean,
    application_missing,
    application_submit,
    application_update,
    document_add,
    document_remove,
)
from portal.services.audit import audit_record, jsonable, snapshot, status_transition
from portal.services.contracts import CONTRACT_TERMS, contract_update, contracts_ensure
from portal.services.mail import (
    email_verification_send,
    email_verification_token,
    mail_send_on_commit,
    owners_notify,
    user_verify_email,
)
from portal.services.review import (
    application_decide_method,
    application_fast_track,
    application_finalize,
    application_screen,
    application_start_review,
)
from portal.services.team import (
    invitation_accept,
    invitation_by_token,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    user_signup_by_invitation,
)

__all__ = [
    "APPLICATION_FIELDS",
    "CONTRACT_TERMS",
    "LAST_USED_RESOLUTION",
    "MAX_ROLL_GRACE",
    "REQUIRED_FOR_SUBMIT",
    "IssuedKey",
    "SignupResult",
    "api_key_create",
    "api_key_revoke",
    "api_key_roll",
    "api_key_touch",
    "application_decide_method",
    "application_fast_track",
    "application_finalize",
    "application_lock",
    "application_methods_clean",
    "application_missing",
    "application_screen",
    "application_start_review",
    "application_submit",
    "application_update",
    "audit_record",
    "contract_update",
    "contracts_ensure",
    "document_add",
    "document_remove",
    "email_verification_send",
    "email_verification_token",
    "hash_api_key",
    "invitation_accept",
    "invitation_by_token",
    "invitation_create",
    "invitation_revoke",
    "jsonable",
    "mail_send_on_commit",
    "membership_change_role",
    "membership_remove",
    "merchant_create",
    "merchant_reinstate",
    "merchant_suspend",
    "owners_notify",
    "snapshot",
    "status_transition",
    "user_signup",
    "user_signup_by_invitation",
    "user_validate_new",
    "user_verify_email",
]
