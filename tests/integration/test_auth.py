from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import LoginAttempt, User
from mission_app.services.accounts import create_user
from tests.conftest import PASSWORD, page_text


def test_login_with_right_password_opens_missions(client, organiser, mission):
    response = client.login(organiser.email)
    assert response.headers["Location"] == "/missions/"
    page = client.get("/missions/").get_data(as_text=True)
    assert mission.title in page


def test_login_with_wrong_password_is_refused_and_recorded(client, organiser):
    response = client.post_form("/login", {"email": organiser.email, "password": "wrong pass"})
    assert response.status_code == 401
    assert "Mauvais e-mail ou mot de passe." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1


def test_login_after_five_failures_is_throttled_even_with_right_password(client, organiser):
    for _ in range(5):
        client.post_form("/login", {"email": organiser.email, "password": "wrong pass"})
    response = client.post_form("/login", {"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert client.get("/missions/").status_code == 302  # still logged out


def test_login_without_csrf_token_is_refused(client, organiser):
    response = client.post("/login", data={"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/missions/").status_code == 302


def test_login_next_parameter_cannot_leave_the_site(client, organiser):
    response = client.post_form(
        "/login",
        {"email": organiser.email, "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert response.headers["Location"] == "/missions/"


def test_logout_ends_the_session(logged_in):
    token = logged_in.csrf_token("/missions/")
    response = logged_in.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert logged_in.get("/missions/").headers["Location"].startswith("/login")


def test_session_cookie_is_httponly_and_samesite(client, organiser):
    response = client.login(organiser.email)
    cookies = [value for key, value in response.headers if key == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_password_is_stored_as_argon2id_hash(app_ctx):
    user = create_user("New.Person@Example.org", "a long enough password")
    db.session.commit()
    stored = db.session.get(User, user.id)
    assert stored.email == "new.person@example.org"
    assert stored.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in stored.password_hash


def test_language_switch_shows_english(client):
    assert "Se connecter" in client.get("/login").get_data(as_text=True)
    token = client.csrf_token()
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_expired_form_sent_by_htmx_asks_the_page_to_reload(logged_in, mission):
    response = logged_in.post(
        f"/missions/{mission.id}/edit", data={"title": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"


def test_other_peoples_failures_from_the_same_address_do_not_lock_me_out(client, organiser):
    for n in range(5):
        client.post_form("/login", {"email": f"typo{n}@agence.example", "password": "wrong"})
    response = client.login(organiser.email)
    assert response.headers["Location"] == "/missions/"


def test_many_failures_from_one_address_throttle_that_address(client, organiser, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 1)  # so 10 from one address
    for n in range(10):
        client.post_form("/login", {"email": f"guess{n}@agence.example", "password": "wrong"})
    response = client.post_form("/login", {"email": organiser.email, "password": PASSWORD})
    assert response.status_code == 429


def test_upload_over_the_request_limit_goes_back_to_the_form_with_the_limit(logged_in, app):
    import io

    too_big = io.BytesIO(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    response = logged_in.post_form(
        "/missions/import",
        {"file": (too_big, "mission.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Le fichier est trop volumineux : la limite est de 5 Mo." in page_text(response)
