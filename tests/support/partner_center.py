"""The Partner Center every devhost of a test session talks to: one local simulation
(tools/partner_center_sim) over real HTTP on 127.0.0.1, started on first use. Every devhost
gets its settings (hosting.host_env), since they all consume the same queues: a write-back
or a sync may be worked by any of them. Events go to PUBLIC_BASE_URL, the session devhost's
address, reserved before it starts (``session_port``)."""

from __future__ import annotations

from tools.partner_center_sim import SimulatorHandle, start_simulator

from .azurite import free_port

_session: list[SimulatorHandle] = []
_port: list[int] = []


def session_simulator() -> SimulatorHandle:
    if not _session:
        _session.append(start_simulator(retry_delay=0.05))
    return _session[0]


def stop_session_simulator() -> None:
    while _session:
        _session.pop().stop()


def session_port() -> int:
    """The port the session devhost will listen on: PUBLIC_BASE_URL points there."""
    if not _port:
        _port.append(free_port())
    return _port[0]


def settings() -> dict[str, str]:
    return {**session_simulator().settings(),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{session_port()}"}
