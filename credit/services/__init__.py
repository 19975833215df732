"""Writes of the credit domain, one module per concept (as Zulip's ``actions``):

* ``checks`` — a BNPL application decided, stored and replayable (the hot path);
* ``review`` — the manual review queue;
* ``invoices`` — authorisations held, invoices issued, paid and reminded;
* ``deployment`` — what is live (the pointer in Redis) and warming a process up;
* ``rule_sets``, ``score_models`` — versioned rules and models, live or in shadow;
* ``lists``, ``bureau`` — block/allow lists, known fraud, bureau reports;
* ``backtests`` — a rule set replayed over stored checks.

The API, the admin, the commands, tasks and the payments side import from here. The BNPL
payment flow calls :func:`credit_check_run` at execute, :func:`bnpl_invoice_create` at
capture, :func:`credit_authorization_release` on cancel, :func:`bnpl_invoice_mark_paid` when
the buyer pays, and registers :func:`on_review_decided` to learn a review's outcome.
"""

from credit.services.backtests import backtest_create, backtest_run
from credit.services.bureau import bureau_refresh, bureau_refresh_many
from credit.services.checks import (
    VELOCITY_UNAVAILABLE,
    Replay,
    application_features,
    credit_check_replay,
    credit_check_run,
    identifiers,
    result_of,
    score_model_cache_clear,
    score_model_row,
    score_with,
)
from credit.services.deployment import deployment_publish, engine_warm_up
from credit.services.invoices import (
    bnpl_invoice_create,
    bnpl_invoice_mark_paid,
    bnpl_invoice_remind,
    bnpl_invoices_remind,
    credit_authorization_release,
    exposure_authorize,
)
from credit.services.lists import known_fraud_add, list_entry_add, list_entry_remove, lists_sync
from credit.services.review import credit_check_review, on_review_decided
from credit.services.rule_sets import (
    feature_defaults,
    rule_delete,
    rule_save,
    rule_set_activate,
    rule_set_clone,
    rule_set_import,
    rule_set_publish,
    rule_set_replace_rules,
    rule_set_rollback,
    rule_set_update_note,
    slot_clear,
)
from credit.services.score_models import score_model_activate, score_model_register

__all__ = [
    "VELOCITY_UNAVAILABLE",
    "Replay",
    "application_features",
    "backtest_create",
    "backtest_run",
    "bnpl_invoice_create",
    "bnpl_invoice_mark_paid",
    "bnpl_invoice_remind",
    "bnpl_invoices_remind",
    "bureau_refresh",
    "bureau_refresh_many",
    "credit_authorization_release",
    "credit_check_replay",
    "credit_check_review",
    "credit_check_run",
    "deployment_publish",
    "engine_warm_up",
    "exposure_authorize",
    "feature_defaults",
    "identifiers",
    "known_fraud_add",
    "list_entry_add",
    "list_entry_remove",
    "lists_sync",
    "on_review_decided",
    "result_of",
    "rule_delete",
    "rule_save",
    "rule_set_activate",
    "rule_set_clone",
    "rule_set_import",
    "rule_set_publish",
    "rule_set_replace_rules",
    "rule_set_rollback",
    "rule_set_update_note",
    "score_model_activate",
    "score_model_cache_clear",
    "score_model_register",
    "score_model_row",
    "score_with",
    "slot_clear",
]
