import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts import services
from fengqiao.core.errors import DomainError
from fengqiao.core.permissions import Role
from fengqiao.orgs import services as org_services
from fengqiao.orgs.models import OrgKind, OrgNode


class Command(BaseCommand):
    help = "Create a city-bureau administrator (and the bureau node itself on an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument(
            "--password",
            help="Prefer FENGQIAO_ADMIN_PASSWORD or the prompt: a password on the command line is visible to "
            "other users of the machine.",
        )
        parser.add_argument("--org", type=int, help="Id of the bureau node; default: the root of the tree.")
        parser.add_argument(
            "--bureau-name", default="江阴市", help="Name of the city to create when the tree is empty."
        )

    def handle(self, *args, username, full_name, password, org, bureau_name, **options):
        if org:
            node = OrgNode.objects.filter(pk=org).first()
            if node is None or not node.is_bureau:
                raise CommandError(f"No bureau with id {org}.")
        else:
            node = OrgNode.objects.filter(parent__isnull=True).order_by("pk").first()
            if node is None:
                node = org_services.org_create(
                    actor=None,
                    kind=OrgKind.CITY,
                    name=bureau_name,
                    parent=None,
                    office_name=f"{bureau_name}司法局",
                )
                self.stdout.write(f"Created the bureau {node.office_name}.")
        password = password or os.environ.get("FENGQIAO_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = services.user_create(
                actor=None,
                username=username,
                org=node,
                roles=[Role.CITY_ADMIN],
                password=password,
                full_name=full_name,
                must_change_password=False,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Administrator {user.username} created at {node.display_name}."))
