"""Who may see which referrals of an organisation (contract section 3).

Admins see every referral of their organisation. A Referrals user sees only those it owns
(by object id) or is on the team of (its address against team members' addresses,
case-insensitively; the address is its sign-in name in plain ASCII, see shared/auth, so a
look-alike matches nobody); any other referral is, for it, not there at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .history import SYSTEM, Actor
from .models import Referral


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    restricted: bool = False  # a Referrals user: only its own and its team's referrals
    email: str | None = None  # lower-cased e-mail claim, if the principal has one

    def may_see(self, r: Referral) -> bool:
        if not self.restricted:
            return True
        if r.owner is not None and r.owner.id == self.actor.id:
            return True
        return self.email is not None and any(m.email.lower() == self.email for m in r.team)


# The sweeps and timers act for the organisation as a whole.
SYSTEM_VIEWER = Viewer(SYSTEM)
