from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonsConfig(AppConfig):
    name = "persons"
    verbose_name = _("Personen")

    def ready(self) -> None:
        from audit.registry import register
        from persons.models import Address, Person, PersonRelation

        register(Person)
        register(Address, exclude=[])
        register(PersonRelation)
        from audit.anomalies import register_rule
        from audit.console import register_person_resolver
        from persons.anomalies import persons_by_bsn, protected_persons

        register_rule(protected_persons)
        register_person_resolver(persons_by_bsn)
