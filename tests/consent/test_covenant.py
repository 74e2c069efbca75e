"""The covenant is versioned: a concept is edited and activated; the matrix of the active
version decides which statutory bases a new grant gets."""

from __future__ import annotations

import pytest

from caseroom import services
from consent.covenant import active_covenant, covenant_activate, covenant_copy
from consent.models import Covenant, LegalBasis
from core.exceptions import ServiceError
from tests.caseroom.conftest import World
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_a_new_version_replaces_the_matrix_for_new_grants_only(world: World) -> None:
    old = active_covenant()
    assert old is not None
    concept = covenant_copy(covenant=old)
    assert (concept.version, concept.status) == (old.version + 1, "concept")
    assert concept.rules.count() == old.rules.count()
    # The new version no longer lets woningcorporaties receive wonen.
    concept.rules.filter(
        organisation_kind__code="woningcorporatie", category__code="wonen"
    ).delete()
    covenant_activate(covenant=concept)
    old.refresh_from_db()
    assert (old.status, active_covenant()) == ("vervangen", concept)
    with pytest.raises(ServiceError):
        covenant_activate(covenant=old)
    # The existing basis of the case keeps its ground; a new grant follows the new matrix.
    woning = world.woning.organisation
    assert LegalBasis.objects.valid().filter(organisation=woning, category__code="wonen").exists()
    with pytest.raises(ServiceError) as refused:
        services.participation_set_categories(
            participation=world.other_case.participations.get(
                organisation=world.outsider.organisation
            ),
            categories=services.categories_by_code(["basis", "wonen"]),
            by=world.regisseur,
        )
    assert refused.value.code == "no_legal_basis"


def test_the_beheerder_edits_a_concept_but_not_the_active_version(
    world: World, beheerder: object
) -> None:
    client = verified_client(beheerder)  # type: ignore[arg-type]
    active = active_covenant()
    assert active is not None
    page = client.get(f"/beheer/consent/covenant/{active.pk}/change/")
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    concept = covenant_copy(covenant=active)
    editable = client.get(f"/beheer/consent/covenant/{concept.pk}/change/")
    assert 'name="name"' in editable.content.decode()
    assert Covenant.objects.count() == 2
    # Not for anyone else.
    assert verified_client(world.regisseur).get("/beheer/consent/covenant/").status_code in (
        302,
        403,
        404,
    )
