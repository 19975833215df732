"""A test that commits is cleaned up by a flush that deletes rows (``portal.postgresql``) and
puts back what ``post_migrate`` seeds from a copy (``portal/management/commands/flush.py``)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection

from payments.models import Card, Customer
from portal.models import AuditEvent, BusinessCategory
from tests.support import make_merchant

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_flush_keeping_sequences_deletes_every_row_whatever_the_foreign_keys():
    shop = make_merchant(name="Flush")
    customer = Customer.objects.create(merchant=shop.merchant, mode="test")
    assert customer.pk and Customer.objects.exists() and AuditEvent.objects.exists()
    statements = connection.ops.sql_flush(no_style(), ["payments_customer"], reset_sequences=False)
    assert statements[0] == "SET CONSTRAINTS ALL DEFERRED;" and statements[1].startswith("DELETE FROM")
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)
    assert not Customer.objects.exists() and not Card.objects.exists()
    assert not AuditEvent.objects.exists()  # append-only (a trigger refuses DELETE), emptied all the same
    assert connection.ops.sql_flush(no_style(), ["payments_customer"], reset_sequences=True)[0].startswith(
        "TRUNCATE"
    )


def test_the_audit_log_still_refuses_a_delete_outside_a_flush():
    make_merchant(name="Audited")
    with (
        pytest.raises(DatabaseError, match="portal_auditevent is append-only"),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM portal_auditevent")


def seeded_state() -> dict:
    """What seeding leaves, by natural keys (ids differ between two seedings)."""
    return {
        "content types": sorted(ContentType.objects.values_list("app_label", "model")),
        "permissions": sorted(
            Permission.objects.values_list(
                "content_type__app_label", "content_type__model", "codename", "name"
            )
        ),
        "groups": sorted(
            (group.name, sorted(group.permissions.values_list("codename", flat=True)))
            for group in Group.objects.all()
        ),
        "categories": sorted(BusinessCategory.objects.values_list("code", "name", "prohibited")),
        "rows per table": table_counts(),
    }


def table_counts() -> dict[str, int]:
    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, count(*) FROM {connection.ops.quote_name(t)}"  # noqa: S608
                for t in tables
            ),
            tables,
        )
        return dict(cursor.fetchall())


def test_a_flush_leaves_what_seeding_leaves_even_after_a_test_changed_the_seeded_rows():
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    # What Django's flush leaves: every row deleted, then every app's post_migrate seeding.
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    expected = seeded_state()
    assert expected["categories"] and expected["groups"] and expected["permissions"]

    # A test that commits changes seeded rows and adds its own.
    make_merchant(name="Messy")
    BusinessCategory.objects.filter(code=expected["categories"][0][0]).delete()
    Group.objects.filter(name=expected["groups"][0][0]).update(name="renamed")
    Permission.objects.filter(codename__startswith="view_").delete()

    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    assert seeded_state() == expected
    assert ContentType.objects.get_for_model(Customer).model_class() is Customer  # its cache holds
