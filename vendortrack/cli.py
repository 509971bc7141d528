"""Flask commands: create-user, seed-demo (and more as the product grows)."""
from __future__ import annotations

import sys

import click
from flask import Flask

from .domain.vocabulary import ROLES


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _check_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None


def init_app(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", required=True, help="The person's full name.")
    @click.option("--role", required=True, type=click.Choice(list(ROLES)),
                  help="What the person may do.")
    @click.option("--break-glass", is_flag=True,
                  help="May sign in with a password even when PASSWORD_LOGIN is off.")
    def create_user(email: str, name: str, role: str, break_glass: bool) -> None:
        """Create an account. The password is prompted for twice on a terminal, otherwise
        read as one line from standard input."""
        from . import services

        email = _check_email(email)
        if services.find_user(email):
            raise click.ClickException(f"an account for {email} already exists")
        password = _read_password()
        if len(password) < 12:
            raise click.ClickException("the password must have at least 12 characters")
        user = services.create_user(email=email, name=name, role=role, password=password,
                                    actor=None, break_glass=break_glass)
        click.echo(f"Created {'break-glass ' if break_glass else ''}{ROLES[role].lower()} "
                   f"{user.name} <{user.email}>.")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option("--name", default="Command line", show_default=True,
                  help="What the token is for.")
    def create_token_command(email: str, name: str) -> None:
        """Create a personal API token for EMAIL and print it (shown only this once)."""
        from . import services
        from .tokens import create_token

        user = services.find_user(email)
        if user is None or not user.active:
            raise click.ClickException(f"there is no active account for {email}")
        click.echo(create_token(user, name))

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    @click.option("--force", is_flag=True,
                  help="Overwrite PATH if it exists (never the live database).")
    def backup(path: str, force: bool) -> None:
        """Copy the SQLite database to PATH while the app keeps serving (SQLite backup API)."""
        import os

        from .backup import BackupRefused, backup_sqlite
        from .extensions import db

        if db.engine.dialect.name != "sqlite":
            raise click.ClickException(
                "this database is PostgreSQL: back it up with pg_dump (see README)")
        if os.path.exists(path) and not force:
            raise click.ClickException(f"{path} exists; choose another name or add --force")
        try:
            pages = backup_sqlite(db.engine.url.database, path)
        except BackupRefused as refusal:
            raise click.ClickException(str(refusal)) from None
        click.echo(f"Backed up {pages} pages to {path}.")

    @app.cli.command("seed-demo")
    @click.option("--engagements", "count", type=click.IntRange(1, 1_000_000), default=200,
                  show_default=True, help="How many demo engagements to add.")
    @click.option("--seed", "seed_value", type=int, default=7, show_default=True,
                  help="Random seed: the same seed gives the same data.")
    def seed_demo(count: int, seed_value: int) -> None:
        """Add realistic demo engagements (with gaps that make risk flags fire)."""
        import time

        from . import demo
        from .clock import today

        started = time.perf_counter()
        added = demo.seed(count, today(), seed_value)
        click.echo(f"Added {added} demo engagements in {time.perf_counter() - started:.1f} s.")

