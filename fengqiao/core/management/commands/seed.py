from django.core.management.base import BaseCommand, CommandError

from fengqiao.core.demo import DEMO_PASSWORD, run_seed
from fengqiao.orgs.models import OrgNode


class Command(BaseCommand):
    help = "Build the deterministic demo city (江阴市) or a province-sized data set for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["city", "province"], default="city")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already holds organisations.",
        )
        parser.add_argument("--seed", type=int, default=2019, help="Random seed (the data are deterministic).")
        parser.add_argument(
            "--disputes",
            type=int,
            default=5_000_000,
            help="With --scale province: how many disputes to generate (ten years; 0 for the org tree only).",
        )

    def handle(self, *args, scale, if_empty, seed, disputes, **options):
        if OrgNode.objects.exists():
            if if_empty:
                self.stdout.write("The database already holds data; nothing seeded.")
                self._print_existing_logins()
                return
            raise CommandError("The database already holds organisations; seed only an empty database.")
        if disputes < 0:
            raise CommandError("--disputes cannot be negative.")
        ctx = run_seed(scale, stdout=self.stdout, seed=seed, province_disputes=disputes)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({scale})."))
        self._print_logins(ctx.logins)

    def _print_existing_logins(self):
        """The demo logins that still exist (demo passwords may have been changed since)."""
        from fengqiao.accounts.models import User
        from fengqiao.core.demo import DEMO_LOGINS

        users = {u.username: u for u in User.objects.filter(username__in=DEMO_LOGINS).select_related("org")}
        rows = [
            (" / ".join(u.role_labels()), name, u.org.display_name) for name in DEMO_LOGINS if (u := users.get(name))
        ]
        if rows:
            self._print_logins(rows, note=" (unless changed since)")

    def _print_logins(self, rows, note=""):
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}{note}):")
        for label, username, unit in rows:
            self.stdout.write(f"  {label:<12}  {username:<28} {unit}")
