"""Use cases of the CERES core, grouped by the users' areas.

Every public function takes ``(core, actor, ...)``: ``core`` is the
:class:`~ceres_core.core.Core`, ``actor`` the login of the acting user. It opens
one transaction, loads the actor, checks its scope (R-ACT-2) before anything
else, applies the rules, writes an audit event and returns plain data or model
objects. A refusal raises :class:`~ceres_core.errors.RuleViolation`.
"""
