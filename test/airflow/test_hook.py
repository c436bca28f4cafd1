"""Client settings from an Airflow Connection, TLS and API key included, without any network."""

from __future__ import annotations

import json

import pytest
from airflow.models.connection import Connection
from temporalio.service import TLSConfig

from temporal_bridge.hook import TemporalHook, settings_from_connection

CA = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n"


def connection(**fields: object) -> Connection:
    extra = fields.pop("extra", None)
    return Connection(
        conn_id="temporal_test",
        conn_type="temporal",
        extra=json.dumps(extra) if extra is not None else None,
        **fields,  # type: ignore[arg-type]
    )


def test_plain_local_server() -> None:
    settings = settings_from_connection(connection(host="127.0.0.1", port=7233))
    assert settings.target_host == "127.0.0.1:7233"
    assert settings.namespace == "default"
    assert settings.task_queue == "movie-rec-batch"
    assert settings.connect_kwargs() == {
        "target_host": "127.0.0.1:7233",
        "namespace": "default",
        "api_key": None,
        "tls": False,
    }


def test_host_with_port_and_default_port() -> None:
    assert settings_from_connection(connection(host="temporal:7300")).target_host == "temporal:7300"
    assert settings_from_connection(connection(host="temporal")).target_host == "temporal:7233"


def test_namespace_and_task_queue_from_extras() -> None:
    settings = settings_from_connection(
        connection(host="t", port=7233, extra={"namespace": "batch", "task_queue": "nightly"})
    )
    assert (settings.namespace, settings.task_queue) == ("batch", "nightly")


def test_api_key_in_password_turns_tls_on_and_stays_out_of_repr() -> None:
    settings = settings_from_connection(
        connection(host="ns.acct.tmprl.cloud", port=7233, password="secret-key", extra={"namespace": "ns.acct"})
    )
    kwargs = settings.connect_kwargs()
    assert kwargs["api_key"] == "secret-key"
    assert kwargs["tls"] is True
    assert "secret-key" not in repr(settings)


def test_api_key_in_extras_with_tls_turned_off() -> None:
    settings = settings_from_connection(connection(host="t", port=7233, extra={"api_key": "k", "tls": "false"}))
    assert settings.connect_kwargs()["api_key"] == "k"
    assert settings.connect_kwargs()["tls"] is False


def test_mutual_tls_from_pem_extras() -> None:
    settings = settings_from_connection(
        connection(
            host="temporal.internal",
            port=7233,
            extra={
                "tls": True,
                "tls_server_name": "temporal.example.com",
                "tls_ca_cert": CA,
                "tls_client_cert": CERT,
                "tls_client_key": KEY,
            },
        )
    )
    tls = settings.connect_kwargs()["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.domain == "temporal.example.com"
    assert tls.server_root_ca_cert == CA.encode()
    assert tls.client_cert == CERT.encode()
    assert tls.client_private_key == KEY.encode()
    assert KEY not in repr(settings)


def test_missing_host_is_refused() -> None:
    with pytest.raises(ValueError, match="no host"):
        settings_from_connection(connection(port=7233))


def test_hook_reads_the_connection_from_the_environment(monkeypatch: pytest.MonkeyPatch, no_network: list[str]) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEMPORAL_ENV_TEST",
        json.dumps({"conn_type": "temporal", "host": "temporal.example", "port": 7233, "extra": {"namespace": "prod"}}),
    )
    settings = TemporalHook("temporal_env_test").get_settings()
    assert (settings.target_host, settings.namespace) == ("temporal.example:7233", "prod")
    assert no_network == []
