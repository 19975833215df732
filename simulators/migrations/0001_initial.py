"""The simulators' models, taken over from ``payments`` with their tables (nothing is written),
and their content types (so that permissions granted on them stay granted)."""

from django.db import migrations, models


MODELS = ("simulatedacquirertransaction", "simulatedproviderpayment")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types(apps, schema_editor) -> None:
    _relabel(apps, "payments", "simulators")


def move_content_types_back(apps, schema_editor) -> None:
    _relabel(apps, "simulators", "payments")


class Migration(migrations.Migration):

    initial = True

    dependencies = [("payments", "0007_simulators_own_app"), ("contenttypes", "0002_remove_content_type_name")]

    state_operations = [
        migrations.CreateModel(
            name='SimulatedAcquirerTransaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=64, unique=True)),
                ('transaction_id', models.CharField(db_index=True, max_length=28)),
                ('operation', models.CharField(max_length=20)),
                ('outcome', models.CharField(max_length=20)),
                ('amount', models.BigIntegerField(default=0)),
                ('decline_reason', models.CharField(blank=True, max_length=40)),
                ('response', models.JSONField(default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'db_table': 'payments_simulatedacquirertransaction',
                'indexes': [models.Index(models.OrderBy(models.F('created_at'), descending=True), name='simacq_recent')],
            },
        ),
        migrations.CreateModel(
            name='SimulatedProviderPayment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(max_length=20)),
                ('payment_ref', models.CharField(max_length=64)),
                ('provider_id', models.CharField(max_length=64, unique=True)),
                ('state', models.CharField(max_length=20)),
                ('amount', models.BigIntegerField()),
                ('capture', models.BooleanField(default=True)),
                ('deadline', models.DateTimeField(blank=True, null=True)),
                ('notify_url', models.CharField(blank=True, max_length=500)),
                ('redirect_url', models.CharField(blank=True, max_length=500)),
                ('description', models.CharField(blank=True, max_length=200)),
                ('lookup', models.CharField(blank=True, db_index=True, help_text='Account or slip number.', max_length=40)),
                ('data', models.JSONField(default=dict)),
                ('references', models.JSONField(default=dict, help_text='Operation reference → its answer.')),
                ('notifications', models.JSONField(default=list, help_text='Every notification sent (for replays).')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'db_table': 'payments_simulatedproviderpayment',
                'constraints': [models.UniqueConstraint(fields=('provider', 'payment_ref'), name='simprovider_unique_ref')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
