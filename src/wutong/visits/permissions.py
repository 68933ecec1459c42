"""The visits app's capabilities, merged into ``wutong.accounts.roles.CAPABILITIES`` at ready().

``roles.py`` belongs to accounts; :meth:`wutong.visits.apps.VisitsConfig.ready` calls
:func:`install`. *Which* visits a user reaches is decided by ``visits/access.py`` (district
leaders: their 挂点 enterprises' visits and the visits they took part in; 机密 notes only for the
visitors, their section heads and leaders).
"""

from __future__ import annotations

from wutong.accounts.choices import Role
from wutong.accounts.roles import CAPABILITIES, EDITOR_ROLES, INTERNAL_ROLES

_HEADS = frozenset({Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMIN})

VISIT_CAPABILITIES: dict[str, frozenset[str]] = {
    # see the visit ledger, lists and coverage (scoped by access.py); partners, reviewers,
    # agencies and enterprise users see no visits at all
    "visits.view": INTERNAL_ROLES,
    # plan, record and cancel visits; raise demands from a visit
    "visits.plan": EDITOR_ROLES,
    "visits.record": EDITOR_ROLES,
    # maintain list members (add, remove, change tier)
    "visits.manage_members": EDITOR_ROLES,
    # create lists and tiers, assign 挂点 leaders
    "visits.manage_lists": _HEADS,
    "visits.assign_leaders": _HEADS,
    # the coverage matrix and the pre-visit brief
    "visits.coverage": INTERNAL_ROLES,
    "visits.brief": INTERNAL_ROLES,
}


def install() -> None:
    CAPABILITIES.update(VISIT_CAPABILITIES)
