"""Sign-in, lockout, forced password change, own password page and the user pages."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.accounts import services
from fengqiao.accounts.models import User
from fengqiao.core.models import AuditEvent
from fengqiao.core.permissions import Role
from fengqiao.testing.factories import PASSWORD, make_user, valid_id_number

NEW_PASSWORD = "Qiao-Feng#2024x"


def login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- Sign-in ---------------------------------------------------------------------------------------------


def test_login_page_renders(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_login_with_right_password(world, client):
    response = login(client, "staff_a")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client) == str(world.staff_a.pk)


def test_login_with_wrong_password(world, client):
    response = login(client, "staff_a", "not-the-password")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert response.context["form"].errors


def test_anonymous_is_sent_to_login(client, db):
    for path in ("/", "/users/", "/orgs/", "/platform/audit/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_deactivated_user_cannot_log_in(world, client):
    services.user_set_active(actor=world.director_a, user=world.staff_a, active=False)
    response = login(client, "staff_a")
    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_deactivation_ends_an_open_session(world, client_for):
    client = client_for(world.staff_a)
    assert client.get("/users/").status_code == 200
    services.user_set_active(actor=world.director_a, user=world.staff_a, active=False)
    response = client.get("/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_deactivate_view_refuses_self(world, client_for):
    client = client_for(world.director_a)
    response = client.post(f"/users/{world.director_a.pk}/deactivate/", follow=True)
    assert response.status_code == 200
    assert "不能停用自己的账号。" in response.content.decode()
    assert fresh(world.director_a).is_active


def test_deactivate_view_by_director(world, client_for):
    client = client_for(world.director_a)
    response = client.post(f"/users/{world.staff_a.pk}/deactivate/")
    assert response.status_code == 302
    assert not fresh(world.staff_a).is_active
    assert client.post(f"/users/{world.staff_a.pk}/reactivate/").status_code == 302
    assert fresh(world.staff_a).is_active


def test_deactivate_view_of_another_office_is_404(world, client_for):
    response = client_for(world.director_a).post(f"/users/{world.staff_b.pk}/deactivate/")
    assert response.status_code == 404
    assert fresh(world.staff_b).is_active


# --- Lockout (django-axes) -----------------------------------------------------------------------------------


def test_lockout_after_five_failures(world, client):
    for _ in range(4):
        response = login(client, "staff_a", "wrong-password")
        assert response.status_code == 200
    fifth = login(client, "staff_a", "wrong-password")
    assert fifth.status_code == 429
    sixth = login(client, "staff_a", PASSWORD)
    assert sixth.status_code == 429
    body = sixth.content.decode()
    assert 'id="lockout"' in body
    assert "登录失败次数过多" in body
    assert "该账号在本机的登录已锁定 30 分钟" in body
    assert signed_in_as(client) is None


def test_lockout_is_per_user_and_address(world, client):
    for _ in range(5):
        login(client, "staff_a", "wrong-password")
    assert login(client, "staff_a", PASSWORD).status_code == 429
    # Another user from the same machine is not locked out ...
    assert login(client, "staff_b", PASSWORD).status_code == 302
    client.post("/logout/")
    # ... and the same user from another machine is not either.
    assert login(client, "staff_a", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_success_resets_the_failure_count(world, client):
    for _ in range(4):
        login(client, "staff_a", "wrong-password")
    assert login(client, "staff_a", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert login(client, "staff_a", "wrong-password").status_code == 200
    assert login(client, "staff_a", PASSWORD).status_code == 302


# --- Forced password change -----------------------------------------------------------------------------------


def test_reset_password_forces_a_change_at_next_sign_in(world, client):
    services.user_reset_password(actor=world.director_a, user=world.staff_a, password=NEW_PASSWORD)
    assert login(client, "staff_a", NEW_PASSWORD).status_code == 302
    for path in ("/", "/users/", "/orgs/", f"/users/{world.staff_a.pk}/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/password/"
    assert client.get("/password/").status_code == 200
    # The API answers JSON rather than redirecting, and refuses until the password is changed.
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "password_change_required"

    response = client.post(
        "/password/",
        {"old_password": NEW_PASSWORD, "new_password1": "Another-Pass#77", "new_password2": "Another-Pass#77"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not fresh(world.staff_a).must_change_password
    assert client.get("/users/").status_code == 200


def test_reset_password_view(world, client_for):
    client = client_for(world.director_a)
    response = client.post(f"/users/{world.staff_a.pk}/reset-password/", {"password": NEW_PASSWORD})
    assert response.status_code == 302
    user = fresh(world.staff_a)
    assert user.must_change_password
    assert user.check_password(NEW_PASSWORD)
    weak = client.post(f"/users/{world.staff_a.pk}/reset-password/", {"password": "abc"})
    assert weak.status_code == 400
    assert fresh(world.staff_a).check_password(NEW_PASSWORD)


def test_reset_password_view_refused_for_staff(world, client_for):
    response = client_for(world.staff_a).post(
        f"/users/{world.mediator_a1.pk}/reset-password/", {"password": NEW_PASSWORD}
    )
    assert response.status_code in (403, 404)
    assert fresh(world.mediator_a1).check_password(PASSWORD)


# --- Own password page ----------------------------------------------------------------------------------------


def _change(client, old, new1, new2=None):
    return client.post(
        "/password/", {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2}
    )


def test_own_password_wrong_current_password(world, client_for):
    response = _change(client_for(world.staff_a), "wrong-current", NEW_PASSWORD)
    assert response.status_code == 400
    assert "当前密码不正确。" in response.content.decode()
    assert fresh(world.staff_a).check_password(PASSWORD)


def test_own_password_mismatch(world, client_for):
    response = _change(client_for(world.staff_a), PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert response.status_code == 400
    assert "两次输入的新密码不一致。" in response.content.decode()
    assert fresh(world.staff_a).check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["short1A!", "abcdefghijkl", "Password123", PASSWORD])
def test_own_password_weak_or_unchanged(world, client_for, weak):
    response = _change(client_for(world.staff_a), PASSWORD, weak)
    assert response.status_code == 400
    assert response.context["form"].errors.get("new_password1")
    assert fresh(world.staff_a).check_password(PASSWORD)


def test_own_password_success_keeps_the_session(world, client_for):
    client = client_for(world.staff_a)
    response = _change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert fresh(world.staff_a).check_password(NEW_PASSWORD)
    assert client.get("/users/").status_code == 200
    assert AuditEvent.objects.filter(action="user.change_password", actor_user_id=world.staff_a.pk).count() == 1


def test_own_password_page_requires_sign_in(client, db):
    response = client.get("/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- User pages ----------------------------------------------------------------------------------------------


def _listed_usernames(response):
    assert response.status_code == 200
    return {u.username for u in response.context["page"].items}


def test_user_list_is_scoped(world, client_for):
    assert _listed_usernames(client_for(world.director_a).get("/users/")) == {
        "director_a",
        "staff_a",
        "mediator_a1",
        "advisor_a",
    }


def test_user_list_for_city_admin_shows_everyone(world, client_for):
    assert len(_listed_usernames(client_for(world.city_admin).get("/users/"))) == 9


def test_user_list_refused_without_accounts_module(world, client_for):
    assert client_for(world.mediator_a1).get("/users/").status_code == 403


def test_user_list_masks_personal_data(world, client_for):
    User.objects.filter(pk=world.staff_a.pk).update(id_number=valid_id_number(), phone="13800001234")
    body = client_for(world.director_a).get("/users/").content.decode()
    assert valid_id_number() not in body
    assert "3202**********123X" in body
    assert "13800001234" not in body
    assert "138****1234" in body


def test_user_list_filters(world, client_for):
    client = client_for(world.city_admin)
    assert _listed_usernames(client.get("/users/", {"role": Role.DIRECTOR})) == {"director_a", "director_b"}
    assert _listed_usernames(client.get("/users/", {"q": "STAFF"})) == {"staff_a", "staff_b"}
    services.user_set_active(actor=world.city_admin, user=world.staff_b, active=False)
    assert _listed_usernames(client.get("/users/", {"active": "0"})) == {"staff_b"}


def test_user_list_pages_by_key(world, client_for, settings):
    settings.FENGQIAO = {**settings.FENGQIAO, "PAGE_SIZE": 50}
    for i in range(55):
        make_user(world.office_a, Role.STAFF, username=f"page{i:02d}")
    client = client_for(world.director_a)
    first = client.get("/users/")
    names = [u.username for u in first.context["page"].items]
    assert len(names) == 50
    assert names == sorted(names)
    second = client.get("/users/", {"cursor": first.context["page"].next_cursor})
    more = [u.username for u in second.context["page"].items]
    assert not set(names) & set(more)
    assert len(names) + len(more) == 59


def test_user_list_query_count_does_not_grow_with_rows(world, client_for, django_assert_max_num_queries):
    client = client_for(world.director_a)
    client.get("/users/")  # warm up session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/users/").status_code == 200
    for i in range(30):
        user = make_user(
            world.village_a2 if i % 2 else world.office_a, Role.STAFF, Role.EDUCATION_OFFICER, username=f"extra{i:02d}"
        )
        user.served_villages.set([world.village_a1])
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get("/users/")
    assert len(response.context["page"].items) == min(34, settings.FENGQIAO["PAGE_SIZE"])
    assert len(many) == len(few)


def test_user_detail_is_scoped(world, client_for):
    client = client_for(world.director_a)
    assert client.get(f"/users/{world.staff_a.pk}/").status_code == 200
    assert client.get(f"/users/{world.staff_b.pk}/").status_code == 404
    assert client.get("/users/999999/").status_code == 404


def test_user_create_page_renders_grantable_roles_only(world, client_for):
    response = client_for(world.director_a).get("/users/new/")
    assert response.status_code == 200
    roles = {code for code, _ in response.context["form"].fields["roles"].choices}
    assert Role.STAFF in roles
    assert Role.DIRECTOR not in roles
    assert Role.CITY_ADMIN not in roles


def test_user_create_page_creates_a_user(world, client_for):
    client = client_for(world.director_a)
    response = client.post(
        "/users/new/",
        {
            "username": "web_new",
            "full_name": "网页新建",
            "unit": world.office_a.pk,
            "roles": [Role.STAFF],
            "password": NEW_PASSWORD,
            "title": "",
            "phone": "",
            "id_number": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    user = User.objects.get(username="web_new")
    assert user.role_codes == {Role.STAFF}
    assert user.office_id == world.office_a.pk
    assert user.must_change_password


def test_user_create_page_refuses_another_office(world, client_for):
    client = client_for(world.director_a)
    response = client.post(
        "/users/new/",
        {
            "username": "web_new",
            "full_name": "网页新建",
            "unit": world.office_b.pk,
            "roles": [Role.STAFF],
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="web_new").exists()


def test_user_create_page_refused_for_staff(world, client_for):
    assert client_for(world.staff_a).get("/users/new/").status_code == 403


def test_user_edit_page_saves_changes(world, client_for):
    client = client_for(world.director_a)
    response = client.post(
        f"/users/{world.staff_a.pk}/edit/",
        {
            "full_name": "网页改名",
            "unit": world.office_a.pk,
            "roles": [Role.STAFF],
            "title": "科员",
            "phone": "13800001234",
            "id_number": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    user = fresh(world.staff_a)
    assert (user.full_name, user.title, user.phone) == ("网页改名", "科员", "13800001234")


def test_user_edit_page_of_another_office_is_404(world, client_for):
    client = client_for(world.director_a)
    assert client.get(f"/users/{world.staff_b.pk}/edit/").status_code == 404
    response = client.post(
        f"/users/{world.staff_b.pk}/edit/", {"full_name": "越权", "unit": world.office_b.pk, "roles": [Role.STAFF]}
    )
    assert response.status_code == 404
    assert fresh(world.staff_b).full_name != "越权"


def test_village_user_is_created_through_unit_and_village(world, client_for):
    client = client_for(world.director_a)
    fragment = client.get(f"/users/village-fields/?unit={world.office_a.pk}").content.decode()
    assert "甲一村" in fragment and "乙一村" not in fragment
    # Another office's unit is not a choice: its villages are not listed.
    assert "乙一村" not in client.get(f"/users/village-fields/?unit={world.office_b.pk}").content.decode()
    response = client.post(
        "/users/new/",
        {
            "username": "cun_tiaojie",
            "full_name": "村调解员",
            "unit": world.office_a.pk,
            "village": world.village_a2.pk,
            "roles": [Role.MEDIATOR],
            "password": "Str0ng-Passw0rd!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="cun_tiaojie").org_id == world.village_a2.pk


def test_a_village_of_another_office_is_refused(world, client_for):
    client = client_for(world.city_admin)
    response = client.post(
        "/users/new/",
        {
            "username": "mismatch",
            "full_name": "错配",
            "unit": world.office_a.pk,
            "village": world.village_b1.pk,
            "roles": [Role.MEDIATOR],
            "password": "Str0ng-Passw0rd!",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="mismatch").exists()
