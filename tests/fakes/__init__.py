"""In-memory stand-ins for the storage ports, with the Table adapters' semantics; the contract
suites (tests/integration/test_repository_contract.py, test_sweep_ports.py) run against both."""
