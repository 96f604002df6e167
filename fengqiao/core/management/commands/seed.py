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

    def handle(self, *args, scale, if_empty, seed, **options):
        if OrgNode.objects.exists():
            if if_empty:
                self.stdout.write("The database already holds data; nothing seeded.")
                return
            raise CommandError("The database already holds organisations; seed only an empty database.")
        ctx = run_seed(scale, stdout=self.stdout, seed=seed)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({scale})."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for label, username, unit in ctx.logins:
            self.stdout.write(f"  {label:<12}  {username:<28} {unit}")
