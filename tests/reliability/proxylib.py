"""Helpers of the reliability tests (issue 21): a served copy of the
embedded dataset whose trusted proxy is 127.0.0.1, so that a test can speak
for many client addresses with `X-Forwarded-For`, and staff accounts."""

import shutil

from conftest import run_gapmap, start_server

PASSWORD = "a long password here"


def add_users(store, names, role="editor"):
    for name in names:
        run_gapmap("user", "add", name, "--role", role, "--password-stdin", "--store", store,
                   input=PASSWORD + "\n", check=True)


def proxied_server(store, tmp_path, extra=""):
    config = tmp_path / "gapmap.toml"
    config.write_text('[server]\ntrusted_proxies = ["127.0.0.1"]\n' + extra)
    return start_server(store, "--config", config)


def proxied_copy(jelgava_store, tmp_path):
    """A server behind a (pretend) trusted proxy, with editor `ilze` and
    admin `janis`."""
    store = tmp_path / "s.gpkg"
    shutil.copy(jelgava_store, store)
    add_users(store, ["ilze"])
    add_users(store, ["janis"], role="admin")
    return proxied_server(store, tmp_path)
