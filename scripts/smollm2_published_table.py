#!/usr/bin/env python3
"""Add the model authors' published numbers beside ours to comparison.md and comparison.html.

Reads our report (engram-bench eval) and published.json (the published figures, their source and,
per row, how the protocols differ) and writes a section "Published by the model's authors" into
both files (replacing an earlier one, so reruns are idempotent). Our values come from the report;
nothing is typed in here. Standard library only.

    python3 scripts/smollm2_published_table.py --report R.json --published P.json \
        --markdown comparison.md --html comparison.html
"""
import argparse
import html
import json
import re
import sys
from pathlib import Path

MD_BEGIN, MD_END = "<!-- published:begin -->", "<!-- published:end -->"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("report", "published", "markdown", "html"):
        p.add_argument(f"--{name}", type=Path, required=True)
    return p.parse_args()


def load(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"{path}: {e}")


def metric_text(metric):
    value, ci = metric.get("value"), metric.get("ci95")
    if value is None:
        return "n/a"
    text = f"{100 * value:.1f}"
    if ci:
        text += f" [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"
    return text + f" (n={metric.get('n')})"


def ours_cells(report, row):
    task = report["tasks"].get(row["family"])
    if task is None:
        return "not in this report"
    if row["family"] == "ruler":
        groups = task.get("groups") or {}
        parts = [f"{name}: {metric_text(next(iter(g['metrics'].values())))}"
                 for name, g in sorted(groups.items()) if name.startswith(("all@", "all_without_qa@"))]
        return "; ".join(parts) or "no per-length average in the report"
    metric = task["metrics"].get(row["ours_metric"])
    if metric is None:
        sys.exit(f"report: tasks.{row['family']}.metrics has no '{row['ours_metric']}'")
    return metric_text(metric)


def rows(report, published):
    for row in published["rows"]:
        label = row["published_label"] or "-"
        value = "not published" if row["value"] is None else f"{row['value']:.1f}"
        yield row["family"], label, value, ours_cells(report, row), row["protocol_difference"]


def markdown_section(report, published):
    lines = [MD_BEGIN, "## Published by the model's authors", "",
             f"Source: {published['source']} Harness: {published['harness']}. Ours: "
             f"`{report['model']['spec']}`, values in percent with 95% CI.", "",
             "| family | published metric | published | ours | protocol difference |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows(report, published)]
    return "\n".join(lines + [MD_END]) + "\n"


def html_section(report, published):
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                    for r in rows(report, published))
    return (f"{MD_BEGIN}<h2>Published by the model's authors</h2><p>Source: {html.escape(published['source'])} "
            f"Harness: {html.escape(published['harness'])}.</p><table><tr><th>family</th><th>published metric</th>"
            f"<th>published</th><th>ours</th><th>protocol difference</th></tr>{cells}</table>{MD_END}")


def replace_section(text, section, before=None):
    pattern = re.compile(re.escape(MD_BEGIN) + ".*?" + re.escape(MD_END) + "\n?", re.S)
    text = pattern.sub("", text)
    if before and before in text:
        return text.replace(before, section + before, 1)
    return text.rstrip("\n") + "\n\n" + section


def write_atomic(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main():
    args = parse_args()
    report, published = load(args.report), load(args.published)
    for path in (args.markdown, args.html):
        if not path.is_file():
            sys.exit(f"{path}: not found (run engram-bench compare first)")
    write_atomic(args.markdown, replace_section(args.markdown.read_text(encoding="utf-8"),
                                                markdown_section(report, published)))
    write_atomic(args.html, replace_section(args.html.read_text(encoding="utf-8"),
                                            html_section(report, published), before="</body>"))
    print(f"wrote the published numbers into {args.markdown} and {args.html}")


if __name__ == "__main__":
    main()
