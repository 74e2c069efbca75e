from datetime import timedelta

from django.db import migrations

SOURCE = "caseroom.breakglassaccess"


def move_reviews(apps, schema_editor):
    """Each break-the-glass use becomes an item of the audit review queue, keeping the review
    recorded so far; linked to the access event the use wrote."""
    BreakGlassAccess = apps.get_model("caseroom", "BreakGlassAccess")
    AccessEvent = apps.get_model("audit", "AccessEvent")
    ReviewItem = apps.get_model("audit", "ReviewItem")
    for access in BreakGlassAccess.objects.select_related("user").iterator():
        if ReviewItem.objects.filter(source_type=SOURCE, source_id=str(access.pk)).exists():
            continue
        event = (
            AccessEvent.objects.filter(
                action="break_glass",
                actor_id=access.user_id,
                object_type="caseroom.case",
                object_id=str(access.case_id),
                occurred_at__gte=access.created_at - timedelta(minutes=5),
            )
            .order_by("occurred_at")
            .first()
        )
        ReviewItem.objects.create(
            rule="break_glass",
            event_seq=event.seq if event else None,
            occurred_at=event.occurred_at if event else access.created_at,
            actor_id=access.user_id,
            actor_username=access.user.username,
            organisation_id=event.organisation_id if event else access.user.organisation_id,
            organisation_name=event.organisation_name if event else "",
            object_type="caseroom.case",
            object_id=str(access.case_id),
            source_type=SOURCE,
            source_id=str(access.pk),
            detail="doorbraak (break-the-glass)",
            status=access.review_status,
            findings=access.findings,
            reviewed_by_id=access.reviewed_by_id,
            reviewed_at=access.reviewed_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("caseroom", "0007_break_glass_review"),
        ("audit", "0004_detectioncursor_reviewitem"),
    ]

    operations = [
        migrations.RunPython(move_reviews, migrations.RunPython.noop),
        migrations.RemoveField(model_name="breakglassaccess", name="findings"),
        migrations.RemoveField(model_name="breakglassaccess", name="review_status"),
        migrations.RemoveField(model_name="breakglassaccess", name="reviewed_at"),
        migrations.RemoveField(model_name="breakglassaccess", name="reviewed_by"),
    ]
