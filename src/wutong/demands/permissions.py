"""The demands app's capabilities, merged into ``wutong.accounts.roles.CAPABILITIES`` at ready().

``roles.py`` belongs to accounts; each app declares its own rows here and
:meth:`wutong.demands.apps.DemandsConfig.ready` calls :func:`install`. Which *demands* a user
reaches is decided by ``demands/access.py`` (partner departments: only demands routed to them;
enterprise users: only their enterprise's).
"""

from __future__ import annotations

from wutong.accounts.choices import Role
from wutong.accounts.roles import CAPABILITIES, INTERNAL_ROLES

_HANDLERS = frozenset({Role.STAFF, Role.SECTION_HEAD, Role.ADMIN})
_HEADS = frozenset({Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMIN})

DEMAND_CAPABILITIES: dict[str, frozenset[str]] = {
    # see the ledger (scoped by access.py)
    "demands.view": INTERNAL_ROLES | {Role.PARTNER, Role.ENTERPRISE},
    # register a demand: staff on behalf of a firm, a firm's contact for their own firm
    "demands.submit": _HANDLERS | {Role.BUREAU_LEADER, Role.ENTERPRISE},
    # sign for, route, reject, close, reopen: the bureau's desk
    "demands.accept": _HANDLERS,
    "demands.route": _HANDLERS,
    # move a routed demand from one department to another (改派)
    "demands.reassign": _HEADS,
    # work on and reply to routed demands: the departments (and sections acting as departments)
    "demands.handle": _HANDLERS | {Role.PARTNER},
    "demands.comment": INTERNAL_ROLES | {Role.PARTNER, Role.ENTERPRISE},
    "demands.rate": frozenset({Role.ENTERPRISE}) | _HANDLERS,
    "demands.close": _HANDLERS,
    "demands.reopen": _HANDLERS | {Role.BUREAU_LEADER},
    "demands.reject": _HANDLERS,
    "demands.merge": _HEADS,
    "demands.manage_groups": _HEADS,
    "demands.manage_categories": frozenset({Role.SECTION_HEAD, Role.ADMIN}),
    "demands.manage_api_keys": frozenset({Role.SECTION_HEAD, Role.ADMIN}),
    "demands.stats": INTERNAL_ROLES,
    "demands.export": INTERNAL_ROLES,
}


def install() -> None:
    CAPABILITIES.update(DEMAND_CAPABILITIES)
