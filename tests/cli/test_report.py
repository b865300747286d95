#!/usr/bin/env python3
"""--report FILE.html in a real headless browser (Debian's chromium, which
scripts/install-deps.sh installs; missing, the test fails): the page of a load of other
writers' files under hostile names renders (a screenshot that is not blank and shows the
timeline's colours and the memory chart's RSS line), logs nothing to the console, holds the
timeline's rectangles, the memory chart's lines and a table row per file, loads nothing from anywhere and shows every name as text; `sql` --trace and
--report record the load's decodes and the query.
usage: test_report.py FASTDATA DATA_DIR"""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

FASTDATA, DATA = sys.argv[1], sys.argv[2]
results = []
DECODE_RGB = (0x3b, 0xa5, 0x5c)  # .decode's fill in the page's CSS


def rss_ink(p):
    """A pixel of the RSS line (#c2185b, .rss's stroke, anti-aliased against white): far more
    red and blue than green, which no other colour of the page is."""
    return p[0] - p[1] > 60 and p[2] - p[1] > 25


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else detail))


def run(*args):
    p = subprocess.run([FASTDATA] + list(args), capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode("utf-8", "replace")


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG (what chromium
    writes), filters undone."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), "PNG of depth %d, colour type %d" % (depth, color)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def chromium(*args):
    """chromium headless on a file of ours (no network: file:// only): (status, stdout,
    stderr)."""
    exe = shutil.which("chromium")
    if not exe:
        return 127, "", "chromium is not installed: scripts/install-deps.sh installs it"
    p = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--enable-logging=stderr", "--v=0"] + list(args),
                       capture_output=True, timeout=90)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def console_lines(stderr):
    return [l for l in stderr.splitlines() if ":CONSOLE" in l]


class Dom(html.parser.HTMLParser):
    """What the rendered DOM holds: tags by parent section, the files table's cells, and
    every attribute that could load something."""

    def __init__(self):
        super().__init__()
        self.section, self.rects, self.rows, self.cells, self.loads, self.tags = None, 0, 0, [], [], []
        self.lines = {}  # polylines with an id, by chart: their points

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag in ("svg", "table") and a.get("id"):
            self.section = a["id"]
        self.loads += [(tag, k) for k in a if k in ("src", "href", "srcset", "action", "data")]
        if tag == "polyline" and a.get("id"):
            self.lines.setdefault(self.section, {})[a["id"]] = a.get("points", "").split()
        if tag == "rect" and self.section == "timeline":
            self.rects += 1
        if tag == "tr" and self.section == "files":
            self.rows += 1
            self.cells.append([])
        if tag == "td" and self.section == "files":
            self.cells[-1].append("")

    def handle_data(self, data):
        if self.section == "files" and self.cells and self.cells[-1]:
            self.cells[-1][-1] += data

    def handle_endtag(self, tag):
        if tag in ("svg", "table"):
            self.section = None


tmp = tempfile.mkdtemp(prefix="fdrep")
hostile = ["<img src=x onerror=alert(1)>.parquet", "a&b \"q\" 'x'.parquet", "plain.parquet"]
src = os.path.join(tmp, "in")
os.mkdir(src)
for name, writer in zip(hostile, ("duckdb_prim_v1_snappy.parquet", "arrowrs_prim_v2_snappy.parquet",
                                  "duckdb_prim_v1_gzip.parquet")):
    shutil.copy(os.path.join(DATA, "generated", writer), os.path.join(src, name))

page, trace = os.path.join(tmp, "load.html"), os.path.join(tmp, "load.json")
rc, out, err = run("load", "--report", page, "--trace", trace, "--columns", "id,c_int64", src)
text = open(page, encoding="utf-8").read() if rc == 0 else ""
check("load --report writes a page", rc == 0 and text.startswith("<!DOCTYPE html>"), err)
tags = re.findall(r"<[^>]*>", text)
loading = [t for t in tags if re.match(r"<(script|link|img|iframe|object|embed|image|use)\b", t, re.I)
           or re.search(r"\s(src|href|xlink:href|srcset|action)\s*=", t, re.I)]
check("the page loads nothing: no script, no external resource (%d tags)" % len(tags),
      tags and not loading and not re.search(r"url\(|@import|://", text, re.I), repr(loading[:3]))
check("every name escaped: the hostile names appear only as text",
      "&lt;img src=x onerror=alert(1)&gt;.parquet" in text and
      "a&amp;b &quot;q&quot; &#39;x&#39;.parquet" in text, text[-1500:])
events = json.load(open(trace))["traceEvents"] if rc == 0 else []
traced = {os.path.basename(e["args"]["file"]) for e in events if e.get("cat") == "decode"}
check("the trace and the page come from the same events: the decoded files", traced == set(hostile),
      repr(traced))

