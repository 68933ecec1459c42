"""The qualifications app's capabilities, merged into ``wutong.accounts.roles.CAPABILITIES`` at ready().

``roles.py`` belongs to accounts; :meth:`wutong.qualifications.apps.QualificationsConfig.ready` calls
:func:`install`. *Which* pool members a user reaches is decided by ``qualifications/access.py``
(an agency: only the members assigned to it; enterprise users: nothing of pools or screenings).
"""

from __future__ import annotations

from wutong.accounts.choices import Role
from wutong.accounts.roles import CAPABILITIES, EDITOR_ROLES, INTERNAL_ROLES

_HEADS = frozenset({Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMIN})

QUALIFICATION_CAPABILITIES: dict[str, frozenset[str]] = {
    # the 资质评估 tab, screening results, calendar and ladder
    "qualifications.view": INTERNAL_ROLES,
    # store an assessment, record an expert estimate
    "qualifications.assess": EDITOR_ROLES,
    # start a registry screening
    "qualifications.screen": EDITOR_ROLES,
    # see pools (agencies: only their assigned members)
    "qualifications.view_pools": INTERNAL_ROLES | {Role.AGENCY},
    # create pools, add members, move stages, assign owners and agencies, batches
    "qualifications.manage_pools": EDITOR_ROLES,
    # record coaching (agencies coach the members assigned to them)
    "qualifications.coach": EDITOR_ROLES | {Role.AGENCY},
    # pool targets (the yearly 认定目标)
    "qualifications.set_targets": _HEADS,
}


def install() -> None:
    CAPABILITIES.update(QUALIFICATION_CAPABILITIES)
