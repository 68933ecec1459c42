"""Open311 GeoReport v2 over the demand ledger (``/open311/v2/``).

* ``services.{fmt}`` — the active demand categories as services (``type`` realtime, ``metadata``
  true: every service has the required attribute ``uscc``, the enterprise's 统一社会信用代码);
* ``services/{code}.{fmt}`` — the service definition with that attribute;
* ``requests.{fmt}`` — GET lists demands (``service_request_id``, ``service_code``,
  ``start_date``/``end_date`` at most 90 days apart, default the last 90 days, ``status``
  open/closed); POST submits one with ``api_key``, ``service_code``, ``description``,
  ``attribute[uscc]`` and optional contact (``first_name``, ``last_name``, ``phone``) and
  location (``lat``, ``long``, ``address_string``; default: the enterprise's address);
* ``requests/{id}.{fmt}`` and ``tokens/{token}.{fmt}``.

Privacy (a demand is an enterprise's business with the government): without an API key GET
answers status, category, dates and the responsible agency only; ``description``, the location
and the reply text (``status_notes``) need a valid ``api_key`` parameter.

Status: open = 待签收/已签收/已交办/办理中/已退回/已答复 (awaiting the enterprise); closed =
已办结/不予受理/已合并. ``expected_datetime`` is the end of the ``reply_due`` working day while open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from wutong.core.exceptions import DomainError
from wutong.demands import services
from wutong.demands.choices import DemandChannel, DemandStatus
from wutong.demands.models import ApiKey, Demand, DemandCategory
from wutong.demands.open311.render import error, respond
from wutong.enterprises.models import Enterprise

S = DemandStatus
CLOSED = [S.CLOSED, S.REJECTED, S.MERGED]
MAX_SPAN = dt.timedelta(days=90)
MAX_RESULTS = 1000


def _w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _bureau() -> str:
    return str(getattr(settings, "WUTONG_BUREAU_NAME", ""))


def _api_key(request: HttpRequest) -> ApiKey | None:
    plain = request.POST.get("api_key") or request.GET.get("api_key") or ""
    return services.authenticate_api_key(plain)


def _notice(category: DemandCategory) -> str:
    return f"{category.accept_days}个工作日内签收，{category.reply_days}个工作日内答复"


def service_payload(category: DemandCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": category.keywords.replace(" ", ","),
        "group": "企业诉求",
    }


def request_payload(demand: Demand, *, detailed: bool) -> dict[str, Any]:
    closed = demand.status in CLOSED
    if demand.status == S.REJECTED:
        notes = f"{demand.get_status_display()}：{demand.get_rejection_reason_display()}"
    elif demand.reply and detailed:
        notes = demand.reply
    else:
        notes = demand.get_status_display()
    return {
        "service_request_id": demand.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": demand.category.name,
        "service_code": demand.category.code,
        "description": demand.content if detailed else None,
        "agency_responsible": demand.lead_department.name if demand.lead_department else _bureau(),
        "service_notice": _notice(demand.category),
        "requested_datetime": _w3c(demand.submitted_at),
        "updated_datetime": _w3c(demand.updated_at),
        "expected_datetime": None
        if closed or demand.status == S.REPLIED
        else _w3c(_end_of_day(demand.reply_due)),
        "address": demand.address if detailed else None,
        "address_id": None,
        "zipcode": None,
        "lat": float(demand.lat) if detailed and demand.lat is not None else None,
        "long": float(demand.long) if detailed and demand.long is not None else None,
        "media_url": None,
    }


@login_not_required
@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = DemandCategory.objects.filter(is_active=True).order_by("order", "name")
    return respond(fmt, "services", [service_payload(c) for c in categories])


@login_not_required
@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = DemandCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        return error(fmt, 404, f"service_code {code} not found")
    return respond(
        fmt,
        "service_definition",
        {
            "service_code": category.code,
            "attributes": [
                {
                    "variable": True,
                    "code": "uscc",
                    "datatype": "string",
                    "required": True,
                    "datatype_description": "18 位统一社会信用代码",
                    "order": 1,
                    "description": "提出诉求的企业的统一社会信用代码",
                    "values": [],
                }
            ],
        },
    )


def _parse_date(value: str, name: str) -> dt.datetime:
    parsed = parse_datetime(value.replace(" ", "+")) if value else None
    if parsed is None:
        raise DomainError(f"{name} must be a W3C datetime such as 2026-01-01T00:00:00Z")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _filtered(request: HttpRequest) -> QuerySet[Demand]:
    qs = Demand.objects.select_related("category", "lead_department").order_by("-submitted_at", "-id")
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        return qs.filter(number__in=[i.strip().upper() for i in ids.split(",") if i.strip()])
    codes = [c for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    start_raw, end_raw = request.GET.get("start_date", ""), request.GET.get("end_date", "")
    end = _parse_date(end_raw, "end_date") if end_raw else timezone.now()
    start = _parse_date(start_raw, "start_date") if start_raw else end - MAX_SPAN
    if end < start:
        raise DomainError("end_date is before start_date")
    if end - start > MAX_SPAN:
        raise DomainError("start_date and end_date may not span more than 90 days")
    qs = qs.filter(submitted_at__gte=start, submitted_at__lte=end)
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise DomainError("status must be open or closed")
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED)
    return qs


@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    try:
        qs = _filtered(request)
    except DomainError as exc:
        return error(fmt, 400, exc.message)
    detailed = _api_key(request) is not None
    rows = [request_payload(d, detailed=detailed) for d in qs[:MAX_RESULTS]]
    return respond(fmt, "service_requests", rows)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    if not post.get("api_key"):
        return error(fmt, 403, "api_key is required to submit a request")
    key = _api_key(request)
    if key is None:
        return error(fmt, 403, "api_key is invalid or revoked")
    code = post.get("service_code", "").strip()
    if not code:
        return error(fmt, 400, "service_code is required")
    category = DemandCategory.objects.filter(code=code, is_active=True).first()
    if category is None:
        return error(fmt, 404, f"service_code {code} not found")
    uscc = post.get("attribute[uscc]", "").strip().upper()
    if not uscc:
        return error(fmt, 400, "attribute[uscc] is required")
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        return error(fmt, 400, f"no enterprise with uscc {uscc} in the registry")
    lat, long = post.get("lat") or None, post.get("long") or None
    try:
        lat_value = float(lat) if lat else None
        long_value = float(long) if long else None
    except ValueError:
        return error(fmt, 400, "lat and long must be numbers")
    name = (post.get("last_name", "") + post.get("first_name", "")).strip()
    try:
        demand = services.submit_demand(
            enterprise=enterprise,
            category=category,
            content=post.get("description", ""),
            actor=None,
            api_key=key,
            channel=DemandChannel.OPEN311,
            contact_name=name,
            contact_phone=post.get("phone", ""),
            address=post.get("address_string", ""),
            lat=round(lat_value, 6) if lat_value is not None else None,
            long=round(long_value, 6) if long_value is not None else None,
        )
    except DomainError as exc:
        return error(fmt, 400, exc.message)
    except PermissionDenied as exc:
        return error(fmt, 403, str(exc))
    payload = [
        {
            "service_request_id": demand.number,
            "token": str(demand.token),
            "service_notice": request_payload(demand, detailed=False)["service_notice"],
            "account_id": None,
        }
    ]
    return respond(fmt, "service_requests", payload, status=201)


@login_not_required
@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    demand = (
        Demand.objects.select_related("category", "lead_department").filter(number=request_id.upper()).first()
    )
    if demand is None:
        return error(fmt, 404, f"service_request_id {request_id} not found")
    detailed = _api_key(request) is not None
    return respond(fmt, "service_requests", [request_payload(demand, detailed=detailed)])


@login_not_required
@require_GET
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    demand = Demand.objects.filter(token=token).only("number", "token").first()
    if demand is None:
        return error(fmt, 404, f"token {token} not found")
    return respond(
        fmt, "service_requests", [{"service_request_id": demand.number, "token": str(demand.token)}]
    )
