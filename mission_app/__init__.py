"""Trade Mission Manager: the application factory."""

from __future__ import annotations

import os

from flask import Flask

from config import CONFIGS, INSTANCE_DIR


def create_app(config_name: str | None = None, **overrides) -> Flask:
    config_name = config_name or os.environ.get("APP_ENV", "production")
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides)
    CONFIGS[config_name].check(app)
    os.makedirs(app.instance_path, exist_ok=True)

    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from mission_app import i18n, security, templating
    from mission_app.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)


def register_converters(app: Flask) -> None:
    """Before the blueprints, whose `<int:...>` rules take the converter when they are added."""
    from mission_app.converters import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    from mission_app.auth.routes import bp as auth_bp
    from mission_app.organiser import bp as organiser_bp
    from mission_app.portal import bp as portal_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(organiser_bp)
    app.register_blueprint(portal_bp)


def register_cli(app: Flask) -> None:
    from mission_app.cli import mission_cli, user_cli

    app.cli.add_command(mission_cli)
    app.cli.add_command(user_cli)


def register_errorhandlers(app: Flask) -> None:
    from mission_app.errors import init_app

    init_app(app)
