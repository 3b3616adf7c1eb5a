"""The one write path: every change to a stored model is one of these verb-named actions.

Each action is one transaction (one revision of the store) that

1. checks the actor's rights (:data:`RIGHTS`; a bu-lead only for their own units) —
   :class:`~opmodel.errors.PermissionDenied`, nothing changed;
2. checks the version the change was based on (``version=``; ``None`` skips the check) —
   :class:`~opmodel.errors.ConflictError` naming each field, your value and the current
   one, nothing changed;
3. validates the entity and the model it would make, with the model's own rules —
   :class:`~opmodel.errors.ModelError` whose issues are located by JSON field
   (``assessments[crm/storage].current``; ``issue.path`` is ``(kind, key, field, …)``);
4. writes the new entity version and appends one change record per changed field: who,
   when, entity, field, old → new, why, request id.

Every action takes the store (a :class:`~opmodel.store.Store` or its URL) and the acting
:class:`~opmodel.store.users.User` first, then the entity, then keyword-only ``version``,
``why`` and ``request_id``; it returns a :class:`Written` (the new version, the revision
and the stored data). ``fields`` mappings are partial updates (a JSON merge patch): a key
with value ``None`` resets that field to its default, an object is merged field by field,
fields not named are kept.

Rights (admin may do everything; viewer nothing):

==================  =====================================================
action              roles
==================  =====================================================
set_assessment      admin, architect, bu-lead (own units)
merge_survey        admin, architect, bu-lead (own units)
propose_initiative  admin, architect, portfolio, bu-lead (own units)
update_initiative   admin, architect, portfolio, bu-lead (own units)
decide              admin, portfolio
record_actuals      admin, portfolio
set_budget          admin, portfolio
set_policy          admin, portfolio
set_entity          admin, architect (the architecture: any other kind)
set_settings        admin, architect (the enterprise settings: horizon, scoring, …)
add_user, …         admin
==================  =====================================================
"""

from __future__ import annotations

from ..store.users import ROLES, User
from ._write import (
    ACTIONS,
    RIGHTS,
    UNIT_SCOPED,
    Written,
    allowed,
    apply,
    check_right,
    entity_location,
)
from .model import (
    decide,
    merge_survey,
    propose_initiative,
    record_actuals,
    set_assessment,
    set_budget,
    set_entity,
    set_policy,
    set_settings,
    update_initiative,
)
from .users import add_token, add_user, disable_user, first_admin, set_user

__all__ = [
    "ACTIONS",
    "RIGHTS",
    "ROLES",
    "UNIT_SCOPED",
    "User",
    "Written",
    "add_token",
    "add_user",
    "allowed",
    "apply",
    "check_right",
    "decide",
    "disable_user",
    "entity_location",
    "first_admin",
    "merge_survey",
    "propose_initiative",
    "record_actuals",
    "set_assessment",
    "set_budget",
    "set_entity",
    "set_policy",
    "set_settings",
    "set_user",
    "update_initiative",
]
