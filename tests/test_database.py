"""Database settings from the environment, and URLs that never leak a password."""

from __future__ import annotations

import pytest

from conformance.runner.database import DatabaseConfigError, database_settings_from_env, mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:secret@h:5432/d", "postgresql://u:***@h:5432/d"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("postgresql://u:p%40ss@h/d", "postgresql://u:***@h/d"),
        ("postgresql://h/d", "postgresql://h/d"),
    ],
)
def test_mask_url_hides_only_the_password(url, shown):
    assert mask_url(url) == shown


def test_each_run_gets_its_own_test_database_name():
    env = {
        "CONFORMANCE_BACKEND": "postgresql",
        "CONFORMANCE_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/conformance",
    }
    first = database_settings_from_env(env | {"CONFORMANCE_DB_SUFFIX": "a_1"})
    second = database_settings_from_env(env | {"CONFORMANCE_DB_SUFFIX": "a_2"})
    assert first["TEST"]["NAME"] != second["TEST"]["NAME"]


def test_a_socket_directory_url_is_understood():
    settings = database_settings_from_env(
        {
            "CONFORMANCE_BACKEND": "postgresql",
            "CONFORMANCE_DATABASE_URL": "postgresql://postgres@%2Ftmp%2Fpg%2Fdata/conformance",
        }
    )
    assert settings["HOST"] == "/tmp/pg/data"


def test_postgresql_without_a_url_names_the_fix():
    with pytest.raises(DatabaseConfigError, match="CONFORMANCE_DATABASE_URL is not set"):
        database_settings_from_env({"CONFORMANCE_BACKEND": "postgresql"})


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(DatabaseConfigError, match="use sqlite or postgresql"):
        database_settings_from_env({"CONFORMANCE_BACKEND": "oracle"})
