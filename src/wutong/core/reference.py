"""Loading the district's reference data: GB/T 4754-2017 industries, streets and parks.

The data are files under ``core/data/`` (the district is data, not code):

* ``gbt4754-2017.csv`` — all four levels of 国民经济行业分类 (code, name, level, parent); sources
  of the names are in ``docs/adr/0002-industry-names.md`` and on each row's ``source``;
* ``streets.csv`` — the 街道 of the district (name, 统计用区划代码, order);
* ``parks.csv`` — parks, buildings, areas and belts the bureau plans around; rows marked ``demo``
  are realistic examples for the demo district and are loaded only when asked.

:func:`load_reference` is idempotent: it creates what is missing and updates what changed, with a
handful of bulk queries (well under a second for the ~2,000 rows). The data migration
``0004_load_reference`` calls it with the migration's historical models, so the loader only uses
plain model APIs (no custom managers or methods).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
INDUSTRY_FILE = DATA_DIR / "gbt4754-2017.csv"
STREET_FILE = DATA_DIR / "streets.csv"
PARK_FILE = DATA_DIR / "parks.csv"

EDITION = "GB/T 4754-2017"
#: ``Industry.source`` of every row: where its name was taken from (see ADR 0002).
INDUSTRY_SOURCES = {
    "class": "GB/T 4754-2017 附录（经 gbcrosswalk 转录，MIT）",
    "group": "GB/T 4754-2017 正文（经公开行业代码表转录并逐条核对，见 ADR 0002）",
    "division": "GB/T 4754-2017 正文（见 ADR 0002）",
    "section": "GB/T 4754-2017 正文（见 ADR 0002）",
}
LEVEL_ORDER = ("section", "division", "group", "class")
#: 门类 letter → the range of 大类 codes it holds (GB/T 4754-2017 表 1).
SECTION_RANGES: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def section_of(code: str) -> str:
    """The 门类 letter of any code (``"6513"`` → ``"I"``, ``"C"`` → ``"C"``)."""
    if code[:1].isalpha():
        return code[:1]
    division = int(code[:2])
    for letter, (low, high) in SECTION_RANGES.items():
        if low <= division <= high:
            return letter
    raise ValueError(f"GB/T 4754-2017 has no 大类 {code[:2]}")


@dataclass(frozen=True)
class IndustryRow:
    code: str
    name: str
    level: str
    parent: str


def read_industries(path: Path = INDUSTRY_FILE) -> list[IndustryRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [IndustryRow(r["code"], r["name"], r["level"], r["parent"]) for r in csv.DictReader(handle)]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _model(apps: Any, name: str) -> Any:
    if apps is not None:
        return apps.get_model("core", name)
    from wutong.core import models

    return getattr(models, name)


def _load_industries(Industry: Any) -> dict[str, int]:
    rows = read_industries()
    existing = {obj.code: obj for obj in Industry.objects.all()}
    created = updated = 0
    # Parents first, level by level, so every parent id is known when its children are written.
    for level in LEVEL_ORDER:
        ids = {code: obj.pk for code, obj in existing.items()}
        new, changed = [], []
        for row in (r for r in rows if r.level == level):
            values = {
                "name": row.name,
                "level": row.level,
                "parent_id": ids[row.parent] if row.parent else None,
                "section": section_of(row.code),
                "edition": EDITION,
                "source": INDUSTRY_SOURCES[row.level],
            }
            obj = existing.get(row.code)
            if obj is None:
                new.append(Industry(code=row.code, **values))
            elif any(getattr(obj, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(obj, key, value)
                changed.append(obj)
        if new:
            Industry.objects.bulk_create(new, batch_size=500)
            created += len(new)
            existing.update({obj.code: obj for obj in Industry.objects.filter(level=level)})
        if changed:
            Industry.objects.bulk_update(
                changed, ["name", "level", "parent", "section", "edition", "source"], batch_size=500
            )
            updated += len(changed)
    return {"industries": len(rows), "industries_created": created, "industries_updated": updated}


def _load_streets(Street: Any) -> dict[str, int]:
    rows = _read_csv(STREET_FILE)
    existing = {obj.name: obj for obj in Street.objects.all()}
    new, changed = [], []
    for row in rows:
        values = {"code": row["code"], "order": int(row["order"])}
        obj = existing.get(row["name"])
        if obj is None:
            new.append(Street(name=row["name"], **values))
        elif any(getattr(obj, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(obj, key, value)
            changed.append(obj)
    Street.objects.bulk_create(new)
    Street.objects.bulk_update(changed, ["code", "order"])
    return {"streets": len(rows), "streets_created": len(new), "streets_updated": len(changed)}


def _load_parks(Park: Any, Street: Any, *, include_demo: bool) -> dict[str, int]:
    rows = [r for r in _read_csv(PARK_FILE) if include_demo or r["demo"] != "1"]
    streets = {obj.name: obj.pk for obj in Street.objects.all()}
    existing = {obj.name: obj for obj in Park.objects.all()}
    new, changed = [], []
    for row in rows:
        values = {
            "kind": row["kind"],
            "street_id": streets[row["street"]] if row["street"] else None,
            "address": row["address"],
            "focus_industry": row["focus_industry"],
        }
        obj = existing.get(row["name"])
        if obj is None:
            new.append(Park(name=row["name"], **values))
        elif any(getattr(obj, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(obj, key, value)
            changed.append(obj)
    Park.objects.bulk_create(new)
    Park.objects.bulk_update(changed, ["kind", "street", "address", "focus_industry"])
    return {"parks": len(rows), "parks_created": len(new), "parks_updated": len(changed)}


def load_reference(*, include_demo: bool = False, apps: Any = None) -> dict[str, int]:
    """Create or update the industries, streets and parks from the data files; return counts.

    ``include_demo`` also loads the parks marked as demo examples (the demo district wants them,
    a real deployment does not). ``apps`` is a migration's app registry, ``None`` for the live one.
    Rows that exist in the database but not in the files are left alone (staff may have added
    parks; industries are referenced by enterprises and protected).
    """
    Industry, Street, Park = (_model(apps, name) for name in ("Industry", "Street", "Park"))
    with transaction.atomic():
        counts = _load_industries(Industry)
        counts |= _load_streets(Street)
        counts |= _load_parks(Park, Street, include_demo=include_demo)
    return counts
