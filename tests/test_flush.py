"""A test that commits is cleaned up by a flush that deletes rows (``portal.postgresql``)."""

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from payments.models import Card, Customer
from tests.support import make_merchant


@pytest.mark.django_db(transaction=True)
def test_a_flush_keeping_sequences_deletes_every_row_whatever_the_foreign_keys():
    shop = make_merchant(name="Flush")
    customer = Customer.objects.create(merchant=shop.merchant, mode="test")
    assert customer.pk and Customer.objects.exists()
    statements = connection.ops.sql_flush(no_style(), ["payments_customer"], reset_sequences=False)
    assert statements[0] == "SET CONSTRAINTS ALL DEFERRED;" and statements[1].startswith("DELETE FROM")
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)
    assert not Customer.objects.exists() and not Card.objects.exists()
    assert connection.ops.sql_flush(no_style(), ["payments_customer"], reset_sequences=True)[0].startswith(
        "TRUNCATE"
    )
