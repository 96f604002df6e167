import io

from openpyxl import load_workbook

from fengqiao.accounts.models import User
from fengqiao.core.models import AuditEvent, AuditKind
from fengqiao.testing.factories import valid_id_number


def _rows(response):
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_director_exports_own_office_masked_and_audited(world, client_for):
    User.objects.filter(pk=world.staff_a.pk).update(id_number=valid_id_number(), phone="13812345678")
    response = client_for(world.director_a).get("/users/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _rows(response)
    usernames = {r[1] for r in rows[1:]}
    assert "staff_a" in usernames and "director_a" in usernames
    assert "staff_b" not in usernames and "cityadmin" not in usernames
    staff = next(r for r in rows if r[1] == "staff_a")
    assert staff[5] == "138****5678"
    assert staff[6].startswith("3202") and "*" in staff[6] and valid_id_number() not in staff
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert event.actor_user_id == world.director_a.pk and event.changes["rows"] == len(rows) - 1


def test_export_follows_the_filters(world, client_for):
    response = client_for(world.city_admin).get(f"/users/export/?unit={world.office_b.pk}&role=staff")
    assert [r[1] for r in _rows(response)[1:]] == ["staff_b"]


def test_export_needs_the_export_action(world, client_for):
    assert client_for(world.mediator_a1).get("/users/export/").status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditKind.EXPORT).exists()


def test_export_neutralises_formulas(world, client_for):
    User.objects.filter(pk=world.staff_a.pk).update(full_name='=HYPERLINK("http://x")')
    rows = _rows(client_for(world.director_a).get("/users/export/"))
    cell = next(r[0] for r in rows if r[1] == "staff_a")
    assert cell.startswith("'=")
