"""The migrations this one replaces, squashed: every model with its final fields, in the
column order those made (AddField appends), in the order they created the models (the
order of the content types and permissions made after migrate), then their special steps."""

from django.db import migrations, models

from portal.migration_ops import CreateModels


class Migration(migrations.Migration):
    replaces = [("exports", "0001_initial"), ("exports", "0002_requestlog")]

    initial = True

    dependencies = []

    operations = [
        CreateModels(
            operations=[
                migrations.CreateModel(
                    name="ExportedHour",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(max_length=40)),
                        (
                            "hour",
                            models.DateTimeField(
                                help_text="Start of the hour (UTC); the file holds [hour, hour + 1h)."
                            ),
                        ),
                        ("rows", models.PositiveIntegerField()),
                        ("path", models.CharField(max_length=500)),
                        ("sha256", models.CharField(max_length=64)),
                        ("exported_at", models.DateTimeField()),
                    ],
                    options={
                        "ordering": ["-hour", "kind"],
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "hour"), name="exported_hour_unique")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="RequestLog",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "occurred_at",
                            models.DateTimeField(db_index=True, help_text="When the request came in (UTC)."),
                        ),
                        ("request_id", models.CharField(max_length=128)),
                        ("method", models.CharField(max_length=16)),
                        (
                            "path",
                            models.CharField(
                                help_text="The URL path, without the query string.", max_length=2000
                            ),
                        ),
                        (
                            "route",
                            models.CharField(
                                help_text="The URL pattern matched, if any.", max_length=500, null=True
                            ),
                        ),
                        ("status_code", models.PositiveSmallIntegerField()),
                        (
                            "duration_us",
                            models.BigIntegerField(
                                help_text="Microseconds from the request to the response."
                            ),
                        ),
                        (
                            "merchant_id",
                            models.CharField(help_text="The merchant's public id.", max_length=40, null=True),
                        ),
                        (
                            "key_mode",
                            models.CharField(
                                help_text="test or live: the API key's mode.", max_length=8, null=True
                            ),
                        ),
                        ("client_address", models.CharField(max_length=64, null=True)),
                        ("user_agent", models.CharField(max_length=256, null=True)),
                        (
                            "response_bytes",
                            models.BigIntegerField(help_text="The body's size, if not streamed.", null=True),
                        ),
                    ],
                ),
            ],
        ),
    ]
