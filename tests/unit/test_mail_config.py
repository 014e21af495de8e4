"""Mail settings come from the environment, with harmless defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

READ = (
    "import json, config; c = config.Config; print(json.dumps([c.MAIL_SERVER, c.MAIL_PORT, "
    "c.MAIL_USE_TLS, c.MAIL_USERNAME, c.MAIL_PASSWORD, c.MAIL_DEFAULT_SENDER]))"
)


def _settings(read: str = READ, **env) -> list:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAIL_")}
    output = subprocess.run(
        [sys.executable, "-c", read],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return json.loads(output)


def test_mail_settings_default_to_a_local_server_without_secrets():
    assert _settings() == [
        "localhost",
        25,
        False,
        "",
        "",
        "Trade Mission Manager <no-reply@localhost>",
    ]


def test_mail_settings_are_read_from_the_environment():
    assert _settings(
        MAIL_SERVER="smtp.agence.example",
        MAIL_PORT="587",
        MAIL_USE_TLS="yes",
        MAIL_USERNAME="missions",
        MAIL_PASSWORD="s3cret",
        MAIL_DEFAULT_SENDER="Agence <missions@agence.example>",
    ) == [
        "smtp.agence.example",
        587,
        True,
        "missions",
        "s3cret",
        "Agence <missions@agence.example>",
    ]


TLS_READ = (
    "import json, config; c = config.Config; "
    "print(json.dumps([c.MAIL_USE_SSL, c.MAIL_TLS_CA_FILE]))"
)


def test_tls_from_the_first_byte_and_a_private_ca_are_read_from_the_environment():
    assert _settings(TLS_READ) == [False, None]
    assert _settings(TLS_READ, MAIL_USE_SSL="1", MAIL_TLS_CA_FILE="/etc/agence/ca.pem") == [
        True,
        "/etc/agence/ca.pem",
    ]
