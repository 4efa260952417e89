"""Database settings from the environment, and URLs that never leak a password."""

from __future__ import annotations

import pytest

from conformance.runner.database import (
    DatabaseConfigError,
    database_settings_from_env,
    mask_settings,
    mask_url,
    remove_sqlite_files,
    sqlite_dir,
)


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


def test_a_url_of_an_unknown_server_names_the_known_ones():
    with pytest.raises(DatabaseConfigError, match="is not a PostgreSQL or MariaDB URL"):
        database_settings_from_env(
            {"CONFORMANCE_BACKEND": "mine", "CONFORMANCE_DATABASE_URL": "oracle://u@h/d"}
        )


def test_a_mariadb_url_gets_a_utf8mb4_test_database():
    settings = database_settings_from_env(
        {"CONFORMANCE_BACKEND": "mariadb", "CONFORMANCE_DATABASE_URL": "mysql://root@h:3306/c"}
    )
    assert settings["ENGINE"] == "django.db.backends.mysql"
    assert settings["TEST"]["CHARSET"] == "utf8mb4"
    assert settings["OPTIONS"]["charset"] == "utf8mb4"


def test_a_mariadb_scheme_is_read_as_mysql():
    settings = database_settings_from_env(
        {"CONFORMANCE_BACKEND": "mariadb", "CONFORMANCE_DATABASE_URL": "mariadb://root@h/c"}
    )
    assert settings["ENGINE"] == "django.db.backends.mysql"


def test_a_column_of_one_server_refuses_a_url_of_another():
    with pytest.raises(DatabaseConfigError, match="is not a MariaDB URL"):
        database_settings_from_env(
            {"CONFORMANCE_BACKEND": "mariadb", "CONFORMANCE_DATABASE_URL": "postgresql://h/d"}
        )


def test_a_column_s_own_settings_are_merged_over_the_url_s():
    settings = database_settings_from_env(
        {
            "CONFORMANCE_BACKEND": "pool",
            "CONFORMANCE_DATABASE_URL": "postgresql://postgres@h/d",
            "CONFORMANCE_BACKEND_SETTINGS": '{"CONN_MAX_AGE": null, "OPTIONS": {"pool": true}}',
        }
    )
    assert settings["CONN_MAX_AGE"] is None
    assert settings["OPTIONS"] == {"connect_timeout": 5, "pool": True}


def test_secrets_in_a_column_s_settings_are_masked():
    shown = mask_settings({"OPTIONS": {"password": "hunter2", "sslmode": "require"}})
    assert shown == {"OPTIONS": {"password": "***", "sslmode": "require"}}


def test_each_sqlite_run_gets_a_test_database_file_of_its_own():
    first = database_settings_from_env(
        {"CONFORMANCE_BACKEND": "sqlite", "CONFORMANCE_DB_SUFFIX": "a_1"}
    )
    second = database_settings_from_env(
        {"CONFORMANCE_BACKEND": "sqlite", "CONFORMANCE_DB_SUFFIX": "a_2"}
    )
    # A file, never Django's shared-cache in-memory database, whose one lock serialises every
    # thread's statements (and deadlocks a statement calling back into Python).
    assert first["TEST"]["NAME"].endswith("test_conformance_a_1.sqlite3")
    assert first["TEST"]["NAME"] != second["TEST"]["NAME"]


def test_a_stopped_sessions_sqlite_files_are_removed_and_only_those():
    mine = [sqlite_dir() / f"test_conformance_stopped_1.sqlite3{end}" for end in ("", "-journal")]
    other = sqlite_dir() / "test_conformance_stopped_10.sqlite3"
    for path in [*mine, other]:
        path.write_bytes(b"")
    try:
        remove_sqlite_files("stopped_1")
        assert [path.exists() for path in [*mine, other]] == [False, False, True]
    finally:
        other.unlink()
