from django.db import migrations, models

# The matching rules of new decisions are stored as a bitmap (credit.models.MatchedRules). The
# JSON column keeps its name: only the model field is renamed (``matched_rules`` is now a property
# reading either form), and a nullable bytea column is added (no table rewrite).


def _rename(model_name: str) -> migrations.SeparateDatabaseAndState:
    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.RemoveField(model_name=model_name, name="matched_rules"),
            migrations.AddField(
                model_name=model_name,
                name="matched_rules_stored",
                field=models.JSONField(
                    db_column="matched_rules", default=list, help_text="Matching rule ids (rows without a bitmap)."
                ),
            ),
        ]
    )


def _bits(model_name: str) -> migrations.AddField:
    return migrations.AddField(
        model_name=model_name,
        name="matched_bits",
        field=models.BinaryField(
            blank=True,
            editable=False,
            null=True,
            help_text="Matching rules as a bitmap over the rule set's rules.",
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_buyer_lock_history_function")]

    operations = [
        _rename("creditcheck"),
        _rename("shadowdecision"),
        _bits("creditcheck"),
        _bits("shadowdecision"),
    ]
