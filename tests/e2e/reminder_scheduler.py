"""Reminder schedulers as processes of their own, for ``tests/e2e/test_reminder_failover.py``.

    python -m tests.e2e.reminder_scheduler --database-url URL --token T --api-url URL \\
        [--interval 0.05]

This parent process imports the bot once, then reads commands on stdin: ``start NAME``
forks a scheduler process named ``NAME`` (a new process, as gunicorn's *preload* starts
its workers: a restart costs milliseconds, not the 3 s of imports that a busy machine
would multiply by the number of kills) and prints ``pid NAME PID``. Each scheduler
builds what ``ceres-assist bot`` builds (:func:`bot.app.build_application`: the bot
with its rate limiter and retries, the services), prints ``ready NAME PID`` once it
can send, and runs the job of the reminders (:func:`bot.reminders.run_pass`) every
``--interval`` seconds instead of every five minutes; it serves no update. Its clock is
the process's (``CERES_FAKE_NOW``, read by :meth:`ceres_core.core.Core.from_url`);
``NAME`` is the PostgreSQL ``application_name`` of its connections, so the test sees
which process holds the scheduler's lock (``pg_locks``). Logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from urllib.parse import quote

from bot import reminders as rem
from bot.app import build_application
from bot.config import BotConfig
from bot.runtime import Services
from ceres_core.core import Core
from knowledge.matcher import default_matcher
from knowledge.procedure_engine import load_procedures


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write: lines of parent and children stay whole


async def serve(args: argparse.Namespace, name: str, knowledge: tuple) -> None:
    sep = "&" if "?" in args.database_url else "?"
    core = Core.from_url(f"{args.database_url}{sep}application_name={quote(name)}")
    config = BotConfig(token=args.token, api_url=args.api_url.rstrip("/"))
    app = build_application(config, Services(core, *knowledge, config))
    await app.initialize()  # getMe; no updates, no job queue: the loop below is the job
    _say(f"ready {name} {os.getpid()}")
    svc = app.bot_data["services"]
    log = logging.getLogger(name)
    while True:
        try:
            sent = await rem.run_pass(app.bot, svc)
        except Exception:  # as bot.reminders._job: log, and the next pass tries again
            log.warning("reminders pass failed", exc_info=True)
        else:
            if sent:
                log.info("sent %d digest(s)", sent)
        await asyncio.sleep(args.interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    knowledge = (default_matcher(), load_procedures())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the children are reaped by the kernel
    _say("parent ready")
    for line in sys.stdin:
        command, _, name = line.strip().partition(" ")
        if command != "start" or not name:
            continue
        pid = os.fork()
        if pid == 0:  # the scheduler: nothing of the parent runs here any more
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                asyncio.run(serve(args, name, knowledge))
            finally:
                os._exit(1)
        _say(f"pid {name} {pid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
