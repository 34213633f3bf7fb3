# Copyright (c) 2026 ostokubevirt contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The assessment as one self-contained HTML page: inline CSS, inline SVG charts, a little inline JS.

These networks are often closed, so the page loads nothing (its Content-Security-Policy forbids it). Every value
from the cloud (project and server names, messages) goes through esc(); the script reads the DOM only and never
builds HTML, so a name cannot become markup.
"""

from __future__ import annotations

from html import escape

from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.assessment import GIB
from ansible_collections.ostokubevirt.migrate.plugins.module_utils.translate.disk_plan import human_duration

STATUS_COLOURS = {"ready": "#2e7d32", "warning": "#ef6c00", "blocked": "#c62828"}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1b1b1b;font-size:14px}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:1px solid #ccc}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:0;padding:0}
.cards div{border:1px solid #ccc;border-radius:4px;padding:.4rem .8rem;min-width:8rem}
.cards dt{font-size:.75rem;color:#555}.cards dd{margin:0;font-size:1.2rem;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}table.sortable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ready{color:#2e7d32}.warning{color:#ef6c00}.blocked,.failed{color:#c62828;font-weight:600}
.filter{margin:.3rem 0;padding:.3rem;width:22rem;max-width:100%}
ul.f{margin:0;padding-left:1rem}ul.f li{margin:0}.sev{font-weight:600}
svg{max-width:100%;height:auto}svg text{font-size:11px;font-family:inherit}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem}
.muted{color:#666}
@media print{
 body{margin:0;font-size:10px;color:#000}.filter,.noprint{display:none}
 h2{break-after:avoid}tr,svg,.cards div{break-inside:avoid}thead{display:table-header-group}
 th{background:none}table.sortable th{cursor:auto}a{color:#000;text-decoration:none}
 .ready,.warning,.blocked,.failed{color:#000}.blocked,.failed{text-decoration:underline}
 @page{size:A4 landscape;margin:12mm}
}
"""

# Sorting and filtering only: reads cell text and data-v, moves existing rows, sets hidden.
_JS = """
(function(){
 function key(td){var v=td.getAttribute('data-v');if(v!==null&&v!==''&&!isNaN(v))return[0,parseFloat(v)];return[1,td.textContent.trim().toLowerCase()];}
 function cmp(a,b){if(a[0]!==b[0])return a[0]-b[0];return a[1]<b[1]?-1:a[1]>b[1]?1:0;}
 document.querySelectorAll('table.sortable').forEach(function(table){
  var heads=table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th,col){
   th.tabIndex=0;
   function sort(){
    var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
    Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir);
    var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(r1,r2){var c=cmp(key(r1.cells[col]),key(r2.cells[col]));return dir==='ascending'?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});
   }
   th.addEventListener('click',sort);
   th.addEventListener('keydown',function(e){if(e.key==='Enter')sort();});
  });
 });
 document.querySelectorAll('input.filter').forEach(function(input){
  var table=document.getElementById(input.getAttribute('data-table'));
  input.addEventListener('input',function(){
   var words=input.value.toLowerCase().split(/\\s+/).filter(Boolean);
   Array.prototype.forEach.call(table.tBodies[0].rows,function(row){
    var text=row.textContent.toLowerCase();
    row.hidden=!words.every(function(w){return text.indexOf(w)>=0;});
   });
  });
 });
})();
"""


