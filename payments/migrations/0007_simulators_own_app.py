"""The simulators' models move to their own app (``simulators``): the tables stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_pay_types_from_registry")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SimulatedAcquirerTransaction"),
                migrations.DeleteModel(name="SimulatedProviderPayment"),
            ],
            database_operations=[],
        )
    ]
