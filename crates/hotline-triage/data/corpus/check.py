#!/usr/bin/env python3
"""Validate corpus files: python3 check.py FILE.jsonl [...]  (exit 1 on any error).

Checks every line against the platform's vocabulary and reference data, the way the
`hotline eval` loader will: JSON per line, unique ids, category paths in categories.csv
(each element the parent of the next), district and street names (street inside district),
duplicate_of pointing to an earlier id of the same file, and a few label rules."""
import csv, json, os, sys, collections

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "hotline", "data"))

cats = {}
with open(os.path.join(DATA, "categories.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        cats[row["code"]] = row
districts = {}
with open(os.path.join(DATA, "districts.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        districts[row["name"]] = row["code"]
streets = collections.defaultdict(set)
with open(os.path.join(DATA, "streets.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        streets[row["name"]].add(row["areaCode"])

NATURES = {"consult", "help", "complaint", "report", "suggestion", "praise"}
URGENCIES = {"emergency", "utility24h", "general", "complex"}
DISPOSITIONS = {"dispatch", "answer", "redirect", "duplicate", "transfer_110", "transfer_119", "transfer_120", "transfer_122"}
CHANNELS = {"phone", "web", "app", "wechat", "open311", "email", "other"}
LANGS = {"zh", "en", "mixed"}
VOICES = {"operator", "angry", "elderly", "terse", "formal", "typo", "beijing", "english", "mixed", "plain"}
FIELDS = ["id", "writer", "voice", "channel", "lang", "text", "nature", "category", "category_path",
          "urgency", "disposition", "district", "street", "duplicate_of"]

def check(path):
    errors = []
    seen = set()
    counts = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"{path}:{n}"
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: not JSON: {e}")
                continue
            missing = [k for k in FIELDS if k not in r]
            if missing:
                errors.append(f"{where}: missing fields {missing}")
                continue
            extra = [k for k in r if k not in FIELDS and k != "note"]
            if extra:
                errors.append(f"{where}: unknown fields {extra}")
            i = r["id"]
            if i in seen:
                errors.append(f"{where}: duplicate id {i}")
            for field, allowed in [("voice", VOICES), ("channel", CHANNELS), ("lang", LANGS), ("nature", NATURES),
                                   ("urgency", URGENCIES), ("disposition", DISPOSITIONS)]:
                if r[field] not in allowed:
                    errors.append(f"{where}: {field} {r[field]!r} not in {sorted(allowed)}")
            if not isinstance(r["text"], str) or len(r["text"].strip()) < 2:
                errors.append(f"{where}: empty text")
            p = r["category_path"]
            if not isinstance(p, list) or not p:
                errors.append(f"{where}: category_path must be a non-empty list")
            else:
                if p[0] != r["category"]:
                    errors.append(f"{where}: category {r['category']!r} is not category_path[0]")
                for k, code in enumerate(p):
                    if code not in cats:
                        errors.append(f"{where}: category code {code!r} not in categories.csv")
                    if k > 0 and not code.startswith(p[k - 1] + "/"):
                        errors.append(f"{where}: {code!r} is not a child of {p[k-1]!r}")
                    if code.count("/") != k:
                        errors.append(f"{where}: {code!r} at depth {k}")
                deepest = cats.get(p[-1])
                if deepest and deepest["default_urgency"] == "emergency" and r["urgency"] != "emergency":
                    errors.append(f"{where}: {p[-1]} is an emergency node but urgency is {r['urgency']!r}")
            if r["disposition"].startswith("transfer_") and r["urgency"] != "emergency":
                errors.append(f"{where}: a transfer must have urgency emergency")
            if r["disposition"] == "duplicate":
                if not r["duplicate_of"] or r["duplicate_of"] not in seen:
                    errors.append(f"{where}: duplicate_of must name an EARLIER id of this file")
            elif r["duplicate_of"] is not None:
                errors.append(f"{where}: duplicate_of set but disposition is not duplicate")
            d, s = r["district"], r["street"]
            if d is not None and d not in districts:
                errors.append(f"{where}: district {d!r} not in districts.csv")
            if s is not None:
                if d is None:
                    errors.append(f"{where}: street without district")
                elif s not in streets:
                    errors.append(f"{where}: street {s!r} not in streets.csv")
                elif districts.get(d) not in streets[s]:
                    errors.append(f"{where}: street {s!r} is not in {d!r}")
            seen.add(i)
            counts["lines"] += 1
            counts["nature:" + r["nature"]] += 1
            counts["urgency:" + r["urgency"]] += 1
            counts["disposition:" + r["disposition"]] += 1
            counts["lang:" + r["lang"]] += 1
            counts["voice:" + r["voice"]] += 1
            if isinstance(p, list) and p:
                counts["cat:" + p[0]] += 1
    return errors, counts

if __name__ == "__main__":
    bad = False
    for path in sys.argv[1:]:
        errors, counts = check(path)
        for e in errors[:200]:
            print(e)
        bad |= bool(errors)
        print(f"{path}: {counts['lines']} lines, {len(errors)} errors")
        print("  " + " ".join(f"{k}={v}" for k, v in sorted(counts.items()) if k != "lines"))
    sys.exit(1 if bad else 0)
