from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from partners.models import Organisation, OrganisationKind, User
from partners.roles import Role
from partners.services import user_set_roles

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = factory.LazyFunction(lambda: OrganisationKind.objects.get(code="politie"))
    group = factory.LazyFunction(lambda: Group.objects.create(name=Organisation.new_group_name()))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        self.save()
        if create:
            user_set_roles(user=self, roles=extracted or [Role.KETENPARTNER])
