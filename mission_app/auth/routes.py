"""Logging in and out, and choosing the interface language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from mission_app.auth.forms import LanguageForm, LoginForm
from mission_app.extensions import db
from mission_app.services.accounts import authenticate
from mission_app.services.errors import LoginThrottled

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so that the login page cannot be used to send users elsewhere."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("organiser.list_missions")


@bp.get("/")
def index():
    return redirect(url_for("organiser.list_missions"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("organiser.list_missions"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(
                form.email.data,
                form.password.data,
                address=request.remote_addr or "unknown",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                window_seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"],
            )
        except LoginThrottled as throttled:
            minutes = max(1, round(throttled.retry_after_seconds / 60))
            form.form_errors.append(
                _("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes)
            )
            return render_template("auth/login.html", form=form), 429
        db.session.commit()
        if user is None:
            form.form_errors.append(_("Wrong e-mail or password."))
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        return redirect(_safe_next(form.next.data))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(
        _safe_next(form.next.data or request.referrer and urlsplit(request.referrer).path)
    )
