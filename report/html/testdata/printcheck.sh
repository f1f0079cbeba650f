#!/bin/sh
# printcheck.sh PROFILE [MAXPAGES]: writes the HTML and JSON reports of
# PROFILE, prints the HTML to A4 PDF with Chromium, counts the pages and
# checks that the PDF holds every artefact digest, result, risk entry and
# its reasoning, finding, excluded threat and reference URL of the JSON
# report (a cut table or column loses some). Needs chromium, pdfinfo and
# pdftotext (Debian: chromium poppler-utils) and python3. Run from the
# repository root. See docs/report.md.
set -eu
profile=$1
maxpages=${2:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go run ./cmd/aiassure assess -format json -o "$dir/r.json" "$profile"
go run ./cmd/aiassure report convert --format html -o "$dir/r.html" "$dir/r.json"
chromium --headless --no-sandbox --print-to-pdf="$dir/r.pdf" "file://$dir/r.html" 2>/dev/null
pages=$(pdfinfo "$dir/r.pdf" | awk '/^Pages:/ {print $2}')
pdftotext -raw "$dir/r.pdf" "$dir/r.txt"
python3 - "$dir/r.json" "$dir/r.txt" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
text = re.sub(r"\s+", "", open(sys.argv[2]).read())
items = [a["digest"] for a in r.get("artefacts") or [] if a.get("digest")]
items += [x["id"] for x in r.get("results") or []]
items += [f["id"] for f in r.get("findings") or []]
items += [x["threat"] for x in (r["risk"].get("not_applicable") or [])]
items += [x["url"] for x in r.get("references") or [] if x.get("url")]
for e in r["risk"]["entries"]:
    items += [e["threat"]] + (e.get("reasoning") or [])
missing = [s for s in items if re.sub(r"\s+", "", s) not in text]
print(f"{len(items)} texts checked, {len(missing)} missing from the PDF")
for s in missing[:20]:
    print("  missing:", s)
sys.exit(1 if missing else 0)
PY
echo "$profile: $pages A4 pages"
[ "$pages" -le "$maxpages" ]
