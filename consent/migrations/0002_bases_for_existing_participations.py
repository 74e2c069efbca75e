from django.db import migrations
from django.utils import timezone

TRANSITION = "overgang: deelname bestond vóór de registratie van grondslagen"


def existing_participations(apps, schema_editor):
    """The default covenant, and a basis for every category an existing participation holds:
    the covenant's where it has one, else a transitional basis flagged for review, so no
    access is lost silently and none stays unexamined."""
    from consent.covenant import DEFAULT_RULES

    Covenant = apps.get_model("consent", "Covenant")
    CovenantRule = apps.get_model("consent", "CovenantRule")
    LegalBasis = apps.get_model("consent", "LegalBasis")
    Participation = apps.get_model("caseroom", "Participation")
    OrganisationKind = apps.get_model("partners", "OrganisationKind")
    InformationCategory = apps.get_model("caseroom", "InformationCategory")
    kinds = dict(OrganisationKind.objects.values_list("code", "pk"))
    categories = dict(InformationCategory.objects.values_list("code", "pk"))
    if not (kinds and categories) or Covenant.objects.exists():
        return  # a fresh database: the default covenant comes after migrate
    covenant = Covenant.objects.create(
        name="Convenant Zorg- en Veiligheidshuis",
        version=1,
        status="actief",
        valid_from=timezone.localdate(),
        note="Standaardmatrix; pas aan in een nieuwe versie.",
    )
    for kind, code, basis, provision in DEFAULT_RULES:
        if kind in kinds and code in categories:
            CovenantRule.objects.create(
                covenant=covenant,
                organisation_kind_id=kinds[kind],
                category_id=categories[code],
                kind=basis,
                provision=provision,
            )
    rules = {
        (r.organisation_kind_id, r.category_id): r
        for r in CovenantRule.objects.filter(covenant=covenant).exclude(kind="avg_6_1_a")
    }
    batch = []
    participations = Participation.objects.filter(withdrawn_at__isnull=True).select_related(
        "organisation"
    )
    through = Participation.categories.through
    held: dict = {}
    for participation_id, category_id in through.objects.filter(
        participation__withdrawn_at__isnull=True
    ).values_list("participation_id", "informationcategory_id").iterator(chunk_size=5000):
        held.setdefault(participation_id, []).append(category_id)
    for participation in participations.iterator(chunk_size=2000):
        for category_id in held.get(participation.pk, []):
            rule = rules.get((participation.organisation.kind_id, category_id))
            batch.append(
                LegalBasis(
                    case_id=participation.case_id,
                    organisation_id=participation.organisation_id,
                    category_id=category_id,
                    kind=rule.kind if rule else "wgs",
                    provision=rule.provision if rule else TRANSITION,
                    covenant_rule=rule,
                    motivation=f"Convenant: {rule.provision}" if rule else TRANSITION,
                    needs_review=rule is None,
                )
            )
            if len(batch) >= 2000:
                LegalBasis.objects.bulk_create(batch)
                batch = []
    LegalBasis.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("caseroom", "0009_alter_caseevent_kind"),
        ("partners", "0001_initial"),
    ]

    operations = [migrations.RunPython(existing_participations, migrations.RunPython.noop)]
