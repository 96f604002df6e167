"""The `fengqiao` console command: what an operator needs, without knowing Django."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

COMMANDS = {
    "serve": "Run the web server (gunicorn) and the background task worker",
    "worker": "Run only the background task worker",
    "migrate": "Create or upgrade the database tables",
    "seed": "Build the demo city (--scale city) or a province data set (--scale province)",
    "createadmin": "Create a city-bureau administrator",
    "demo": "migrate, collect static files, seed the demo city if empty, and serve",
    "check": "Check the configuration (add --deploy for production checks)",
    "collectstatic": "Gather static files for WhiteNoise",
    "manage": "Run any Django management command (fengqiao manage help)",
}


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    import django

    django.setup()


def _manage(*argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fengqiao", *argv])


def _serve(host: str, port: int, workers: int, with_worker: bool):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="fengqiao.settings")
    children = []
    if with_worker:
        children.append(subprocess.Popen([sys.executable, "-m", "fengqiao.cli", "worker"], env=env))
        # The daily reminder of overdue rectifications is a task that queues its own next run;
        # make sure one is waiting.
        reminders = [sys.executable, "-m", "fengqiao.cli", "manage", "rectification_reminders", "--schedule"]
        subprocess.run(reminders, env=env, check=False)  # noqa: S603 - our own command line
        # The corrections sweeps (漏管, 脱管, 信号中断, escalation) run every minute next to the worker.
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "fengqiao.cli", "manage", "corrections_sweep", "--every", "60"], env=env
            )
        )
    web = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fengqiao.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ],
        env=env,
    )
    children.append(web)

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = web.wait()
    stop()
    for child in children:
        child.wait()
    return code


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="fengqiao",
        description="Fengqiao (枫桥): work platform of judicial offices and the city justice bureau.",
        epilog="Run `fengqiao COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in ("serve", "demo"):
        p = sub.add_parser(name, help=COMMANDS[name])
        p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        p.add_argument("--no-worker", action="store_true", help="Do not start the task worker")
    sub.add_parser("worker", help=COMMANDS["worker"])
    sub.add_parser("migrate", help=COMMANDS["migrate"])
    p = sub.add_parser("seed", help=COMMANDS["seed"])
    p.add_argument("--scale", choices=["city", "province"], default="city")
    p.add_argument("--if-empty", action="store_true")
    p.add_argument("--disputes", type=int, default=5_000_000, help="province scale: disputes to generate")
    p = sub.add_parser("createadmin", help=COMMANDS["createadmin"])
    p.add_argument("--username", default="admin")
    p.add_argument("--password")
    p.add_argument("--full-name", default="系统管理员")
    p = sub.add_parser("check", help=COMMANDS["check"])
    p.add_argument("--deploy", action="store_true")
    sub.add_parser("collectstatic", help=COMMANDS["collectstatic"])
    p = sub.add_parser("manage", help=COMMANDS["manage"])
    p.add_argument("args", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    cmd = args.command
    if cmd == "serve":
        # Idempotent and quick: the manifest WhiteNoise serves from always matches the code.
        _manage("collectstatic", "--noinput", "-v", "0")
        return _serve(args.host, args.port, args.workers, not args.no_worker)
    if cmd == "demo":
        _manage("migrate", "--noinput", "-v", "0")
        _manage("collectstatic", "--noinput", "-v", "0")
        _manage("seed", "--scale", "city", "--if-empty")
        print(f"\nFengqiao is running at http://{args.host}:{args.port}/  (Ctrl-C stops it)\n", flush=True)
        return _serve(args.host, args.port, args.workers, not args.no_worker)
    if cmd == "worker":
        _manage("db_worker")
    elif cmd == "migrate":
        _manage("migrate", "--noinput")
    elif cmd == "seed":
        _manage(
            "seed",
            "--scale",
            args.scale,
            "--disputes",
            str(args.disputes),
            *(["--if-empty"] if args.if_empty else []),
        )
    elif cmd == "createadmin":
        extra = ["--password", args.password] if args.password else []
        _manage("createadmin", "--username", args.username, "--full-name", args.full_name, *extra)
    elif cmd == "check":
        _manage("check", *(["--deploy", "--fail-level", "WARNING"] if args.deploy else []))
    elif cmd == "collectstatic":
        _manage("collectstatic", "--noinput")
    elif cmd == "manage":
        _manage(*args.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
