"""Shared pytest fixtures: the two-office world, signed-in clients, API clients."""

import pytest


@pytest.fixture
def world(db):
    from fengqiao.testing.factories import World

    return World.build()


@pytest.fixture(autouse=True)
def _today_per_test(request):
    """Test modules keep `TODAY = timezone.localdate()` at module level; a run that crosses local
    midnight (16:00 UTC) would then mix yesterday's date with the services' today. Each test gets
    the date of the moment it starts."""
    import datetime

    from django.utils import timezone

    module = getattr(request, "module", None)
    if module is not None and isinstance(getattr(module, "TODAY", None), datetime.date):
        module.TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: ids repeat between tests (rolled-back rows), so a cached
    value from one test could otherwise answer another."""
    from django.core.cache import cache

    from fengqiao.corrections.ingest import device_map

    cache.clear()
    # The ingest workers' device map is keyed by a generation counter that rolls back with the test.
    device_map().generation = -1
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files of a test go to a temporary directory, never to var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")


@pytest.fixture
def client_for(client):
    """client_for(user) → the Django test client signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_token(db):
    """api_token(actor, org, grants) → raw bearer key of a new token."""
    from fengqiao.core import services

    def make(actor, org, grants):
        _, raw = services.api_token_create(actor=actor, name="test gateway", org=org, grants=grants)
        return raw

    return make


from fengqiao.testing.browser import browser, page, phone_page  # noqa: E402, F401
