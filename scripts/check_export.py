#!/usr/bin/env python3
"""Checks that the open-data export and the analytics API agree (issue #14).

Runs five queries twice: through POST /api/v1/analytics/query of a running server, and with DuckDB
over the Parquet files `hotline export` wrote. Counts must be equal; rates and hours equal to
four decimals (the API rounds to four). Exits non-zero, listing the differences, when they do not.

usage: check_export.py --base http://127.0.0.1:PORT --user NAME --password PW --dir EXPORT_DIR
"""
import argparse
import http.cookiejar
import json
import sys
import urllib.request

import duckdb

QUERIES = [
    (
        {"measure": "count", "group_by": ["district"], "filters": {"from": "2025-07-01", "to": "2025-08-01"}},
        "select district as k, count(*) as v from t where received_date >= date '2025-07-01' and received_date < date '2025-08-01' group by 1",
    ),
    (
        {"measure": "count", "group_by": ["month"], "filters": {"age_group": ["senior"]}},
        "select strftime(received_date, '%Y-%m') as k, count(*) as v from t where age_group = 'senior' group by 1",
    ),
    (
        {"measure": "satisfaction_rate", "group_by": ["district"]},
        "select district as k, avg(case when satisfaction in ('satisfied', 'basic') then 1.0 else 0.0 end) as v "
        "from t where evaluated and not excluded group by 1",
    ),
    (
        {"measure": "median_reply_hours", "group_by": ["category_l1"]},
        "select category_l1 as k, median(reply_hours) as v from t where reply_hours is not null group by 1",
    ),
    (
        {"measure": "response_rate", "group_by": ["channel"], "filters": {"nature": ["complaint"]}},
        "select channel as k, avg(case when contacted then 1.0 else 0.0 end) as v from t "
        "where evaluated and not excluded and nature = 'complaint' group by 1",
    ),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, body):
        req = urllib.request.Request(args.base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with opener.open(req) as res:
            return json.loads(res.read())

    post("/api/v1/auth/login", {"username": args.user, "password": args.password})
    con = duckdb.connect()
    con.execute(f"create view t as select * from read_parquet('{args.dir}/**/*.parquet', hive_partitioning = true)")
    total = con.execute("select count(*) from t").fetchone()[0]
    print(f"export: {total} orders")
    failures = 0
    for query, sql in QUERIES:
        answer = post("/api/v1/analytics/query", query)
        dim = query["group_by"][0]
        api = {row[dim]: row["value"] for row in answer["rows"]}
        db = {k: v for k, v in con.execute(sql).fetchall()}
        rate = query["measure"] != "count"
        same = set(api) == set(db) and all(
            (api[k] is None and db[k] is None) or (api[k] is not None and db[k] is not None and (abs(api[k] - round(db[k], 4)) < 1e-9 if rate else api[k] == db[k]))
            for k in api
        )
        print(f"{'ok  ' if same else 'DIFF'} {json.dumps(query, ensure_ascii=False)}: {len(api)} groups")
        if not same:
            failures += 1
            for k in sorted(set(api) | set(db), key=str):
                if api.get(k) != db.get(k):
                    print(f"     {k}: api {api.get(k)} duckdb {db.get(k)}")
    if failures:
        sys.exit(f"{failures} of {len(QUERIES)} queries disagree")
    print(f"all {len(QUERIES)} queries agree")


if __name__ == "__main__":
    main()
