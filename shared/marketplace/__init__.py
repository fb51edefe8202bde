"""Marketplace lead intake (contract section 10): leads that Microsoft's commercial
marketplace (AppSource, Azure Marketplace) sends to a partner's endpoint become referrals.

The inner order is the house's, from the outside in:

- the parser of the outside format (``lead``: the tolerant lead body) and its mapping to a
  referral (``referral``);
- the ports (``ports``) with their Table adapters (``store``, ``keys``: endpoint keys);
- the use case (``service``: verify, parse, intake once);
- the entry point (``routes``), listed once in shared/route_table.py.

Fakes of the ports live in tests/fakes/.
"""
