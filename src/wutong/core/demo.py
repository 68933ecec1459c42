"""The demo district framework: a registry of builders that ``wutong demo`` runs in order.

Each app contributes builders in its own ``<app>/demo.py`` (found by autodiscovery, like admin
modules)::

    from wutong.core.demo import DemoContext, register_builder

    def build_visits(ctx: DemoContext) -> None: ...

    register_builder("visits", build_visits, order=40, exists=..., reset=...)

A builder receives the shared :class:`DemoContext`: the seed, its own random stream
(``ctx.rng("visits")``, independent of every other builder so adding one never changes the data
of the others), the org units and users made so far, the id range of the demo enterprises, the
as-of date, and :meth:`DemoContext.insert` for fast bulk writes (COPY on PostgreSQL, executemany
elsewhere). Builders write in chunks so memory stays flat however many enterprises are asked for.

Re-running: builders that own bulk data say whether it is there (``exists``); the command
refuses to build over it unless ``--reset``, which runs the ``reset`` functions in reverse order
first. Builders without ``exists`` must be idempotent (the org chart and users are upserted).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

DEMO_PASSWORD = "Wutong@2026demo"
#: Demo users get an e-mail on this reserved domain, so they are recognisable (and never mailed).
DEMO_EMAIL_DOMAIN = "demo.wutong.invalid"
DEFAULT_ENTERPRISES = 20_000
DEFAULT_SEED = 2026
DEFAULT_CHUNK = 5_000

BuildFn = Callable[["DemoContext"], None]
CheckFn = Callable[["DemoContext"], bool]


@dataclass(frozen=True)
class Builder:
    name: str
    fn: BuildFn
    order: int
    exists: CheckFn | None = None
    reset: BuildFn | None = None


_builders: dict[str, Builder] = {}


def register_builder(
    name: str, fn: BuildFn, order: int, *, exists: CheckFn | None = None, reset: BuildFn | None = None
) -> None:
    """Add (or replace, when a module is imported twice) the builder ``name``; lower ``order`` runs first."""
    _builders[name] = Builder(name, fn, order, exists, reset)


def builders() -> list[Builder]:
    discover()
    return sorted(_builders.values(), key=lambda b: (b.order, b.name))


def discover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo")


@dataclass
class DemoContext:
    """What the builders share during one run."""

    seed: int = DEFAULT_SEED
    enterprises: int = DEFAULT_ENTERPRISES
    as_of: dt.date = field(default_factory=timezone.localdate)
    chunk_size: int = DEFAULT_CHUNK
    password: str = DEMO_PASSWORD
    stdout: Any = None
    verbosity: int = 1
    #: One timestamp for every created_at/updated_at the bulk writers fill in.
    now: dt.datetime = field(default_factory=timezone.now)
    units: dict[str, Any] = field(default_factory=dict)
    users: dict[str, list[Any]] = field(default_factory=dict)
    #: Primary keys of the demo enterprises: a contiguous range (ids are allocated by the builder).
    enterprise_ids: range = range(0)
    counts: Counter[str] = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """A random stream of its own for ``name`` (string seeds hash with SHA-512: stable everywhere)."""
        return random.Random(f"wutong-demo:{self.seed}:{name}")

    def log(self, message: str) -> None:
        if self.verbosity > 0:
            out = self.stdout if self.stdout is not None else sys.stdout
            out.write(message + ("" if message.endswith("\n") else "\n"))
            if hasattr(out, "flush"):
                out.flush()

    # --- bulk writing ---------------------------------------------------------------------

    @property
    def db_now(self) -> Any:
        """``now`` as the database driver wants it in a raw INSERT/COPY."""
        if connection.vendor == "postgresql":
            return self.now
        return connection.ops.adapt_datetimefield_value(self.now)

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Write ``rows`` (tuples in ``columns`` order; column = field attname) without the ORM.

        No save(), no signals, no defaults: the caller fills every NOT NULL column and any derived
        column, with plain values (``str``, not lazy translations; TextChoices members are fine).
        Dates may be ``datetime.date``; datetimes must come from :attr:`db_now`.
        """
        if not rows:
            return 0
        write_rows(model, columns, rows)
        self.counts[model._meta.label] += len(rows)
        return len(rows)


def _column_names(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    return [by_attname[c] for c in columns]


def write_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY on PostgreSQL (psycopg 3), executemany elsewhere; one statement per call."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in _column_names(model, columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """After writing explicit primary keys, move the id sequences past them (PostgreSQL; SQLite's
    AUTOINCREMENT follows by itself)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- Running ----------------------------------------------------------------------------------


class DemoExistsError(Exception):
    """The demo data is already there and the caller did not ask for a reset."""


def existing_demo(ctx: DemoContext) -> list[str]:
    """Names of the builders whose data is already in the database."""
    return [b.name for b in builders() if b.exists is not None and b.exists(ctx)]


def reset_demo(ctx: DemoContext) -> None:
    """Remove what the builders made, last builder first."""
    for builder in reversed(builders()):
        if builder.reset is not None:
            started = time.monotonic()
            builder.reset(ctx)
            ctx.log(f"已清除 {builder.name} ({time.monotonic() - started:.1f}s)")


def build_demo(ctx: DemoContext, *, reset: bool = False) -> DemoContext:
    """Run every registered builder in order; refuse (:class:`DemoExistsError`) to build over an
    earlier demo unless ``reset``. Writes one audit entry for the whole run."""
    from wutong.core import audit

    present = existing_demo(ctx)
    if present and not reset:
        raise DemoExistsError(", ".join(present))
    if reset:
        reset_demo(ctx)
    started = time.monotonic()
    for builder in builders():
        t0 = time.monotonic()
        builder.fn(ctx)
        ctx.log(f"✓ {builder.name} ({time.monotonic() - t0:.1f}s)")
    with transaction.atomic():
        audit.record(
            "core.demo_district.built",
            actor=None,
            target_label="演示辖区",
            data={
                "seed": ctx.seed,
                "enterprises": ctx.enterprises,
                "as_of": ctx.as_of,
                "reset": reset,
                "rows": dict(ctx.counts),
                "seconds": round(time.monotonic() - started, 1),
            },
        )
    return ctx


# --- The first builder: reference data --------------------------------------------------------


def build_reference(ctx: DemoContext) -> None:
    """GB/T 4754 industries, the district's streets and parks, including the demo example parks."""
    from wutong.core.reference import load_reference

    counts = load_reference(include_demo=True)
    ctx.log(f"参考数据: 行业 {counts['industries']} 街道 {counts['streets']} 园区/楼宇 {counts['parks']}")


register_builder("core.reference", build_reference, order=0)