def esc(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _gib(size_bytes: int) -> str:
    return f"{size_bytes / GIB:,.1f}"


def _num(value, text: str | None = None) -> str:
    return f'<td class="n" data-v="{esc(value)}">{esc(value if text is None else text)}</td>'


def _cards(totals: dict, bandwidth_mbps, max_parallel) -> str:
    items = [
        ("Tenants assessed", f"{totals['tenants_assessed']} of {totals['tenants']}"),
        ("Tenants failed", totals["tenants_failed"]),
        ("VMs", totals["vms_total"]),
        ("Ready", totals["vms_ready"]),
        ("Warning", totals["vms_warning"]),
        ("Blocked", totals["vms_blocked"]),
        ("vCPU to move", totals["vcpus"]),
        ("RAM to move (GiB)", f"{totals['ram_mib'] / 1024:,.1f}"),
        ("Disk (GiB)", totals["disk_gib"]),
        ("GiB to transfer", _gib(totals["bytes_to_move"])),
        ("Floating IPs", totals["floating_ips"]),
        ("SGs needing Calico", totals["calico_security_groups"]),
        (f"Transfer time at {bandwidth_mbps:g} Mbit/s, {max_parallel} parallel", human_duration(totals["transfer_seconds"])),
    ]
    return '<dl class="cards" id="totals">' + "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in items) + "</dl>"


def _bar_chart(title: str, rows: list[tuple[str, list[tuple[str, float, str]]]], unit: str, chart_id: str) -> str:
    """Horizontal (stacked) bars: rows of (label, [(series, value, colour)])."""
    if not rows:
        return ""
    label_w, bar_w, row_h = 220, 460, 18
    peak = max((sum(part[1] for part in row[1]) for row in rows), default=0) or 1
    height = row_h * len(rows) + 10
    out = [
        f'<svg id="{esc(chart_id)}" role="img" aria-label="{esc(title)}" viewBox="0 0 {label_w + bar_w + 90} {height}" '
        f'width="{label_w + bar_w + 90}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{esc(title)}</title>'
    ]
    for index, (label, parts) in enumerate(rows):
        y = 5 + index * row_h
        # About 34 characters fit left of the bars; the full name is in the tooltip and the tables.
        short = label if len(label) <= 34 else label[:33] + "\u2026"
        out.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{esc(short)}<title>{esc(label)}</title></text>')
        x = float(label_w)
        for series, value, colour in parts:
            width = bar_w * value / peak
            if width > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="{row_h - 5}" fill="{colour}">'
                    f"<title>{esc(label)}: {esc(series)} {value:g}</title></rect>"
                )
            x += width
        total = sum(part[1] for part in parts)
        out.append(f'<text x="{x + 4:.1f}" y="{y + 12}">{total:,.4g} {esc(unit)}</text>')
    out.append("</svg>")
    return "".join(out)


def _label(tenant: dict) -> str:
    return f"{tenant['domain']}/{tenant['project']}"


def _charts(tenants: list[dict]) -> str:
    assessed = [t for t in tenants if t["status"] == "assessed"]
    by_status = _bar_chart(
        "VMs by status per tenant",
        [(_label(t), [(s, t["vms"][s], STATUS_COLOURS[s]) for s in STATUS_COLOURS]) for t in assessed],
        "VMs",
        "chart-vms",
    )
    by_gib = _bar_chart(
        "GiB to transfer per tenant", [(_label(t), [("GiB", round(t["bytes_to_move"] / GIB, 1), "#1565c0")]) for t in assessed], "GiB", "chart-gib"
    )
    legend = '<p class="legend">' + "".join(f'<span><i style="background:{c}"></i>{s}</span>' for s, c in STATUS_COLOURS.items()) + "</p>"
    return f"<h2>VMs by status per tenant</h2>{legend}{by_status}<h2>GiB to transfer per tenant</h2>{by_gib}"


def _table(table_id: str, headers: list[str], rows: list[str], *, filterable: bool = True, caption: str = "") -> str:
    filter_box = (
        f'<input class="filter noprint" type="search" data-table="{table_id}" placeholder="Filter {esc(caption)}" aria-label="Filter {esc(caption)}">'
        if filterable
        else ""
    )
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(rows) or f'<tr><td colspan="{len(headers)}" class="muted">none</td></tr>'
    return f'{filter_box}<table id="{table_id}" class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _findings(findings: list[dict]) -> str:
    if not findings:
        return ""
    items = "".join(
        f'<li><span class="sev {esc(f["severity"])}">{esc(f["severity"])}</span> <code>{esc(f["field"])}</code>: {esc(f["message"])}</li>' for f in findings
    )
    return f'<ul class="f">{items}</ul>'


def _tenant_rows(tenants: list[dict]) -> list[str]:
    rows = []
    for t in tenants:
        if t["status"] != "assessed":
            continue
        owners = ", ".join(f"{o['kind'].lower()} {o['name']} ({'/'.join(o['roles'])})" for o in t["owners"])
        rows.append(
            "<tr>"
            f"<td>{esc(t['domain'])}</td><td>{esc(t['project'])}</td><td>{esc(t['namespace'])}</td><td>{esc(owners)}</td>"
            + _num(t["vms"]["ready"])
            + _num(t["vms"]["warning"])
            + _num(t["vms"]["blocked"])
            + _num(t["vcpus"])
            + _num(t["ram_mib"], f"{t['ram_mib'] / 1024:,.1f}")
            + _num(t["disk_gib"])
            + _num(t["bytes_to_move"], _gib(t["bytes_to_move"]))
            + _num(t["floating_ips"])
            + f"<td>{esc(', '.join(t['calico_security_groups']))}</td>"
            + _num(t["transfer_seconds"], human_duration(t["transfer_seconds"]))
            + "</tr>"
        )
    return rows


