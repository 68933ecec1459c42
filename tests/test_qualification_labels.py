"""Messages name missing inputs in Chinese: every input a criterion or score item of any rule set
reads has a label, so "缺少last_operating" can never reach a page."""

from __future__ import annotations

import datetime as dt

from wutong.qualifications.profiles import normalize_profile
from wutong.qualifications.rules import INPUT_LABELS, assess, rulesets

NAMED_ATTRIBUTES = ("flag_input", "days_input", "numerator", "denominator", "tier_by")


def _inputs_read(ruleset) -> set[str]:  # type: ignore[no-untyped-def]
    names: set[str] = set()
    stack = [*ruleset.criteria, *ruleset.items]
    while stack:
        part = stack.pop()
        stack.extend(getattr(part, "options", ()))
        names.update(part.inputs)
        names.update(v for a in NAMED_ATTRIBUTES if isinstance(v := getattr(part, a, None), str) and v)
    return {n for n in names if not n.startswith(("score_", "item_"))}


def test_every_input_of_every_rule_set_has_a_chinese_label():
    unlabelled = {
        code: sorted(_inputs_read(ruleset) - INPUT_LABELS.keys()) for code, ruleset in rulesets().items()
    }
    assert {code: names for code, names in unlabelled.items() if names} == {}


def test_an_empty_profile_gets_messages_without_raw_input_keys():
    profile = normalize_profile({"name": "空白企业"})
    for code in rulesets():
        try:
            outcome = assess(profile, code, dt.date(2026, 6, 1))
        except LookupError:
            continue  # no version in force on the date
        for criterion in outcome.criteria:
            assert "缺少" not in criterion.message or not any(
                key in criterion.message for key in INPUT_LABELS if "_" in key
            ), criterion.message
