"""Turn the results of ``run.py`` into ``RESULTS.md`` and the PNG chart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["render_chart", "render_docs_block", "render_markdown", "update_docs"]

GOALS = {
    "cpu_vs_httpx": 1.15,
    "cpu_vs_togai": 0.80,
    "async_vs_httpx": 1.20,
    "import_vs_httpx": 1.50,
    "memory_mib": 20.0,
    "surface_added_ms": 2.0,
}


def _met(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """(number, what, goal, measured, ratio, met) for the goals table."""
    rows = []
    for where in ("stub", "sandbox"):
        cpu = results["cpu"][where]
        ours, httpx, togai = (cpu[c]["cpu_us"] for c in ("ours", "httpx", "togai-client"))
        r = ours / httpx
        rows.append(
            (
                "1",
                f"client CPU per sync `get_customer`, vs raw `httpx.Client` ({where})",
                f"<= {GOALS['cpu_vs_httpx']:.2f}x",
                f"ours {ours:.0f} µs, httpx {httpx:.0f} µs",
                f"{r:.2f}x",
                _met(r <= GOALS["cpu_vs_httpx"]),
            )
        )
        r = ours / togai
        rows.append(
            (
                "1",
                f"client CPU per sync `get_customer`, vs `togai-client` ({where})",
                f"<= {GOALS['cpu_vs_togai']:.2f}x",
                f"ours {ours:.0f} µs, togai-client {togai:.0f} µs",
                f"{r:.2f}x",
                _met(r <= GOALS["cpu_vs_togai"]),
            )
        )
    for where in ("stub", "sandbox"):
        a = results["async"][where]
        ours, httpx = a["ours"]["wall_s"], a["httpx"]["wall_s"]
        r = ours / httpx
        rows.append(
            (
                "2",
                f"async, {a['ours']['calls']:,} calls at concurrency 50, wall ({where})",
                f"<= {GOALS['async_vs_httpx']:.2f}x",
                f"ours {ours * 1000:.0f} ms, httpx {httpx * 1000:.0f} ms",
                f"{r:.2f}x",
                _met(r <= GOALS["async_vs_httpx"]),
            )
        )
    imp = results["import"]
    ms = imp["import_ms"]
    r = imp["import_ratio_vs_httpx"]
    rows.append(
        (
            "3",
            "`import togai_customers` vs `import httpx` (-X importtime, median; ratio: median "
            "of the back-to-back pairs)",
            f"<= {GOALS['import_vs_httpx']:.2f}x",
            f"{ms['togai_customers']:.0f} ms vs {ms['httpx']:.0f} ms "
            f"(togai_client {ms['togai_client']:.0f} ms)",
            f"{r:.2f}x",
            _met(r <= GOALS["import_vs_httpx"]),
        )
    )
    rows.append(
        (
            "3",
            "`togai-customers --help`, wall (median)",
            "reported",
            f"{imp['help_ms']:.0f} ms (bare `python -c pass`: {imp['python_startup_ms']:.0f} ms)",
            "-",
            "-",
        )
    )
    mem = results["memory"]["stub"]
    rows.append(
        (
            "4",
            f"peak RSS growth iterating {mem['count']:,} customers (page size 50, stub)",
            f"< {GOALS['memory_mib']:.0f} MiB",
            f"{mem['growth_mib']:.1f} MiB ({mem['count'] / mem['seconds']:,.0f} customers/s)",
            "-",
            _met(mem["growth_mib"] < GOALS["memory_mib"]),
        )
    )
    mem = results["memory"]["sandbox"]
    rows.append(
        (
            "4",
            f"peak RSS growth iterating {mem['count']:,} customers (page size 50, sandbox)",
            f"< {GOALS['memory_mib']:.0f} MiB",
            f"{mem['growth_mib']:.1f} MiB",
            "-",
            _met(mem["growth_mib"] < GOALS["memory_mib"]),
        )
    )
    surfaces = results["surfaces"]
    direct = surfaces["direct"]["p50_ms"]
    for kind, label in (("rest", "REST adapter"), ("mcp", "MCP tool (streamable HTTP)")):
        if kind in surfaces:
            added = surfaces[kind]["p50_ms"] - direct
            rows.append(
                (
                    "5",
                    f"get-customer through the {label}: p50 added over a direct SDK call",
                    f"<= {GOALS['surface_added_ms']:.0f} ms",
                    f"+{added:.2f} ms (p50 {surfaces[kind]['p50_ms']:.2f} vs {direct:.2f} ms)",
                    f"{surfaces[kind]['p50_ms'] / direct:.2f}x",
                    _met(added <= GOALS["surface_added_ms"]),
                )
            )
        else:
            rows.append(
                (
                    "5",
                    f"get-customer through the {label}",
                    "<= 2 ms",
                    "not measured (not available)",
                    "-",
                    "-",
                )
            )
    runs = results["bulk"]["runs"]
    first = next(iter(runs.values()))
    rows.append(
        (
            "6",
            f"bulk import (CLI) of {first['rows']:,} customers, concurrency "
            + "/".join(runs)
            + f", sandbox limit {first['rate_limit']:g}/s",
            "reported",
            " / ".join(f"{b['rows_per_s']:.0f}" for b in runs.values()) + " rows/s",
            "-",
            "-",
        )
    )
    lim = results["bulk"]["limited"]
    summary = lim["summary"] if isinstance(lim["summary"], dict) else {}
    rows.append(
        (
            "6",
            f"bulk import of {lim['rows']:,} customers at concurrency {lim['concurrency']} "
            "into a sandbox "
            f"limited to {lim['rate_limit']:g}/s (429 + Retry-After)",
            "reported",
            f"{lim['rows_per_s']:.0f} rows/s, {summary.get('created', '?')} created, "
            f"{summary.get('failed', '?')} failed",
            "-",
            "-",
        )
    )
    return rows


def _table(header: list[str], rows: list[list[str]] | list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


START, END = "<!-- results:start -->", "<!-- results:end -->"


def render_docs_block(results: dict[str, Any]) -> str:
    """The goals table for the docs page (between its results markers)."""
    m = results["machine"]
    return "\n".join(
        [
            f"Measured {m['date']} on {m['nproc']} CPUs ({m['cpu']}), {m['implementation']} "
            f"{m['python']}; every figure in `benchmarks/RESULTS.md`.",
            "",
            _table(["#", "Benchmark", "Goal", "Measured", "Ratio", "Met?"], _rows(results)),
        ]
    )


def update_docs(results: dict[str, Any], page: Path) -> bool:
    """Replace the results block of ``page``; False when the page has no markers."""
    if not page.exists():
        return False
    text = page.read_text()
    if START not in text or END not in text:
        return False
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    page.write_text(f"{head}{START}\n{render_docs_block(results)}\n{END}{tail}")
    return True


def render_markdown(results: dict[str, Any], *, chart_path: Path, md_path: Path) -> str:
    m = results["machine"]
    out = [
        "# Benchmark results" + (" (quick smoke run)" if results["quick"] else ""),
        "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}; {m['implementation']} {m['python']}; "
        f"{m['platform']}. Date: {m['date']}. Run time: {results['duration_s']:.0f} s.",
        "",
        f"Versions: {m['versions']}.",
        "",
        "Generated by `nox -s bench` (`python benchmarks/run.py`); method in "
        "[docs/benchmarks.md](../docs/benchmarks.md). Ratios are ours / the other; "
        "every client and server ran in its own process.",
        "",
        "## Goals",
        "",
        _table(["#", "Benchmark", "Goal", "Measured", "Ratio", "Met?"], _rows(results)),
        "",
        f"![Benchmarks]({os.path.relpath(chart_path, md_path.parent)})",
        "",
        "## Details",
        "",
        "### 1. Client CPU per request (sync, keep-alive)",
        "",
    ]
    rows = []
    for where, clients in results["cpu"].items():
        for name, c in clients.items():
            spread = [f"{r['cpu_us']:.0f}" for r in c["rounds"]]
            rows.append(
                [
                    where,
                    name,
                    f"{c['cpu_us']:.0f}",
                    f"{c['wall_us']:.0f}",
                    f"{c['calls']:,}",
                    ", ".join(spread),
                ]
            )
    out += [
        _table(
            [
                "Upstream",
                "Client",
                "CPU µs/call (median round)",
                "Wall µs/call",
                "Calls",
                "CPU µs/call of each round",
            ],
            rows,
        ),
        "",
    ]
    out += ["### 2. Async, concurrency 50", ""]
    rows = []
    for where, clients in results["async"].items():
        for name, c in clients.items():
            rows.append(
                [
                    where,
                    name,
                    f"{c['wall_s'] * 1000:.0f}",
                    f"{c['calls'] / c['wall_s']:,.0f}",
                    f"{c['cpu_s'] / c['calls'] * 1e6:.0f}",
                    ", ".join(f"{r['wall_s'] * 1000:.0f}" for r in c["rounds"]),
                ]
            )
    out += [
        _table(
            [
                "Upstream",
                "Client",
                "Wall ms (median round)",
                "Calls/s",
                "Client CPU µs/call",
                "Wall ms of each round",
            ],
            rows,
        ),
        "",
    ]
    imp = results["import"]
    out += [
        "### 3. Import time (`python -X importtime -c 'import X'`, cumulative µs of the "
        "top-level line)",
        "",
    ]
    out += [
        _table(
            ["Module", "Median ms", "Samples ms"],
            [
                [
                    f"`{mod}`",
                    f"{ms:.1f}",
                    ", ".join(f"{s:.0f}" for s in imp["import_samples_ms"][mod]),
                ]
                for mod, ms in imp["import_ms"].items()
            ],
        ),
        "",
    ]
    out += ["### 4. Memory (auto-pagination, page size 50)", ""]
    out += [
        _table(
            [
                "Upstream",
                "Customers",
                "RSS before MiB",
                "Peak RSS after MiB",
                "Growth MiB",
                "Seconds",
            ],
            [
                [
                    where,
                    f"{r['count']:,}",
                    f"{r['rss_before_mib']:.1f}",
                    f"{r['rss_after_mib']:.1f}",
                    f"{r['growth_mib']:.1f}",
                    f"{r['seconds']:.1f}",
                ]
                for where, r in results["memory"].items()
            ],
        ),
        "",
    ]
    surfaces = results["surfaces"]
    out += ["### 5. Surfaces (sequential get-customer, same sandbox)", ""]
    out += [
        _table(
            [
                "Path",
                "p50 ms",
                "p95 ms",
                "Client CPU ms/call",
                "Adapter CPU ms/call",
                "Sandbox CPU ms/call",
                "Calls",
            ],
            [
                [
                    name,
                    f"{s['p50_ms']:.2f}",
                    f"{s['p95_ms']:.2f}",
                    f"{s['client_cpu_ms']:.2f}",
                    f"{s['adapter_cpu_ms']:.2f}",
                    f"{s['sandbox_cpu_ms']:.2f}",
                    str(s["n"]),
                ]
                for name, s in surfaces.items()
                if name != "not_measured"
            ],
        ),
        "",
    ]
    for kind, error in surfaces.get("not_measured", {}).items():
        out.append(f"- {kind}: not measured ({error})")
    out += [
        "",
        "### 6. Bulk import (`togai-customers import FILE.jsonl --concurrency N` into a "
        "fresh rate-limited sandbox; wall time of the whole command)",
        "",
    ]
    rows = []
    bulk = results["bulk"]
    for b in [*bulk["runs"].values(), bulk["limited"]]:
        s = b["summary"] if isinstance(b["summary"], dict) else {}
        rows.append(
            [
                str(b["rows"]),
                str(b["concurrency"]),
                f"{b['rate_limit']:g}",
                f"{b['seconds']:.1f}",
                f"{b['rows_per_s']:.0f}",
                f"{b['client_cpu_ms_per_row']:.2f}",
                f"{b['sandbox_cpu_ms_per_row']:.2f}",
                str(s.get("created", "?")),
                str(s.get("failed", "?")),
                str(b["exit_code"]),
            ]
        )
    out += [
        _table(
            [
                "Rows",
                "Concurrency",
                "Limit/s",
                "Seconds",
                "Rows/s",
                "CLI CPU ms/row",
                "Sandbox CPU ms/row",
                "Created",
                "Failed",
                "Exit",
            ],
            rows,
        ),
        "",
    ]
    return "\n".join(out)


def render_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    colors = {"ours": "#2a9d8f", "httpx": "#8d99ae", "togai-client": "#e76f51"}
    fig.suptitle(
        f"togai-customers benchmarks: {results['machine']['nproc']} CPUs, "
        f"{results['machine']['cpu']}, Python {results['machine']['python']}, "
        f"{results['machine']['date']}",
        fontsize=11,
    )

    def grouped(ax: Any, data: dict[str, dict[str, float]], ylabel: str, title: str) -> None:
        groups = list(data)
        names = list(next(iter(data.values())))
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            xs = [g + i * width for g in range(len(groups))]
            values = [data[group][name] for group in groups]
            bars = ax.bar(xs, values, width, label=name, color=colors.get(name))
            ax.bar_label(bars, fmt="%.0f", fontsize=8)
        ax.set_xticks([g + width * (len(names) - 1) / 2 for g in range(len(groups))], groups)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)

    grouped(
        axes[0][0],
        {w: {c: v["cpu_us"] for c, v in cs.items()} for w, cs in results["cpu"].items()},
        "µs of client CPU per call",
        "1. Sync get_customer: client CPU per call",
    )
    grouped(
        axes[0][1],
        {w: {c: v["wall_s"] * 1000 for c, v in cs.items()} for w, cs in results["async"].items()},
        "ms for the batch",
        f"2. Async get_customer x{results['async']['stub']['ours']['calls']:,}, "
        "concurrency 50: wall",
    )
    imp = results["import"]
    ax = axes[0][2]
    labels = ["togai_customers", "httpx", "togai_client", "CLI --help\n(wall)"]
    values = [*imp["import_ms"].values(), imp["help_ms"]]
    bars = ax.bar(labels, values, color=["#2a9d8f", "#8d99ae", "#e76f51", "#264653"])
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.axhline(
        imp["import_ms"]["httpx"] * GOALS["import_vs_httpx"],
        ls="--",
        color="grey",
        lw=1,
        label="goal: 1.5x httpx import",
    )
    ax.set_ylabel("ms")
    ax.set_title("3. Import time (median)", fontsize=10)
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelsize=8)

    ax = axes[1][0]
    mem = results["memory"]
    labels = [f"{w}\n{r['count']:,} customers" for w, r in mem.items()]
    bars = ax.bar(labels, [r["growth_mib"] for r in mem.values()], color="#2a9d8f")
    ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.axhline(GOALS["memory_mib"], ls="--", color="grey", lw=1, label="goal: < 20 MiB")
    ax.set_ylabel("MiB")
    ax.set_title("4. Peak RSS growth during auto-pagination", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[1][1]
    surfaces = {k: v for k, v in results["surfaces"].items() if k != "not_measured"}
    xs = range(len(surfaces))
    p50 = [s["p50_ms"] for s in surfaces.values()]
    p95 = [s["p95_ms"] for s in surfaces.values()]
    b1 = ax.bar([x - 0.2 for x in xs], p50, 0.4, label="p50", color="#2a9d8f")
    b2 = ax.bar([x + 0.2 for x in xs], p95, 0.4, label="p95", color="#8d99ae")
    ax.bar_label(b1, fmt="%.1f", fontsize=8)
    ax.bar_label(b2, fmt="%.1f", fontsize=8)
    ax.set_xticks(list(xs), list(surfaces))
    ax.set_ylabel("ms per call")
    ax.set_title("5. get-customer latency: direct SDK vs REST vs MCP", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[1][2]
    runs = results["bulk"]["runs"]
    lim = results["bulk"]["limited"]
    labels = [f"conc. {c}\nlimit {b['rate_limit']:g}/s" for c, b in runs.items()]
    labels.append(f"conc. {lim['concurrency']}\nlimit {lim['rate_limit']:g}/s")
    bars = ax.bar(
        labels,
        [b["rows_per_s"] for b in [*runs.values(), lim]],
        color=["#264653"] * len(runs) + ["#e9c46a"],
    )
    ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_ylabel("customers created per second")
    ax.set_title("6. Bulk import (CLI) into a rate-limited sandbox", fontsize=10)

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
