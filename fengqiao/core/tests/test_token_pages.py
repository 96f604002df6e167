from fengqiao.core.models import ApiToken, hash_token


def test_create_token_shows_the_key_once_then_never(world, client_for):
    client = client_for(world.city_admin)
    response = client.post(
        "/platform/tokens/", {"name": "法院对接", "org": world.office_a.pk, "grants": ["orgs.view", "mediation.view"]}
    )
    assert response.status_code == 302  # post/redirect/get: a reload cannot mint a second token
    page = client.get("/platform/tokens/")
    assert "no-store" in page["Cache-Control"]
    token = ApiToken.objects.get(name="法院对接")
    html = page.content.decode()
    start = html.index("fq_")
    raw = html[start : start + 46].split("<")[0]
    assert hash_token(raw) == token.key_hash and raw not in str(token.__dict__)
    assert "fq_" not in client.get("/platform/tokens/").content.decode().replace(token.key_prefix, "")
    assert token.grants == ["mediation.view", "orgs.view"] and token.office_id == world.office_a.pk


def test_token_form_errors_are_shown(world, client_for):
    client = client_for(world.city_admin)
    response = client.post("/platform/tokens/", {"name": "", "org": world.office_a.pk})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_from_the_page(world, client_for, api_token):
    raw = api_token(world.city_admin, world.office_a, ["orgs.view"])
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    client = client_for(world.city_admin)
    assert client.post(f"/platform/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by_id == world.city_admin.pk


def test_directors_cannot_manage_tokens(world, client_for):
    client = client_for(world.director_a)
    assert client.get("/platform/tokens/").status_code == 403
    assert (
        client.post("/platform/tokens/", {"name": "x", "org": world.office_a.pk, "grants": ["orgs.view"]}).status_code
        == 403
    )
