"""Background tasks of the registry.

Enterprise, annual-figure and IP imports run through the generic import tasks of the core
(:mod:`wutong.core.tasks`): validate the uploaded batch, then commit it once confirmed. They are
re-exported here so the registry's tasks are found where STYLE says an app's tasks live.
"""

from __future__ import annotations

from wutong.core.tasks import commit_import_batch, validate_import_batch

__all__ = ["commit_import_batch", "validate_import_batch"]
