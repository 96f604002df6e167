"""Create the helpdesk's queues and staff agents for the benchmark, and sign one agent in.

Prints one JSON object: the queue ids, the agent user ids, and the session cookie of the agent the
benchmark measures as (a staff user, as helpdesk's staff pages require).
"""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.test import Client
from helpdesk.models import Queue

QUEUES = [
    ("Neighbourhood", "neighbourhood"),
    ("Family and marriage", "family"),
    ("Contracts and debts", "contracts"),
    ("Labour", "labour"),
    ("Traffic accidents", "traffic"),
    ("Property management", "property"),
    ("Land and housing", "land"),
    ("Consumer", "consumer"),
]


class Command(BaseCommand):
    help = "Queues, staff agents and a signed-in session for the benchmark (prints JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=20)

    def handle(self, *args, agents, **options):
        User = get_user_model()
        queues = [
            Queue.objects.get_or_create(
                slug=slug, defaults={"title": title, "email_address": f"{slug}@helpdesk.example.org"}
            )[0]
            for title, slug in QUEUES
        ]
        users = []
        for i in range(agents):
            user, created = User.objects.get_or_create(
                username=f"agent{i + 1}",
                defaults={"is_staff": True, "email": f"agent{i + 1}@helpdesk.example.org"},
            )
            if created:
                user.set_password("agent-password")
                user.save()
            users.append(user)
        client = Client()
        client.force_login(users[0])
        print(
            json.dumps(
                {
                    "queues": [q.pk for q in queues],
                    "agents": [u.pk for u in users],
                    "agent": users[0].username,
                    "agent_email": users[0].email,
                    "session_cookie": settings.SESSION_COOKIE_NAME,
                    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                }
            )
        )
