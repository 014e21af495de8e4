"""Test fixtures: the app on a real database (SQLite file or PostgreSQL), clients, users.

TEST_DATABASE_URL chooses the database; without it, a fresh SQLite file per test run. The schema
is built by running the Alembic migrations, so that the migrations are tested too.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from mission_app import create_app
from mission_app.extensions import db, huey
from tests import factories

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[1]


class Client(FlaskClient):
    """A browser-like client: its own login, and a CSRF token read from a real page."""

    def open(self, *args, **kwargs):
        # Each request runs in its own app context, with its own g and database session, as
        # in production. What the test wrote is committed first, so that the request sees it,
        # and the test's objects are expired afterwards, so that they show what it changed.
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response

    def csrf_token(self, url: str = "/login") -> str:
        page = self.get(url).get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST like a browser submitting the form on `url`, with its CSRF token."""
        form = {"csrf_token": self.csrf_token(kwargs.pop("token_from", url))}
        form.update(data or {})
        return self.post(url, data=form, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


def page_text(response) -> str:
    """The page as a reader sees it: HTML entities such as &#39; decoded."""
    return html.unescape(response.get_data(as_text=True))


def _reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql"):
            assert "test" in url.rsplit("/", 1)[-1], "the test database's name must say 'test'"
            _reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url):
    # The compiled catalogs are build products: compile them, so French pages are current.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "compile",
            "--use-fuzzy",
            "-d",
            str(ROOT / "translations"),
        ],
        check=True,
    )
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    app.test_client_class = Client
    # Jobs run at once, in the caller's process and app context; a test that needs the real
    # queue and a consumer switches this off.
    huey.immediate = True
    with app.app_context():
        upgrade()
    return app


def _empty_all_tables() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def app_ctx(app):
    """An app context with an empty database; everything written is wiped afterwards."""
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        _empty_all_tables()


@pytest.fixture
def client(app_ctx) -> Client:
    return app_ctx.test_client()


@pytest.fixture
def other_client(app_ctx) -> Client:
    """A second browser, for a second user."""
    return app_ctx.test_client()


@pytest.fixture
def mission(app_ctx):
    return factories.MissionFactory()


@pytest.fixture
def organiser(mission):
    """A user with the organiser role on `mission`."""
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=mission, role="organiser")
    db.session.commit()
    return user


@pytest.fixture
def viewer(mission):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=mission, role="viewer")
    db.session.commit()
    return user


@pytest.fixture
def logged_in(client, organiser) -> Client:
    """`client`, logged in as the organiser of `mission`."""
    client.login(organiser.email)
    return client
