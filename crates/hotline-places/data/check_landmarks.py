#!/usr/bin/env python3
"""Check landmarks.csv against the unit gazetteer (districts.csv, streets.csv).

Run from anywhere: python3 crates/hotline-places/data/check_landmarks.py
Exits 1 and lists every problem if a row is malformed; prints counts by kind otherwise.

Checks:
- header is exactly name,aliases,kind,district,street,source
- kind is one of the allowed kinds
- district, when given, is an official district name in districts.csv
- street, when given, is an official street/township in streets.csv that belongs to that district
  (a street without a district is an error)
- every row has a name and a source
- names and aliases are unique across the table: an alias never repeats a name or alias of another
  row (a name shared by two places must not be in the table at all; see LANDMARKS.md)
- no name or alias is a bare district name (朝阳区 / 朝阳): those are resolved by the gazetteer
- ring roads and expressways have no district
"""

import csv
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
UNITS = HERE.parent.parent / "hotline" / "data"

HEADER = ["name", "aliases", "kind", "district", "street", "source"]
KINDS = {
    "district_name", "subway_station", "railway_station", "airport", "hospital", "mall", "park", "university",
    "area", "road", "ring_road", "expressway", "bridge", "landmark", "scenic_spot", "stadium",
    "government",
}
NO_DISTRICT_KINDS = {"ring_road", "expressway"}


def main() -> int:
    with open(UNITS / "districts.csv", encoding="utf-8") as f:
        districts = {r["code"]: r["name"] for r in csv.DictReader(f)}
    streets_of: dict[str, set[str]] = {name: set() for name in districts.values()}
    with open(UNITS / "streets.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            streets_of[districts[r["areaCode"]]].add(r["name"])
    district_words = set(districts.values()) | {d[:-1] for d in districts.values()}

    errors: list[str] = []
    owner: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    no_district = 0
    with_street = 0
    with open(HERE / "landmarks.csv", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != HEADER:
            errors.append(f"header is {header}, expected {HEADER}")
        rows = 0
        for lineno, rec in enumerate(reader, start=2):
            if len(rec) != len(HEADER):
                errors.append(f"line {lineno}: {len(rec)} fields, expected {len(HEADER)}")
                continue
            rows += 1
            name, aliases, kind, district, street, source = (x.strip() for x in rec)
            where = f"line {lineno} ({name})"
            if not name:
                errors.append(f"line {lineno}: empty name")
            if not source:
                errors.append(f"{where}: empty source")
            if kind not in KINDS:
                errors.append(f"{where}: unknown kind {kind!r}")
            kinds[kind] += 1
            if district and district not in streets_of:
                errors.append(f"{where}: district {district!r} is not in districts.csv")
            if kind in NO_DISTRICT_KINDS and district:
                errors.append(f"{where}: a {kind} must have an empty district")
            if street:
                with_street += 1
                if not district:
                    errors.append(f"{where}: street {street!r} given without a district")
                elif district in streets_of and street not in streets_of[district]:
                    errors.append(f"{where}: street {street!r} is not a street of {district} in streets.csv")
            if not district:
                no_district += 1
            names = [name] + [a.strip() for a in aliases.split("|") if a.strip()]
            if len(names) != len(set(names)):
                errors.append(f"{where}: an alias repeats the name or another alias")
            for n in set(names):
                if n in district_words:
                    errors.append(f"{where}: {n!r} is a district name")
                if n in owner and owner[n] != name:
                    errors.append(f"{where}: {n!r} is also used by row {owner[n]!r}")
                owner.setdefault(n, name)

    if errors:
        for e in errors:
            print("ERROR", e)
        print(f"{len(errors)} error(s)")
        return 1
    print(f"landmarks.csv OK: {rows} rows, {len(owner)} distinct names and aliases")
    print(f"  rows with a district: {rows - no_district}, without (spans several or on a border): {no_district}")
    print(f"  rows with a street: {with_street}")
    for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind}: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
