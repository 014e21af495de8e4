"""Alembic environment: migrate the database of the current Flask app."""

from alembic import context
from flask import current_app

config = context.config
database = current_app.extensions["migrate"].db
configure_args = current_app.extensions["migrate"].configure_args


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`flask db upgrade --sql`)."""
    url = database.engine.url.render_as_string(hide_password=False)
    context.configure(
        url=url, target_metadata=database.metadata, literal_binds=True, **configure_args
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(context, revision, directives):
        # `flask db migrate` with no model change should write no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    configure_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying and dropping it; with foreign keys on, the drop
            # would cascade and empty every table that refers to it.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()  # end SQLAlchemy's implicit transaction: Alembic opens its own
        context.configure(
            connection=connection, target_metadata=database.metadata, **configure_args
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
