"""Starting and stopping the simulation in-process (tests, the benchmark) or from the
command line (``python -m tools.partner_center_sim``)."""

from __future__ import annotations

import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import routes_api, routes_control, routes_identity
from .certs import issue_leaf, write_key_pem, write_pem
from .faults import Fault
from .http_base import Router, make_server
from .simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Config, Simulator


@dataclass
class SimulatorHandle:
    """A running simulation: ``url`` (its origin, also the identity authority and the
    API host), ``ca_pem_path`` (the root to trust for event certificates, and for TLS when
    started with ``tls=True``), ``cert_url_prefix`` (what PARTNER_CENTER_CERT_URL_PREFIXES
    must allow), and ``simulator`` for direct access in tests."""

    url: str
    simulator: Simulator
    _server: Any
    _thread: threading.Thread

    @property
    def ca_pem_path(self) -> Path:
        return self.simulator.ca_pem_path

    @property
    def cert_url_prefix(self) -> str:
        return self.simulator.cert_url_prefix

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1.0/engagements"

    @property
    def webhook_api_url(self) -> str:
        return f"{self.url}/webhooks/v1"

    @property
    def client_id(self) -> str:
        return self.simulator.config.client_id

    @property
    def client_secret(self) -> str:
        return self.simulator.config.client_secret

    def settings(self) -> dict[str, str]:
        """The product's settings (section 7) that point it at this simulation."""
        return {"PARTNER_CENTER_AUTHORITY": self.url,
                "PARTNER_CENTER_API_URL": self.api_url,
                "PARTNER_CENTER_WEBHOOK_API_URL": self.webhook_api_url,
                "PARTNER_CENTER_CLIENT_ID": self.client_id,
                "PARTNER_CENTER_CLIENT_SECRET": self.client_secret,
                "PARTNER_CENTER_CERT_URL_PREFIXES": self.cert_url_prefix,
                "PARTNER_CENTER_TRUSTED_ROOTS": str(self.ca_pem_path)}

    def seed(self, tenant: str, count: int, seed: int = 5,
             mix: dict[str, float] | None = None) -> list[str]:
        return self.simulator.seed(tenant, count, seed, mix)

    def create_referral(self, tenant: str, kind: str = "lead",
                        overrides: dict[str, Any] | None = None, emit: bool = True,
                        ) -> dict[str, Any]:
        return self.simulator.create(tenant, kind, overrides, emit)

    def change_referral(self, tenant: str, referral_id: str, change: Any,
                        emit: bool = True) -> dict[str, Any] | None:
        return self.simulator.change(tenant, referral_id, change, emit)

    def referral(self, tenant: str, referral_id: str) -> dict[str, Any] | None:
        return self.simulator.store.get(tenant, referral_id)

    def add_fault(self, endpoint: str, status: int, count: int = 1,
                  tenant: str | None = None, retry_after: float | None = None) -> None:
        self.simulator.traffic.add_fault(Fault(endpoint, status, count, tenant, retry_after))

    def revoke(self, tenant: str, refresh_token: str | None = None) -> int:
        return self.simulator.identity.revoke(tenant, refresh_token)

    def counters(self) -> dict[str, Any]:
        return self.simulator.traffic.snapshot()

    def deliveries(self, tenant: str | None = None) -> list[dict[str, Any]]:
        return self.simulator.webhooks.log(tenant)

    def reset(self) -> None:
        self.simulator.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.simulator.stop()
        self._thread.join(timeout=5)


def start_simulator(port: int = 0, *, host: str = "127.0.0.1", tls: bool = False,
                    state_dir: str | Path | None = None, retry_delay: float = 0.5,
                    client_id: str = DEFAULT_CLIENT_ID,
                    client_secret: str = DEFAULT_CLIENT_SECRET) -> SimulatorHandle:
    """Serve the simulation on ``host:port`` (0: a free port) in a background thread.
    ``state_dir`` receives the CA's PEM (a temporary directory by default); ``retry_delay``
    is the pause between event delivery attempts (seconds)."""
    router = Router()
    server = make_server(host, port, router)
    directory = Path(state_dir) if state_dir else Path(tempfile.mkdtemp(prefix="pc-sim-"))
    scheme = "https" if tls else "http"
    url = f"{scheme}://{host}:{server.server_address[1]}"
    sim = Simulator(Config(url=url, state_dir=directory, retry_delay=retry_delay,
                           client_id=client_id, client_secret=client_secret))
    if tls:
        _serve_tls(server, sim, host, directory)
    routes_identity.add_routes(router, sim)
    routes_api.add_routes(router, sim)
    routes_control.add_routes(router, sim)
    thread = threading.Thread(target=server.serve_forever, name="pc-sim-http", daemon=True)
    thread.start()
    return SimulatorHandle(url, sim, server, thread)


def _serve_tls(server: Any, sim: Simulator, host: str, directory: Path) -> None:
    """HTTPS with a certificate for ``host`` from the simulation's CA (trust ca_pem_path)."""
    credential = issue_leaf(sim.ca, common=host, organization="Partner Center Simulation",
                            ip=host)
    cert, key = write_pem(directory / "tls-cert.pem", credential), directory / "tls-key.pem"
    write_key_pem(key, credential)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
