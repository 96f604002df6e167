from fengqiao.orgs.forms import OrgCreateForm
def test_w(world, client_for):
    f = OrgCreateForm({"kind": "village", "name": "x"}, parent=world.office_a)
    print(f.is_valid(), f.errors)
    f = OrgCreateForm({"kind": "village", "name": "x"}, parent=world.office_a)
    print(f.fields["kind"].choices)
    print(f.is_valid(), f.errors)
