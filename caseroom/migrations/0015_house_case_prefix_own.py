"""Give every house a case-number prefix of its own, before the next migration makes the
prefix unique. The oldest house keeps a shared prefix; each later one gets the first free
of <prefix>2, <prefix>3, … Case numbers already issued stay as they are."""

from django.db import migrations

MAX_LENGTH = 10


def _free(base, taken):
    n = 1
    while True:
        n += 1
        suffix = str(n)
        candidate = base[: MAX_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate


def give_each_house_its_own_prefix(apps, schema_editor):
    House = apps.get_model("caseroom", "House")
    houses = list(House.objects.order_by("pk"))
    taken = {house.case_prefix for house in houses}
    seen = set()
    for house in houses:
        if house.case_prefix in seen:
            house.case_prefix = _free(house.case_prefix, taken)
            taken.add(house.case_prefix)
            house.save(update_fields=["case_prefix"])
        seen.add(house.case_prefix)


class Migration(migrations.Migration):
    dependencies = [
        ("caseroom", "0014_withdrawal_coverage_check"),
    ]

    operations = [
        migrations.RunPython(give_each_house_its_own_prefix, migrations.RunPython.noop),
    ]
