"""Settings that must hold before the first request."""

import pytest

from mission_app import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app("production", SECRET_KEY=None, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_sends_session_cookies_over_https_only(monkeypatch):
    app = create_app("production", SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_is_the_default_environment(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app(SQLALCHEMY_DATABASE_URI="sqlite://")


def test_cli_reports_a_bad_account_in_french_instead_of_crashing(app_ctx):
    result = app_ctx.test_cli_runner().invoke(
        args=["user", "create", "pas-une-adresse", "--password", "court"]
    )
    assert result.exit_code == 1
    assert "« pas-une-adresse » n'est pas une adresse e-mail." in result.output
    assert "Utilisez au moins 10 caractères." in result.output


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one():
    app = create_app("testing", TRUSTED_PROXIES=1, SQLALCHEMY_DATABASE_URI="sqlite://")

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    response = app.test_client().get(
        "/whoami",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.get_data(as_text=True) == "203.0.113.7"
