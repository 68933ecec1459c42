"""Open311 GeoReport v2 at /open311/v2/, driven through the PyPI client ``georeport`` (0.3.1) in JSON
and XML against the live server. The client has no POST, so submissions go through ``requests``
(the client's own HTTP library) with the spec's form fields."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import xmltodict
from georeport import GeoReport

from wutong.core.models import AuditEntry
from wutong.demands import services
from wutong.demands import testing as t
from wutong.demands.choices import DemandChannel, DemandStatus
from wutong.demands.models import Demand, DemandCategory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(live_server, org, admin_user):
    DemandCategory.objects.all().delete()
    t.category("housing", department=org["partner"])
    t.category("finance")
    t.enterprise()
    key, plain = services.issue_api_key(org_unit=org["partner"], name="12345 热线", actor=admin_user)
    return {"root": f"{live_server.url}/open311/v2", "key": plain, "key_obj": key}


def post(api, fmt="json", **fields):
    data = {
        "api_key": api["key"],
        "service_code": "housing",
        "description": "人才住房配租申请已提交三个月，希望了解审核进度",
        "attribute[uscc]": t.USCC_OWN,
        "first_name": "小明",
        "last_name": "王",
        "phone": "13800000000",
        **fields,
    }
    return requests.post(
        f"{api['root']}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None}
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_definition_through_the_client(api, fmt):
    client = GeoReport(api["root"], output_format=fmt)
    services_list = client.get_service_list()
    assert [s["service_code"] for s in services_list] == ["housing", "finance"]
    assert services_list[0]["service_name"] == "人才住房"
    assert services_list[0]["metadata"] in (True, "true")
    definition = client.get_service_definition("housing")
    attribute = definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
    assert attribute["code"] == "uscc"
    assert attribute["required"] in (True, "true")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_a_request_then_read_it_back_through_the_client(api, fmt, alice, org):
    response = post(api, fmt, lat="22.543096", long="114.117889")
    assert response.status_code == 201
    body = (
        response.json()[0]
        if fmt == "json"
        else xmltodict.parse(response.content)["service_requests"]["request"]
    )
    demand = Demand.objects.get(number=body["service_request_id"])
    assert demand.channel == DemandChannel.OPEN311 and demand.contact_name == "王小明"
    assert demand.enterprise.uscc == t.USCC_OWN and str(demand.lat) == "22.543096"
    assert AuditEntry.objects.get(action="demands.demand.submitted").data["api_key"] == api["key_obj"].pk

    client = GeoReport(api["root"], output_format=fmt)
    one = client.get_service_request(demand.number)
    assert one["status"] == "open"
    assert one["agency_responsible"] == "区科技创新局"  # not routed yet: the bureau
    assert one["expected_datetime"].startswith(f"{demand.reply_due.isoformat()}T23:59:59")
    assert not one.get("description")  # anonymous GET: no description

    services.accept_demand(demand, actor=alice)
    services.route_demand(demand, lead_department=org["partner"], actor=alice)
    one = client.get_service_request(demand.number)
    assert one["agency_responsible"] == "区住房和建设局" and one["status_notes"] == "已交办"

    token = client_token = body["token"]
    by_token = requests.get(f"{api['root']}/tokens/{client_token}.{fmt}")
    assert by_token.status_code == 200
    assert demand.number in by_token.text and token in by_token.text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_request_list_filters_by_status_code_and_id(api, fmt, alice, partner, enterprise_user, org):
    closed = t.replied_demand(alice, org["partner"], partner)
    services.rate_demand(closed, rating=5, actor=enterprise_user)
    open_one = t.submitted_demand(alice, cat=t.category("finance"), content="申请贷款贴息，希望了解政策")
    client = GeoReport(api["root"], output_format=fmt)

    def ids(rows):
        rows = rows if isinstance(rows, list) else [rows]  # xmltodict gives a dict for one element
        return sorted(r["service_request_id"] for r in rows)

    assert ids(client.get_service_requests()) == sorted([closed.number, open_one.number])
    assert ids(client.get_service_requests(status="closed")) == [closed.number]
    assert ids(client.get_service_requests(status="open")) == [open_one.number]
    assert ids(client.get_service_requests(service_code="finance")) == [open_one.number]
    assert ids(client.get_service_requests(service_request_id=closed.number)) == [closed.number]
    rows = client.get_service_requests(service_request_id=closed.number)
    row = rows if isinstance(rows, dict) else rows[0]
    assert row["status"] == "closed" and row["status_notes"] == "已办结"  # reply text needs a key


def test_an_api_key_unlocks_description_and_reply(api, alice, partner, org):
    demand = t.replied_demand(alice, org["partner"], partner)
    url = f"{api['root']}/requests/{demand.number}.json"
    anonymous = requests.get(url).json()[0]
    keyed = requests.get(url, params={"api_key": api["key"]}).json()[0]
    assert anonymous["description"] is None and anonymous["address"] is None
    assert keyed["description"] == demand.content and keyed["status_notes"] == demand.reply


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        pytest.param({"api_key": None}, 403, "api_key is required", id="no-key"),
        pytest.param({"api_key": "wt_wrong"}, 403, "invalid", id="bad-key"),
        pytest.param({"service_code": "nope"}, 404, "not found", id="unknown-service"),
        pytest.param({"attribute[uscc]": None}, 400, "attribute[uscc]", id="no-uscc"),
        pytest.param({"attribute[uscc]": "91440300MA5F999999"}, 400, "no enterprise", id="unknown-uscc"),
        pytest.param({"description": ""}, 400, "诉求内容", id="no-description"),
        pytest.param({"lat": "north"}, 400, "lat and long", id="bad-lat"),
    ],
)
def test_errors_use_the_open311_format_and_http_codes(api, fmt, fields, status, fragment):
    response = post(api, fmt, **fields)
    assert response.status_code == status
    error = response.json()[0] if fmt == "json" else xmltodict.parse(response.content)["errors"]["error"]
    assert int(error["code"]) == status and fragment in error["description"]
    assert Demand.objects.count() == 0


def test_a_revoked_key_is_refused(api, admin_user):
    services.revoke_api_key(api["key_obj"], actor=admin_user)
    assert post(api).status_code == 403


def test_unknown_request_and_bad_date_ranges(api):
    assert requests.get(f"{api['root']}/requests/SQ2026999999.json").status_code == 404
    assert requests.get(f"{api['root']}/services/nope.xml").status_code == 404
    start = (dt.date.today() - dt.timedelta(days=200)).isoformat() + "T00:00:00Z"
    response = requests.get(f"{api['root']}/requests.json", params={"start_date": start})
    assert response.status_code == 400 and "90 days" in response.json()[0]["description"]
    assert requests.get(f"{api['root']}/requests.json", params={"status": "pending"}).status_code == 400


def test_date_range_selects_by_requested_datetime(api, alice):
    from django.utils import timezone

    old = t.submitted_demand(alice, at=timezone.now() - dt.timedelta(days=120))
    recent = t.submitted_demand(alice)
    default = requests.get(f"{api['root']}/requests.json").json()
    assert [r["service_request_id"] for r in default] == [recent.number]  # default: the last 90 days
    start = (timezone.now() - dt.timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ranged = requests.get(
        f"{api['root']}/requests.json", params={"start_date": start, "end_date": end}
    ).json()
    assert [r["service_request_id"] for r in ranged] == [old.number]


def test_post_without_location_defaults_to_the_enterprise_address(api):
    response = post(api)
    demand = Demand.objects.get(number=response.json()[0]["service_request_id"])
    assert demand.address == "深圳市罗湖区桂园街道深南东路5016号" and demand.lat is None
    assert demand.status == DemandStatus.SUBMITTED
