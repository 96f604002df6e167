#!/usr/bin/env python
"""manage.py of the django-helpdesk comparison site (run with var/bench/helpdesk-venv/bin/python)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
