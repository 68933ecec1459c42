"""The rule sets. Importing this package registers them (see :func:`wutong.qualifications.rules.rulesets`)."""

from wutong.qualifications.rulesets import gaoxin, kexiao, platforms, registry, tiering  # noqa: F401
