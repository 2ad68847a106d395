"""Drives the real PyPI Open311 client `georeport` against a running Hotline server, in JSON and in
XML (peers.md §1.12: it reads list roots, `json()[0]` for one request, and xmltodict's
`['services']['service']`, `['service_definition']`, `['service_requests']['request']`).

Usage: python3 georeport_check.py http://127.0.0.1:PORT  (a server with the demo users)
Exits non-zero on the first failed check.
"""

import sys

import requests
from georeport import GeoReport

base = sys.argv[1].rstrip("/")
root = f"{base}/open311/v2"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


def as_list(v):
    """xmltodict gives a dict for a single child and a list for several."""
    return v if isinstance(v, list) else [v]


# An API key: the API token of the demo's client system account (role open311_client).
s = requests.Session()
s.post(f"{base}/api/v1/auth/login", json={"username": "open311", "password": "hotline-demo"}).raise_for_status()
key = s.post(f"{base}/api/v1/tokens", json={"name": "georeport check"}).json()["token"]

# A request of our own through POST (georeport itself only reads), with a multi-value attribute.
services = GeoReport(root).get_service_list()
parking = next(x["service_code"] for x in services if x["service_code"].startswith("TRF.illegal_parking."))
form = [
    ("api_key", key),
    ("service_code", parking),
    ("description", "望京西园三区门口有车占用消防通道 (georeport check)"),
    ("lat", "39.9963"),
    ("long", "116.4710"),
    ("attribute[blocking][]", "fire_lane"),
    ("attribute[blocking][]", "sidewalk"),
    ("phone", "13812345678"),
]
created = requests.post(f"{root}/requests.json", data=form)
created.raise_for_status()
new_id = created.json()[0]["service_request_id"]
check(isinstance(new_id, str) and new_id.isdigit(), f"POST requests.json returns a string id ({new_id})")

for fmt in ("json", "xml"):
    client = GeoReport(root, output_format=fmt)
    services = as_list(client.get_service_list())
    check(len(services) > 300, f"[{fmt}] get_service_list: {len(services)} services")
    codes = {x["service_code"] for x in services}
    check(parking in codes, f"[{fmt}] the parking service is listed")
    with_metadata = [x for x in services if str(x["metadata"]).lower() == "true"]
    check(len(with_metadata) > 0, f"[{fmt}] some services have metadata")
    definition = client.get_service_definition(parking)
    attributes = definition["attributes"] if fmt == "json" else as_list(definition["attributes"]["attribute"])
    check(any(a["code"] == "blocking" for a in attributes), f"[{fmt}] get_service_definition lists the blocking question")
    listed = as_list(client.get_service_requests())
    check(len(listed) > 0, f"[{fmt}] get_service_requests: {len(listed)} requests in the last 90 days")
    ids = [r["service_request_id"] for r in listed]
    check(new_id in ids, f"[{fmt}] the posted request is listed")
    one = client.get_service_request(new_id)
    check(one["service_request_id"] == new_id and one["status"] == "open", f"[{fmt}] get_service_request returns it, open")
    check("13812345678" not in str(one), f"[{fmt}] no phone number published")
    picked = as_list(client.get_service_requests(service_request_id=f"{new_id},{ids[-1]}", status="closed"))
    check({r["service_request_id"] for r in picked} == {new_id, ids[-1]}, f"[{fmt}] service_request_id overrides the other filters")
    open_only = as_list(client.get_service_requests(status="open"))
    check(all(r["status"] == "open" for r in open_only), f"[{fmt}] status=open filters")
    try:
        client.get_service_requests(start_date="2026-01-01T00:00:00")
        check(False, f"[{fmt}] a date without a zone is refused")
    except requests.HTTPError as e:
        check(e.response.status_code == 400, f"[{fmt}] a date without a zone is refused with 400")

print("georeport: all checks passed")
