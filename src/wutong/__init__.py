"""梧桐 Wutong: the operations platform of a district Science & Technology Innovation Bureau."""

__version__ = "0.1.0"
