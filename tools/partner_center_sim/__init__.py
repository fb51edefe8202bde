"""A local simulation of Partner Center for development and tests: the Microsoft identity
platform's authorization-code flow, the Referrals API, webhook registration and RSA-signed
events from a local test CA, with a control API to seed leads, change them "in Partner
Center", inject faults and count requests. See README.md in this directory.

    from tools.partner_center_sim import start_simulator
    sim = start_simulator()            # sim.url, sim.ca_pem_path, sim.settings(), sim.stop()
"""

from .server import SimulatorHandle, start_simulator
from .simulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT, FORGERIES

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "DEFAULT_TENANT", "FORGERIES",
           "SimulatorHandle", "start_simulator"]