def _vm_rows(tenants: list[dict]) -> list[str]:
    rows = []
    for t in tenants:
        for vm in t.get("servers", []):
            disks = "".join(f"<li>{esc(d['name'])} {esc(d['size_gib'])} GiB, {esc(d['method'] or 'none')}</li>" for d in vm["disks"])
            rows.append(
                "<tr>"
                f"<td>{esc(t['domain'])}/{esc(t['project'])}</td><td>{esc(vm['name'])}</td>"
                f'<td class="{esc(vm["status"])}">{esc(vm["status"])}</td>'
                + _num(vm["vcpus"])
                + _num(vm["ram_mib"], f"{vm['ram_mib'] / 1024:,.1f}")
                + _num(vm["disk_gib"])
                + f'<td><ul class="f">{disks}</ul></td>'
                + _num(vm["transfer_seconds"], human_duration(vm["transfer_seconds"]))
                + f'<td data-v="{len(vm["findings"])}">{_findings(vm["findings"])}</td></tr>'
            )
    return rows


def render_html(report: dict) -> str:
    totals, tenants = report["totals"], report["tenants"]
    failed = [t for t in tenants if t["status"] != "assessed"]
    blockers = [f'<tr><td>{esc(b["reason"])}</td>{_num(b["count"])}<td>{esc(", ".join(b["vms"]))}</td></tr>' for b in report["blockers"]]
    biggest = [
        f"<tr><td>{esc(b['domain'])}/{esc(b['project'])}</td><td>{esc(b['namespace'])}</td>"
        f"{_num(b['vms'])}{_num(b['bytes_to_move'], _gib(b['bytes_to_move']))}</tr>"
        for b in report["biggest_tenants"]
    ]
    failed_rows = [
        f'<tr><td>{esc(t["domain"])}</td><td>{esc(t["project"])}</td><td>{esc(t["snapshot"])}</td><td class="failed">{esc(t["error"])}</td></tr>'
        for t in failed
    ]
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>OpenStack to KubeVirt migration assessment</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>OpenStack to KubeVirt migration assessment</h1>",
        f'<p class="muted">Computed from the same translation as the migration plan. Transfer times assume {report["bandwidth_mbps"]:g} Mbit/s per disk '
        f"stream and {report['max_parallel']} VMs at a time within a tenant, tenants one after another.</p>",
        "<h2>Totals</h2>",
        _cards(totals, report["bandwidth_mbps"], report["max_parallel"]),
        "<h2>Blockers by reason</h2>",
        _table("blockers", ["Reason", "VMs", "Which"], blockers, caption="blockers"),
        "<h2>Biggest tenants</h2>",
        _table("biggest", ["Tenant", "Namespace", "VMs", "GiB to transfer"], biggest, filterable=False, caption="biggest tenants"),
        _charts(tenants),
        "<h2>Tenants</h2>",
        _table(
            "tenants",
            [
                "Domain",
                "Project",
                "Namespace",
                "Owners",
                "Ready",
                "Warning",
                "Blocked",
                "vCPU",
                "RAM GiB",
                "Disk GiB",
                "GiB to transfer",
                "Floating IPs",
                "SGs needing Calico",
                "Transfer time",
            ],
            _tenant_rows(tenants),
            caption="tenants",
        ),
    ]
    if failed:
        parts += [
            "<h2>Tenants that could not be assessed</h2>",
            _table("failed", ["Domain", "Project", "Snapshot", "Error"], failed_rows, caption="failed tenants"),
        ]
    parts += [
        "<h2>VMs</h2>",
        _table(
            "vms",
            ["Tenant", "VM", "Status", "vCPU", "RAM GiB", "Disk GiB", "Disks (size, method)", "Transfer time", "Findings"],
            _vm_rows(tenants),
            caption="VMs",
        ),
        f"<script>{_JS}</script></body></html>\n",
    ]
    return "".join(parts)