shot = os.path.join(tmp, "shot.png")
rc, _, err = chromium("--screenshot=" + shot, "--window-size=1200,1600", "file://" + page)
pixels = png_pixels(shot)[2] if rc == 0 and os.path.exists(shot) else []
flat = [p for row in pixels for p in row]
inked = sum(p != (255, 255, 255) for p in flat)
check("chromium renders it: a screenshot, not blank (%d of %d pixels inked)" % (inked, len(flat)),
      flat and inked > len(flat) // 100, err[-500:])
check("the timeline's decode spans are drawn (their colour on screen)",
      sum(p == DECODE_RGB for p in flat) >= 50, "%d decode pixels" % sum(p == DECODE_RGB for p in flat))
check("the memory chart's RSS line is drawn (its colour on screen)",
      sum(map(rss_ink, flat)) >= 100, "%d RSS pixels" % sum(map(rss_ink, flat)))
check("no console message while it renders", rc == 0 and not console_lines(err),
      "\n".join(console_lines(err)))

rc, dom_text, err = chromium("--dump-dom", "file://" + page)
dom = Dom()
dom.feed(dom_text)
names = sorted(c[0] for c in dom.cells if c)
check("the rendered DOM: timeline rectangles, a row per file (%d rects, %d rows)" %
      (dom.rects, dom.rows), rc == 0 and dom.rects >= 3 and dom.rows == 1 + len(hostile) and
      names == sorted(os.path.join(src, h) for h in hostile), repr(names))
memory = dom.lines.get("memory", {})
rss = [tuple(map(float, p.split(","))) for p in memory.get("counter-rss", [])]
check("the rendered DOM: the memory chart beside the throughput chart, an RSS line across the run "
      "(%d points, %s)" % (len(rss), sorted(memory)), rc == 0 and "throughput" in dom.lines and
      sorted(memory) == ["counter-rss"] and len(rss) >= 2 and rss[-1][0] - rss[0][0] > 300,
      repr(memory))
check("the rendered DOM loads nothing and runs nothing (no img, script, src, href)",
      rc == 0 and not dom.loads and "img" not in dom.tags and "script" not in dom.tags,
      repr(dom.loads))
check("no console message while the DOM is dumped", rc == 0 and not console_lines(err),
      "\n".join(console_lines(err)))

# The console check can fail: a page that logs an error is caught.
control = os.path.join(tmp, "control.html")
with open(control, "w") as f:
    f.write("<!DOCTYPE html><p>x</p><script>console.error('broken page')</script>")
rc, _, err = chromium("--dump-dom", "file://" + control)
check("the console check sees a page's console error", any("broken page" in l for l in console_lines(err)),
      err[-500:])

# sql: the load's decodes and the query on the timeline, the load's figures in the page.
sql_trace, sql_page = os.path.join(tmp, "sql.json"), os.path.join(tmp, "sql.html")
rc, out, err = run("sql", src, "SELECT count(*) AS n FROM t", "--columns", "id,c_int64",
                   "--trace", sql_trace, "--report", sql_page)
events = json.load(open(sql_trace))["traceEvents"] if rc == 0 else []
spans = {e["name"] for e in events if e["ph"] == "X"}
check("sql --trace: decode spans and the DuckDB query", rc == 0 and "DuckDB query" in spans and
      any(e.get("cat") == "decode" for e in events) and out.splitlines()[1] == "3000",
      err + out + repr(spans))
text = open(sql_page, encoding="utf-8").read() if rc == 0 else ""
check("sql --report: the load's rows in the summary, a row per file",
      "<tr><th>rows</th><td>3000</td></tr>" in text and text.count("<tr><td>") == len(hostile),
      text[:2000])

cat_page = os.path.join(tmp, "cat.html")
one = os.path.join(src, hostile[0])
rc, out, err = run("cat", "--report", cat_page, "--columns", "id", one)
text = open(cat_page, encoding="utf-8").read() if rc == 0 else ""
check("cat --report of one file: its rows printed, the source in the summary (escaped), its "
      "decodes in the table", rc == 0 and len(out.splitlines()) == 1000 and
      "<tr><th>source</th><td>%s</td></tr>" % one.replace("&", "&amp;").replace("<", "&lt;")
      .replace(">", "&gt;") in text and text.count("<tr><td>") == 1, err + text[:1500])

rc, _, err = run("load", "--report", "/nonexistent-dir/r.html", "--columns", "id", src)
check("--report to a path that cannot be written: one clear error", rc == 1 and
      err.startswith("fastdata: /nonexistent-dir/r.html: cannot write the report") and
      err.count("\n") == 1, err)

shutil.rmtree(tmp)
print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
