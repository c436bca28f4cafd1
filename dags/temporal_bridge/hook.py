"""Temporal connection settings from an Airflow Connection, and the client built from them.

Nothing here touches the network until `connect()` is awaited, so the DAG file can import this
module at parse time; the client itself is created inside task and trigger code.

Connection `temporal_default` (any conn type, e.g. "generic"):
    host      Temporal frontend host (or "host:port")
    port      frontend port, 7233 when empty
    password  API key (Temporal Cloud); enables TLS unless extras say "tls": false
    extra     {"namespace": "default", "task_queue": "movie-rec-batch", "tls": true,
               "tls_server_name": "...", "tls_ca_cert": "<PEM>", "tls_client_cert": "<PEM>",
               "tls_client_key": "<PEM>", "api_key": "..."}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from airflow.hooks.base import BaseHook

from .contract import DEFAULT_TASK_QUEUE

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.service import TLSConfig

DEFAULT_PORT = 7233


class ConnectionLike(Protocol):
    """What the settings need from an Airflow Connection (core or Task SDK flavour)."""

    host: str | None
    port: int | None
    password: str | None

    @property
    def extra_dejson(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TemporalSettings:
    """Everything `Client.connect` needs; the secrets stay out of repr and logs."""

    target_host: str
    namespace: str = "default"
    task_queue: str = DEFAULT_TASK_QUEUE
    tls: bool = False
    tls_server_name: str | None = None
    tls_ca_cert: str | None = field(default=None, repr=False)
    tls_client_cert: str | None = field(default=None, repr=False)
    tls_client_key: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

    def tls_config(self) -> bool | TLSConfig:
        """False, True (system roots) or a TLSConfig when certificates or a server name are given."""
        if not self.tls:
            return False
        if not (self.tls_server_name or self.tls_ca_cert or self.tls_client_cert or self.tls_client_key):
            return True
        from temporalio.service import TLSConfig

        return TLSConfig(
            domain=self.tls_server_name,
            server_root_ca_cert=_pem(self.tls_ca_cert),
            client_cert=_pem(self.tls_client_cert),
            client_private_key=_pem(self.tls_client_key),
        )

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `temporalio.client.Client.connect`."""
        return {
            "target_host": self.target_host,
            "namespace": self.namespace,
            "api_key": self.api_key,
            "tls": self.tls_config(),
        }


def _pem(text: str | None) -> bytes | None:
    return text.encode() if text else None


def _truthy(value: Any) -> bool:
    """Extras come from JSON or a URI query string, so "false" must read as False."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def settings_from_connection(conn: ConnectionLike) -> TemporalSettings:
    """Reads host, port, API key and extras; raises ValueError when the host is missing."""
    extra = conn.extra_dejson or {}
    host = (conn.host or "").strip()
    if not host:
        raise ValueError("the Temporal connection has no host")
    if conn.port:
        target = f"{host}:{conn.port}"
    elif ":" in host:
        target = host
    else:
        target = f"{host}:{DEFAULT_PORT}"
    api_key = conn.password or extra.get("api_key") or None
    tls = _truthy(extra["tls"]) if "tls" in extra else api_key is not None
    return TemporalSettings(
        target_host=target,
        namespace=str(extra.get("namespace") or "default"),
        task_queue=str(extra.get("task_queue") or DEFAULT_TASK_QUEUE),
        tls=tls,
        tls_server_name=extra.get("tls_server_name") or None,
        tls_ca_cert=extra.get("tls_ca_cert") or None,
        tls_client_cert=extra.get("tls_client_cert") or None,
        tls_client_key=extra.get("tls_client_key") or None,
        api_key=api_key,
    )


def load_settings(conn_id: str) -> TemporalSettings:
    """For triggers, which call it through `sync_to_async`: reads the connection and imports
    temporalio in a worker thread, because that first import takes most of a second and would
    otherwise block the triggerer's event loop."""
    import temporalio.client  # noqa: F401  (warm-up import, see docstring)

    return TemporalHook(conn_id).get_settings()


async def connect(settings: TemporalSettings) -> Client:
    """Opens a client; imported lazily so that parsing the DAG never loads the Temporal core."""
    from temporalio.client import Client

    return await Client.connect(**settings.connect_kwargs())


class TemporalHook(BaseHook):
    """Resolves the Airflow Connection into `TemporalSettings`."""

    conn_name_attr = "temporal_conn_id"
    default_conn_name = "temporal_default"
    conn_type = "temporal"
    hook_name = "Temporal"

    def __init__(self, temporal_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.temporal_conn_id = temporal_conn_id

    def get_settings(self) -> TemporalSettings:
        """Reads the connection now (from the metadata DB, a secrets backend or the environment)."""
        return settings_from_connection(self.get_connection(self.temporal_conn_id))

    def get_conn(self) -> TemporalSettings:
        """Airflow's generic accessor; a Temporal client is async, so callers `await connect(...)`."""
        return self.get_settings()
