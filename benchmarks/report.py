"""Turn the results of ``run.py`` into ``RESULTS.md`` and the PNG chart."""

from __future__ import annotations

import json
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
    "rate_bound_share": 0.9,  # of the sandbox's limit, at concurrency >= 8
    "rate_bound_429": 0.05,  # of the requests
    "ramp": 1.2,  # x the time of the same import with --rate 5000
    "sync_requests": 1.1,  # x (changed rows + the reads the plan needs)
    "resume_requests": 1.02,  # x the rows the killed run had not finished
    "oauth_added_ms": 0.3,  # p50 per request, the issuer's keys cached
    "startup_version_ms": 120.0,
    "startup_help_ms": 200.0,
    "startup_get_vs_floor": 1.3,  # x `python -c "import httpx, typer"`, same run
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
    labels = {"rest": "REST adapter", **MCP_LABELS}
    if "mcp-legacy" not in surfaces:  # a run from before MCP sessions: one MCP path, stateless
        labels["mcp"] = "MCP tool (streamable HTTP)"
    for kind, label in labels.items():
        if kind not in surfaces and kind != "rest" and kind != "mcp":
            continue
        if kind in surfaces:
            added = surfaces[kind]["p50_ms"] - direct
            rows.append(
                (
                    "5",
                    f"get-customer through the {label}: p50 added over a direct SDK call",
                    f"<= {GOALS['surface_added_ms']:.0f} ms",
                    f"+{added:.2f} ms (p50 {surfaces[kind]['p50_ms']:.2f} vs {direct:.2f} ms); "
                    f"added / direct {added / direct:.2f}x",
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
    sessions = results.get("sessions")
    if sessions:
        grown = sessions["rss_after_mib"] - sessions["rss_before_mib"]
        opened = sessions["statuses"].get("200", 0)
        rows.append(
            (
                "5",
                f"MCP server memory with {sessions['n']:,} idle sessions (--max-sessions at that); "
                "one more initialize",
                "reported; bounded by the cap",
                f"+{grown:.0f} MiB RSS ({sessions['rss_before_mib']:.0f} -> "
                f"{sessions['rss_after_mib']:.0f} MiB, {sessions['kib_per_session']:.1f} KiB "
                f"per session, {opened:,} opened in {sessions['seconds']:.1f} s); "
                f"one more: {sessions['one_more']}",
                "-",
                _met(opened == sessions["n"] and sessions["one_more"] == 503),
            )
        )
    rows += _bulk_rows(results)
    oauth = results.get("oauth")
    if oauth:
        worst = max(oauth[alg]["added_p50_ms"] for alg in ("RS256", "ES256"))
        rows.append(
            (
                "10",
                "OAuth token verification added per request (`--oauth-issuer`, keys cached)",
                f"p50 <= {GOALS['oauth_added_ms']} ms",
                ", ".join(
                    f"{alg} +{oauth[alg]['added_p50_ms']:.3f} ms" for alg in ("RS256", "ES256")
                ),
                "-",
                _met(worst <= GOALS["oauth_added_ms"]),
            )
        )
    # By benchmark number (a stable sort keeps each benchmark's rows in order).
    return sorted(rows, key=lambda row: int(row[0]))


#: The MCP paths of benchmark 5 (see run.py's MCP_PATHS).
MCP_LABELS = {
    "mcp": "MCP tool, sessions on (default), 2026-07-28 client (no session)",
    "mcp-legacy": "MCP tool, sessions on (default), 2025-11-25 client (a session, SSE)",
    "mcp-plain": "MCP tool, sessions on (default), 2026-07-28 tools/call as a plain httpx POST "
    "(no mcp.Client)",
    "mcp-stateless": "MCP tool, `--stateless`, 2026-07-28 client",
    "mcp-stateless-legacy": "MCP tool, `--stateless`, 2025-11-25 client (JSON)",
}


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def loopback_noise(runs: dict[str, Any]) -> float:
    """The spread (max - min rows/s) of the rounds at the lowest concurrency: the run's noise."""
    low = runs[min(runs, key=int)]
    values = [r["rows_per_s"] for r in low["rounds"]]
    return max(values) - min(values) if len(values) > 1 else 0.1 * values[0]


def _bulk_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    rb = results.get("rate_bound")
    if rb:
        limit = rb["rate_limit"]
        goal_rate = GOALS["rate_bound_share"] * limit
        for c, run in rb["runs"].items():
            s = run["summary"] if isinstance(run["summary"], dict) else {}
            requests, throttled = s.get("requests", 0), s.get("rateLimited", 0)
            share = _share(throttled, requests)
            judged = int(c) >= 8
            ok = run["rows_per_s"] >= goal_rate and share <= GOALS["rate_bound_429"]
            rows.append(
                (
                    "6",
                    f"rate-bound import of {run['rows']:,} customers at concurrency {c} into a "
                    f"sandbox limited to {limit:g}/s ({rb['latency_ms']:g} ms latency, no "
                    "Retry-After), no `--rate`",
                    f">= {goal_rate:g} rows/s, 429s <= {GOALS['rate_bound_429']:.0%}"
                    if judged
                    else "reported (latency-bound)",
                    f"{run['rows_per_s']:.1f} rows/s; {throttled} of {requests:,} requests 429 "
                    f"({share:.1%}); pace {s.get('pace', '?')}/s",
                    f"{run['rows_per_s'] / limit:.2f}x limit",
                    _met(ok) if judged else "-",
                )
            )
    rp = results.get("ramp")
    if rp:
        adaptive, fixed = rp["runs"]["adaptive"], rp["runs"]["rate 5000"]
        ratio = adaptive["seconds"] / fixed["seconds"]
        rounds = len(adaptive["rounds"])
        rows.append(
            (
                "6",
                f"import of {rp['rows']:,} customers into a local sandbox (no limit), no "
                f"`--rate` vs `--rate 5000` (median of {rounds} interleaved rounds)",
                f"<= {GOALS['ramp']:g}x the time with `--rate 5000`",
                f"{adaptive['seconds']:.2f} s vs {fixed['seconds']:.2f} s "
                f"({rp['rows'] / adaptive['seconds']:.0f} vs "
                f"{rp['rows'] / fixed['seconds']:.0f} rows/s)",
                f"{ratio:.2f}x",
                _met(ratio <= GOALS["ramp"]),
            )
        )
    lb = results.get("loopback")
    if lb:
        runs = lb["runs"]
        low = runs[min(runs, key=int)]["rows_per_s"]
        noise = loopback_noise(runs)
        higher = [r["rows_per_s"] for c, r in runs.items() if c != min(runs, key=int)]
        ok = min(higher) >= low - noise
        rounds = len(next(iter(runs.values()))["rounds"])
        rows.append(
            (
                "7",
                f"unthrottled loopback import of {lb['rows']:,} customers at concurrency "
                + "/".join(runs)
                + f" (median of {rounds} interleaved rounds)",
                "no decrease (within the run's noise)",
                " / ".join(f"{r['rows_per_s']:.0f}" for r in runs.values())
                + f" rows/s (noise ±{noise:.0f})",
                f"{min(higher) / low:.2f}x",
                _met(ok),
            )
        )
    sy = results.get("sync")
    if sy:
        res, pl = sy["result"], sy["plan"]
        sent = res.get("requests", 0)
        bound = GOALS["sync_requests"] * (sy["changed"] + sy["least_reads"])
        rows.append(
            (
                "8",
                f"`sync` of {sy['rows']:,} rows ({sy['edited']} edited, {sy['new']} new, "
                f"{sy['changed'] / sy['rows']:.0%} changed): requests sent",
                f"<= {GOALS['sync_requests']:g} x ({sy['changed']} changed + "
                f"{sy['least_reads']} reads) = {bound:.0f}",
                f"{sent} requests: {pl.get('reads', '?')} reads, "
                f"{res.get('created', 0) + res.get('updated', 0)} writes, "
                f"{res.get('rateLimited', 0)} x 429",
                f"{sent / (sy['changed'] + sy['least_reads']):.2f}x",
                _met(sent <= bound),
            )
        )
    rs = results.get("resume")
    if rs:
        s = rs["summary"] if isinstance(rs["summary"], dict) else {}
        sent = s.get("requests", 0)
        bound = GOALS["resume_requests"] * rs["unfinished"]
        rows.append(
            (
                "9",
                f"resume: import of {rs['rows']:,} customers killed (SIGKILL) with "
                f"{rs['finished_before_kill']:,} finished; requests of the re-run",
                f"<= {GOALS['resume_requests']:g} x {rs['unfinished']:,} unfinished = {bound:.0f}",
                f"{sent:,} requests ({s.get('rateLimited', 0)} x 429), "
                f"{s.get('skipped', '?')} rows skipped",
                f"{_share(sent, rs['unfinished']):.3f}x",
                _met(sent <= bound),
            )
        )
    st = results.get("startup")
    if st:
        ms, ratio = st["median_ms"], st["ratio_vs_floor"]
        for name, goal in (("version", "startup_version_ms"), ("help", "startup_help_ms")):
            rows.append(
                (
                    "11",
                    f"start-up of `togai-customers --{name}` (whole process, median)",
                    f"<= {GOALS[goal]:.0f} ms",
                    f"{ms[name]:.0f} ms (floor {ms['floor']:.0f} ms)",
                    f"{ratio[name]:.2f}x floor",
                    _met(ms[name] <= GOALS[goal]),
                )
            )
        rows.append(
            (
                "11",
                "start-up of `get ID` against a local sandbox, vs "
                '`python -c "import httpx, typer"` (same run)',
                f"<= {GOALS['startup_get_vs_floor']:.2f}x",
                f"get {ms['get']:.0f} ms, floor {ms['floor']:.0f} ms",
                f"{ratio['get']:.2f}x",
                _met(ratio["get"] <= GOALS["startup_get_vs_floor"]),
            )
        )
        mini = "minimal typer+httpx get"
        if mini in ms:
            rows.append(
                (
                    "11",
                    "start-up of `get ID` vs the least a Typer + httpx CLI does for the same GET "
                    "(`benchmarks/mini_cli.py`, same run)",
                    "reported",
                    f"get {ms['get']:.0f} ms, minimal {ms[mini]:.0f} ms ({ratio[mini]:.2f}x floor)",
                    f"{ms['get'] / ms[mini]:.2f}x",
                    "-",
                )
            )
    ba = results.get("batch")
    if ba:
        rows.append(
            (
                "12",
                f"{ba['ids']:,} ids: `get --ids-from FILE` vs a shell loop of `get`s "
                f"({ba['loop_gets']} timed, extrapolated)",
                "one process, bounded by pacing",
                f"{ba['batch_s']:.1f} s vs {ba['loop_extrapolated_s']:.0f} s",
                f"{ba['speedup']:.0f}x faster",
                _met(ba["batch_exit"] == 0 and ba["batch_printed"] == ba["ids"]),
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
                "Added p50 / direct p50",
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
                    f"{s['p50_ms'] / surfaces['direct']['p50_ms'] - 1:.2f}x",
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
    if any(name in MCP_LABELS for name in surfaces):
        out += ["", "MCP paths:", ""]
        out += [f"- `{name}`: {label}" for name, label in MCP_LABELS.items() if name in surfaces]
        out.append("")
    sessions = results.get("sessions")
    if sessions:
        out += [
            f"Idle sessions (`servers.py mcp --max-sessions {sessions['n']}`; `workloads.py "
            "sessions`: 2025-11-25 `initialize` calls, 20 at a time, never closed; RSS from "
            "`/proc`, 1 s after the last): "
            f"{json.dumps(sessions['statuses'])} for {sessions['n']:,} in "
            f"{sessions['seconds']:.1f} s; RSS {sessions['rss_before_mib']:.1f} -> "
            f"{sessions['rss_after_mib']:.1f} MiB ({sessions['kib_per_session']:.1f} KiB per "
            f"session); one more initialize: {sessions['one_more']}.",
            "",
        ]
    out += _bulk_details(results)
    out += _oauth_details(results)
    out += _startup_sections(results)
    return "\n".join(out)


def _oauth_details(results: dict[str, Any]) -> list[str]:
    oauth = results.get("oauth")
    if not oauth:
        return []
    rows = [
        [
            alg,
            f"{oauth[alg]['bare_p50_us']:.1f}",
            f"{oauth[alg]['gated_p50_us']:.1f}",
            f"{oauth[alg]['gated_p95_us']:.1f}",
            f"{oauth[alg]['added_p50_ms']:.3f}",
        ]
        for alg in ("RS256", "ES256")
    ]
    return [
        "",
        "### 10. OAuth: token verification per request (`benchmarks/oauth.py`)",
        "",
        "The OAuth gate (the SDK's `BearerAuthBackend`, our `JwtVerifier` with PyJWT, the scope "
        "rule) in front of an ASGI app that answers at once, against the bare app; in one "
        "process, no sockets; the issuer's keys fetched once before the timing (RSA 2048, "
        f"P-256). {oauth['requests']:,} requests x {oauth['rounds']} interleaved rounds each; "
        f"key fetches in all: {oauth['key_fetches']}. {_load(oauth)}",
        "",
        _table(["Token", "Bare p50 µs", "Gated p50 µs", "Gated p95 µs", "Added p50 ms"], rows),
        "",
    ]


def _load(bench: dict[str, Any]) -> str:
    before, after = bench.get("load_before"), bench.get("load_after")
    if not before or not after:
        return ""
    return f"Load average (1 min) {before[0]:.2f} before, {after[0]:.2f} after."


RESUME_HEADER = [
    "Finished at the kill",
    "Unfinished",
    "Re-run requests",
    "429s",
    "Skipped",
    "Created",
    "Already present",
    "Re-run seconds",
]


def _bulk_details(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    rb = results.get("rate_bound")
    if rb:
        out += [
            "### 6. Rate-bound import (`togai-customers import FILE.jsonl --concurrency N`, no "
            f"`--rate`, into `servers.py sandbox --rate-limit {rb['rate_limit']:g} --latency-ms "
            f"{rb['latency_ms']:g}`: no Retry-After; wall time of the whole command)",
            "",
            _load(rb),
            "",
        ]
        table = []
        for c, run in rb["runs"].items():
            s = run["summary"] if isinstance(run["summary"], dict) else {}
            table.append(
                [
                    c,
                    str(run["rows"]),
                    f"{run['seconds']:.1f}",
                    f"{run['rows_per_s']:.1f}",
                    str(s.get("requests", "?")),
                    str(s.get("rateLimited", "?")),
                    f"{_share(s.get('rateLimited', 0), s.get('requests', 0)):.1%}",
                    str(s.get("pace", "?")),
                    f"{run['client_cpu_ms_per_row']:.2f}",
                    str(s.get("created", "?")),
                    str(run["exit_code"]),
                ]
            )
        header = ["Concurrency", "Rows", "Seconds", "Rows/s", "Requests", "429s", "429 share"]
        header += ["Pace reached /s", "CLI CPU ms/row", "Created", "Exit"]
        out += [_table(header, table), ""]
    rp = results.get("ramp")
    if rp:
        out += [
            f"### 6b. Ramp (`import FILE.jsonl` of {rp['rows']:,} rows at the default concurrency "
            "8 into a fresh `servers.py sandbox` with no limit: without `--rate`, the pace slow-"
            "starts from 10/s; with `--rate 5000`, it starts there; rounds interleaved)",
            "",
            _load(rp),
            "",
        ]
        table = [
            [
                mode,
                f"{r['seconds']:.2f}",
                ", ".join(f"{x['seconds']:.2f}" for x in r["rounds"]),
                f"{rp['rows'] / r['seconds']:.0f}",
                ", ".join(str(x["pace"]) for x in r["rounds"]),
            ]
            for mode, r in rp["runs"].items()
        ]
        header = ["Pace", "Seconds (median)", "Seconds of each round", "Rows/s", "Pace reached /s"]
        out += [_table(header, table), ""]
    lb = results.get("loopback")
    if lb:
        out += [
            "### 7. Unthrottled loopback import (`import FILE.jsonl --concurrency N --rate "
            "100000` into a fresh `servers.py sandbox`; rounds interleaved across N)",
            "",
            _load(lb),
            "",
        ]
        table = [
            [
                c,
                f"{r['rows_per_s']:.0f}",
                ", ".join(f"{x['rows_per_s']:.0f}" for x in r["rounds"]),
                f"{r['client_cpu_ms_per_row']:.2f}",
                f"{r['sandbox_cpu_ms_per_row']:.2f}",
            ]
            for c, r in lb["runs"].items()
        ]
        header = ["Concurrency", "Rows/s (median)", "Rows/s of each round", "CLI CPU ms/row"]
        header.append("Sandbox CPU ms/row")
        out += [_table(header, table), ""]
    sy = results.get("sync")
    if sy:
        pl, res = sy["plan"], sy["result"]
        out += [
            "### 8. `sync FILE.jsonl --yes` (the file: every customer of the sandbox, "
            f"{sy['edited']} renamed, {sy['new']} new; same rate-limited sandbox as 6)",
            "",
            _load(sy),
            "",
            _table(
                ["Rows", "Create", "Update", "Unchanged", "Reads", "Requests", "429s", "Seconds"],
                [
                    [
                        str(sy["rows"]),
                        str(pl.get("create", "?")),
                        str(pl.get("update", "?")),
                        str(pl.get("unchanged", "?")),
                        str(pl.get("reads", "?")),
                        str(res.get("requests", "?")),
                        str(res.get("rateLimited", "?")),
                        f"{sy['seconds']:.1f}",
                    ]
                ],
            ),
            "",
        ]
    rs = results.get("resume")
    if rs:
        s = rs["summary"] if isinstance(rs["summary"], dict) else {}
        out += [
            f"### 9. Resume (`import` of {rs['rows']:,} customers into the sandbox of 6, "
            "SIGKILL once the journal holds about half, then the same command)",
            "",
            _load(rs),
            "",
            _table(
                RESUME_HEADER,
                [
                    [
                        str(rs["finished_before_kill"]),
                        str(rs["unfinished"]),
                        str(s.get("requests", "?")),
                        str(s.get("rateLimited", "?")),
                        str(s.get("skipped", "?")),
                        str(s.get("created", "?")),
                        str(s.get("alreadyPresent", "?")),
                        f"{rs['seconds']:.1f}",
                    ]
                ],
            ),
            "",
        ]
    return out


def _startup_sections(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    st = results.get("startup")
    if st:
        ms, ratio = st["median_ms"], st["ratio_vs_floor"]
        out += [
            f"### 11. Start-up (whole processes, median of {st['runs']} interleaved rounds; "
            'the floor is `python -c "import httpx, typer"`)',
            "",
            _load(st),
            "",
            _table(
                ["Command", "Median ms", "x floor (median of per-round ratios)"],
                [[f"`{name}`", f"{ms[name]:.0f}", f"{ratio[name]:.2f}"] for name in ms],
            ),
            "",
        ]
    ba = results.get("batch")
    if ba:
        out += [
            f"### 12. Many ids: `get --ids-from FILE` of {ba['ids']:,} ids vs a shell loop of "
            f"`get`s (the loop timed over {ba['loop_gets']}, extrapolated; no `--rate`, "
            "`$TOGAI_MAX_RPS` unset: the adaptive pace from 10/s)",
            "",
            _load(ba),
            "",
            _table(
                ["", "Seconds", "Per id, ms"],
                [
                    [
                        "`get --ids-from` (one process)",
                        f"{ba['batch_s']:.1f}",
                        f"{ba['batch_s'] / ba['ids'] * 1000:.1f}",
                    ],
                    [
                        f"shell loop of `get` (x {ba['ids']:,}, extrapolated)",
                        f"{ba['loop_extrapolated_s']:.0f}",
                        f"{ba['loop_per_get_ms']:.0f}",
                    ],
                ],
            ),
            "",
            f"The one process printed {ba['batch_printed']:,} lines and exited "
            f"{ba['batch_exit']}: {ba['speedup']:.0f}x faster than the loop.",
            "",
        ]
    return out


def _bulk_charts(results: dict[str, Any], axes: Any) -> None:
    rb = results.get("rate_bound")
    ax = axes[1][2]
    if rb:
        runs = rb["runs"]
        labels = [f"conc. {c}" for c in runs]
        bars = ax.bar(labels, [r["rows_per_s"] for r in runs.values()], color="#264653")
        shares = []
        for r in runs.values():
            s = r["summary"] if isinstance(r["summary"], dict) else {}
            shares.append(_share(s.get("rateLimited", 0), s.get("requests", 0)))
        ax.bar_label(
            bars,
            labels=[
                f"{b.get_height():.1f}\n429: {x:.1%}" for b, x in zip(bars, shares, strict=True)
            ],
            fontsize=8,
        )
        ax.axhline(rb["rate_limit"], ls=":", color="#e76f51", lw=1, label="sandbox limit")
        ax.axhline(
            GOALS["rate_bound_share"] * rb["rate_limit"],
            ls="--",
            color="grey",
            lw=1,
            label="goal: 0.9 x limit",
        )
        ax.set_ylim(0, rb["rate_limit"] * 1.35)
        ax.set_ylabel("customers created per second")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_title("6. Rate-bound import (limit 50/s, 40 ms, no Retry-After)", fontsize=10)

    lb = results.get("loopback")
    ax = axes[2][0]
    if lb:
        runs = lb["runs"]
        medians = [r["rows_per_s"] for r in runs.values()]
        low = [
            m - min(x["rows_per_s"] for x in r["rounds"])
            for m, r in zip(medians, runs.values(), strict=True)
        ]
        high = [
            max(x["rows_per_s"] for x in r["rounds"]) - m
            for m, r in zip(medians, runs.values(), strict=True)
        ]
        bars = ax.bar(
            [f"conc. {c}" for c in runs], medians, yerr=[low, high], capsize=4, color="#2a9d8f"
        )
        ax.bar_label(bars, fmt="%.0f", fontsize=8, label_type="center", color="white")
        ax.set_ylabel("customers created per second")
    ax.set_title("7. Unthrottled loopback import (median, min-max of rounds)", fontsize=10)

    sy = results.get("sync")
    ax = axes[2][1]
    if sy:
        res, pl = sy["result"], sy["plan"]
        reads = pl.get("reads", 0)
        writes = res.get("created", 0) + res.get("updated", 0)
        throttled = res.get("rateLimited", 0)
        ax.bar(["sent"], [reads], color="#8d99ae", label="reads")
        ax.bar(["sent"], [writes], bottom=[reads], color="#2a9d8f", label="writes")
        ax.bar(["sent"], [throttled], bottom=[reads + writes], color="#e76f51", label="429s")
        need = sy["changed"] + sy["least_reads"]
        ax.bar(["needed"], [need], color="#264653", label="changed + least reads")
        ax.axhline(GOALS["sync_requests"] * need, ls="--", color="grey", lw=1, label="goal: 1.1x")
        ax.set_ylabel("requests")
        ax.legend(fontsize=8)
    ax.set_title("8. sync of 2,000 rows, 10% changed: requests", fontsize=10)

    rs = results.get("resume")
    ax = axes[2][2]
    if rs:
        s = rs["summary"] if isinstance(rs["summary"], dict) else {}
        values = [rs["finished_before_kill"], rs["unfinished"], s.get("requests", 0)]
        bars = ax.bar(
            ["finished\nbefore kill", "unfinished", "re-run\nrequests"],
            values,
            color=["#8d99ae", "#264653", "#2a9d8f"],
        )
        ax.bar_label(bars, fmt="%.0f", fontsize=8)
        ax.axhline(
            GOALS["resume_requests"] * rs["unfinished"],
            ls="--",
            color="grey",
            lw=1,
            label="goal: 1.02 x unfinished",
        )
        ax.set_ylabel("rows / requests")
        ax.legend(fontsize=8)
    ax.set_title("9. Resume after SIGKILL at half", fontsize=10)


def render_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3, figsize=(15, 12.5))
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
    ax.set_xticks(list(xs), [name.replace("-", "\n") for name in surfaces])
    ax.set_ylabel("ms per call")
    ax.set_title("5. get-customer latency: direct SDK vs REST vs MCP", fontsize=10)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8)

    _bulk_charts(results, axes)

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
