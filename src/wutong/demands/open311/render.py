"""Open311 GeoReport v2 responses in JSON and XML, and its error format.

JSON is a list (or an object for a service definition); XML uses the spec's element names
(``services/service``, ``service_definition``, ``service_requests/request``, ``errors/error``).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

#: XML element name of the items of each list element.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "keywords": "keyword",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        child_name = ITEM_NAMES.get(name, "item")
        for item in value:
            _append(element, child_name, item)
    else:
        element.text = _text(value)


def to_xml(root: str, payload: Any) -> bytes:
    element = ET.Element(root)
    if isinstance(payload, list):
        for item in payload:
            _append(element, ITEM_NAMES.get(root, "item"), item)
    else:
        for key, value in payload.items():
            _append(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )


def respond(fmt: str, root: str, payload: Any, *, status: int = 200) -> HttpResponse:
    body = to_xml(root, payload) if fmt == "xml" else json.dumps(payload, ensure_ascii=False).encode()
    return HttpResponse(body, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]), status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """GeoReport's error format: a list of ``{code, description}`` with the HTTP status as code."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)
