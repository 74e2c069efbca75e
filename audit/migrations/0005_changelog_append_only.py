from django.db import migrations

from audit import triggers

# django-auditlog's change table is append-only too, like the access events (audit.triggers).
TABLE = "auditlog_logentry"


def create_triggers(apps, schema_editor):
    triggers.create(TABLE, schema_editor)


def drop_triggers(apps, schema_editor):
    triggers.remove(TABLE, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_detectioncursor_reviewitem"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
