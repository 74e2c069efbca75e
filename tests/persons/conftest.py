from tests.caseroom.conftest import world  # noqa: F401 - makes the fixture available
