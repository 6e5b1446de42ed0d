"""Run every benchmark side by side and write ``benchmarks/RESULTS.md`` and the chart.

    python benchmarks/run.py            # the full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # a smaller smoke run, written to build/benchmarks/
    python benchmarks/run.py --only rate_bound,loopback   # re-run some, keep the other figures

Every server and every client runs in its own process: the upstreams are the sandbox
(``create_app(Sandbox())`` under uvicorn) and ``stub.py``, a minimal keep-alive server whose own
time is tiny so that client overhead shows. See ``docs/benchmarks.md`` for the method.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from servers import API_KEY, customer_body, spawn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKLOADS = str(HERE / "workloads.py")


class Plan:
    """How much of everything to run (``--quick`` shrinks it)."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        # (rounds, calls per round) per upstream for the sync CPU benchmark.
        self.cpu = (
            {"stub": (3, 500), "sandbox": (2, 300)}
            if quick
            else {"stub": (5, 2000), "sandbox": (3, 1000)}
        )
        self.async_calls = 500 if quick else 2000
        self.async_rounds = 2 if quick else 5
        self.concurrency = 50
        self.memory_total = 10_000 if quick else 100_000
        self.memory_sandbox_rows = 1_000 if quick else 5_000
        self.import_runs = 5 if quick else 11
        self.help_runs = 5
        self.surface_calls = 100 if quick else 500
        self.surface_rounds = 2 if quick else 5
        self.idle_sessions = 10_000
        # 6. Rate-bound import: a sandbox like Togai (a limit, latency, no Retry-After).
        self.rate_bound_rows = 400 if quick else 2_000
        self.rate_bound_concurrency = (1, 8, 32, 64)
        self.rate_limit = 50.0
        self.latency_ms = 40.0
        # 6. Ramp: 1,000 rows into an unlimited local sandbox without and with --rate 5000.
        self.ramp_rows = 1_000
        self.ramp_rounds = 1 if quick else 3
        # 7. Unthrottled loopback import: rows, concurrency levels, interleaved rounds.
        self.loopback_rows = 1_000 if quick else 3_000
        self.loopback_concurrency = (8, 32, 64)
        self.loopback_rounds = 1 if quick else 3
        # 8. sync: customers in the sandbox, rows of the file edited and added.
        self.sync_existing = 450 if quick else 1_900
        self.sync_edited = 25 if quick else 100
        self.sync_new = 25 if quick else 100
        # 9. Resume: rows, killed when the journal holds this share of them.
        self.resume_rows = 400 if quick else 2_000
        self.resume_kill_at = 0.5
        # 11. Start-up: fresh processes per command, interleaved rounds.
        self.startup_runs = 5 if quick else 15
        # 12. Many ids: one `get --ids-from` of this many vs a shell loop of `get`s.
        self.batch_ids = 1_000
        self.loop_gets = 20 if quick else 50


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- interleaved rounds ------------------------------------------------------------------------


@contextmanager
def workers(argvs: dict[str, list[str]]) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Start one ``workloads.py`` process per client; each warms up and waits for rounds."""
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, argv in argvs.items():
            procs[name] = subprocess.Popen(
                [sys.executable, WORKLOADS, *argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        for name, proc in procs.items():
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.strip() != "READY":
                raise RuntimeError(f"{name} workload failed to start (exit {proc.wait()})")
        yield procs
    finally:
        for proc in procs.values():
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def interleaved(
    argvs: dict[str, list[str]], rounds: int, n: int
) -> dict[str, list[dict[str, float]]]:
    """Run ``rounds`` rounds of ``n`` calls, round-robin over the clients; all rounds per client."""
    out: dict[str, list[dict[str, float]]] = {name: [] for name in argvs}
    with workers(argvs) as procs:
        for _ in range(rounds):
            for name, proc in procs.items():
                assert proc.stdin is not None
                assert proc.stdout is not None
                proc.stdin.write(f"{n}\n")
                proc.stdin.flush()
                out[name].append(json.loads(proc.stdout.readline()))
    return out


def median_of(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def one_shot(*argv: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, WORKLOADS, *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"workload {argv[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the benchmarks ----------------------------------------------------------------------------


def bench_cpu(plan: Plan, upstreams: dict[str, str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for where, url in upstreams.items():
        rounds, n = plan.cpu[where]
        log(f"1. client CPU per request against the {where}: {rounds} x {n} calls per client")
        clients = ("ours", "httpx", "togai-client")
        raw = interleaved({c: ["cpu", "--client", c, "--url", url] for c in clients}, rounds, n)
        results[where] = {
            c: {
                "cpu_us": median_of(raw[c], "cpu_us"),
                "wall_us": median_of(raw[c], "wall_us"),
                "calls": rounds * n,
                "rounds": raw[c],
            }
            for c in clients
        }
    return results


def bench_async(plan: Plan, upstreams: dict[str, str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for where, url in upstreams.items():
        log(
            f"2. async: {plan.async_calls} calls at concurrency {plan.concurrency} against the "
            f"{where}, {plan.async_rounds} rounds"
        )
        clients = ("ours", "httpx")
        raw = interleaved(
            {
                c: ["async", "--client", c, "--url", url, "--concurrency", str(plan.concurrency)]
                for c in clients
            },
            plan.async_rounds,
            plan.async_calls,
        )
        results[where] = {
            c: {
                "wall_s": median_of(raw[c], "wall_s"),
                "cpu_s": median_of(raw[c], "cpu_s"),
                "calls": plan.async_calls,
                "rounds": raw[c],
            }
            for c in clients
        }
    return results


def _import_ms(module: str) -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        parts = line.split("|")
        # The top-level line names the module right after one space (nested ones are indented).
        if len(parts) == 3 and parts[2] == f" {module}":
            return int(parts[1]) / 1000
    raise RuntimeError(f"no importtime line for {module}")


def _wall_ms(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True)
    return (time.perf_counter() - t0) * 1000


def cli_path() -> str:
    """The ``togai-customers`` script of this interpreter's environment."""
    script = Path(sys.executable).parent / "togai-customers"
    if not script.exists():
        raise RuntimeError(f"{script} not found: install the package into this environment")
    return str(script)


def bench_import(plan: Plan) -> dict[str, Any]:
    log(f"3. import time (-X importtime), {plan.import_runs} fresh processes each, interleaved")
    modules = ("togai_customers", "httpx", "togai_client")
    for m in modules:  # compile and cache the bytecode first
        _import_ms(m)
    samples: dict[str, list[float]] = {m: [] for m in modules}
    for _ in range(plan.import_runs):
        for m in modules:
            samples[m].append(_import_ms(m))
    log(f"   togai-customers --help and python -c pass, wall time, {plan.help_runs} runs each")
    cli = cli_path()
    help_ms, bare_ms = [], []
    _wall_ms([cli, "--help"])
    for _ in range(plan.help_runs):
        help_ms.append(_wall_ms([cli, "--help"]))
        bare_ms.append(_wall_ms([sys.executable, "-c", "pass"]))
    return {
        "import_ms": {m: statistics.median(v) for m, v in samples.items()},
        "import_samples_ms": samples,
        # Each round imports the three back to back: the ratio of a round's pair is robust to a
        # burst of load that inflates a whole round.
        "import_ratio_vs_httpx": statistics.median(
            o / h for o, h in zip(samples["togai_customers"], samples["httpx"], strict=True)
        ),
        "help_ms": statistics.median(help_ms),
        "python_startup_ms": statistics.median(bare_ms),
    }


def bench_memory(plan: Plan, stub: str, sandbox: str) -> dict[str, Any]:
    log(f"4. memory: iterating {plan.memory_total} customers (page size 50) from the stub")
    results = {"stub": one_shot("memory", "--url", stub, "--page-size", "50")}
    log(f"   and {plan.memory_sandbox_rows} customers from the sandbox")
    results["sandbox"] = one_shot("memory", "--url", sandbox, "--page-size", "50")
    return results


def _importable(module: str, name: str) -> str | None:
    """None when ``from module import name`` works in a fresh process, else the error."""
    done = subprocess.run(
        [sys.executable, "-c", f"from {module} import {name}"], capture_output=True, text=True
    )
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]


#: The MCP paths of benchmark 5: (server flags, client mode). "mcp" is the default server (MCP
#: sessions for 2025-11-25 clients) with the default client (2026-07-28, no session).
MCP_PATHS = {
    "mcp": ((), "auto"),
    "mcp-legacy": ((), "legacy"),
    "mcp-plain": ((), "plain"),
    "mcp-stateless": (("--stateless",), "auto"),
    "mcp-stateless-legacy": (("--stateless",), "legacy"),
}


def bench_surfaces(plan: Plan) -> dict[str, Any]:
    rounds = plan.surface_rounds
    per_round = plan.surface_calls // rounds
    log(f"5. surfaces: {per_round * rounds} sequential get-customer calls per path, in {rounds} "
        "interleaved rounds")  # fmt: skip
    missing = {
        "rest": _importable("togai_customers_server.rest", "create_rest_app"),
        "mcp": _importable("togai_customers_server.mcp", "create_mcp_app"),
    }
    with ExitStack() as stack:
        sandbox = stack.enter_context(spawn("sandbox", "--rows", "10"))
        # (server, client mode) per path, every server started before the first is measured.
        paths: dict[str, tuple[Any, str]] = {"direct": (sandbox, "auto")}
        if missing["rest"] is None:
            paths["rest"] = (stack.enter_context(spawn("rest", "--upstream", sandbox)), "auto")
        if missing["mcp"] is None:
            servers = {
                flags: stack.enter_context(spawn("mcp", "--upstream", sandbox, *flags))
                for flags in {flags for flags, _ in MCP_PATHS.values()}
            }
            for name, (flags, mode) in MCP_PATHS.items():
                paths[name] = (servers[flags], mode)
        ms: dict[str, list[float]] = {name: [] for name in paths}
        cpu = {name: {"client": 0.0, "adapter": 0.0, "sandbox": 0.0} for name in paths}
        # Rounds interleaved across the paths, so that a burst of load from elsewhere on the
        # machine hits them alike.
        for _ in range(rounds):
            for name, (server, mode) in paths.items():
                before = {s: s.cpu_seconds() for s in {server, sandbox}}
                result = one_shot(
                    "surfaces", "--path", name.split("-")[0], "--url", server,
                    "--n", str(per_round), "--mode", mode,
                )  # fmt: skip
                ms[name] += result["ms"]
                cpu[name]["client"] += result["client_cpu_ms"] * per_round
                if server != sandbox:
                    cpu[name]["adapter"] += (server.cpu_seconds() - before[server]) * 1000
                cpu[name]["sandbox"] += (sandbox.cpu_seconds() - before[sandbox]) * 1000
    results: dict[str, Any] = {}
    for name, calls in ms.items():
        served = len(calls) + rounds * 30  # the warm-up calls count on the server side
        results[name] = {
            "p50_ms": statistics.median(calls),
            "p95_ms": statistics.quantiles(calls, n=20)[-1],
            "client_cpu_ms": cpu[name]["client"] / len(calls),
            "adapter_cpu_ms": cpu[name]["adapter"] / served,
            "sandbox_cpu_ms": cpu[name]["sandbox"] / served,
            "n": len(calls),
        }
    results["not_measured"] = {k: v for k, v in missing.items() if v is not None}
    return results


def _rss_mib(pid: int) -> float:
    """Resident set size of a process now (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def bench_sessions(plan: Plan) -> dict[str, Any]:
    """Memory of the MCP server (sessions on, ``--max-sessions`` N) holding N idle sessions, and
    its answer to one more ``initialize``."""
    log(f"5. sessions: {plan.idle_sessions:,} idle MCP sessions")
    with ExitStack() as stack:
        sandbox = stack.enter_context(spawn("sandbox", "--rows", "10"))
        cap = str(plan.idle_sessions)  # the default cap is lower (1,000): room for them all
        server = stack.enter_context(spawn("mcp", "--upstream", sandbox, "--max-sessions", cap))
        one_shot("surfaces", "--path", "mcp", "--url", server, "--n", "20", "--mode", "legacy")
        before = _rss_mib(server.pid)
        opened = one_shot("sessions", "--url", server, "--n", str(plan.idle_sessions))
        time.sleep(1.0)
        after = _rss_mib(server.pid)
    return {
        **opened,
        "rss_before_mib": before,
        "rss_after_mib": after,
        "kib_per_session": (after - before) * 1024 / plan.idle_sessions,
    }


def _write_rows(path: Path, rows: range, prefix: str) -> None:
    with path.open("w") as f:
        for i in rows:
            f.write(json.dumps(customer_body(i, prefix=prefix)) + "\n")


def _cli_run(cli: str, url: str, *args: str) -> tuple[dict[str, Any], float, float, int]:
    """Run ``togai-customers -o json ARGS`` against ``url``: (JSON output, wall seconds, CPU
    seconds of the command, exit code)."""
    env = {**os.environ, "TOGAI_API_KEY": API_KEY, "TOGAI_BASE_URL": url}
    env.pop("TOGAI_MAX_RPS", None)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([cli, "-o", "json", *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return _last_json(done.stdout), seconds, cpu, done.returncode


def _limited_sandbox(plan: Plan, rows: int = 0) -> Any:
    return spawn(
        "sandbox",
        "--rows",
        str(rows),
        "--rate-limit",
        str(plan.rate_limit),
        "--latency-ms",
        str(plan.latency_ms),
    )


def bench_rate_bound(plan: Plan, tmp: Path) -> dict[str, Any]:
    """6. Import into a sandbox with Togai's kind of limit, without --rate (the pace adapts)."""
    cli = cli_path()
    runs: dict[str, Any] = {}
    for concurrency in plan.rate_bound_concurrency:
        log(
            f"6. rate-bound import: {plan.rate_bound_rows} customers at concurrency "
            f"{concurrency}, sandbox --rate-limit {plan.rate_limit:g} "
            f"--latency-ms {plan.latency_ms:g}, no --rate"
        )
        path = tmp / f"rate-bound-{concurrency}.jsonl"
        _write_rows(path, range(plan.rate_bound_rows), f"rb{concurrency}-")
        with _limited_sandbox(plan) as sandbox:
            summary, seconds, cpu, code = _cli_run(
                cli, sandbox, "import", str(path), "--concurrency", str(concurrency)
            )
        runs[str(concurrency)] = {
            "rows": plan.rate_bound_rows,
            "concurrency": concurrency,
            "seconds": seconds,
            "rows_per_s": plan.rate_bound_rows / seconds,
            "client_cpu_ms_per_row": cpu / plan.rate_bound_rows * 1000,
            "exit_code": code,
            "summary": summary,
        }
    return {"rate_limit": plan.rate_limit, "latency_ms": plan.latency_ms, "runs": runs}


def bench_ramp(plan: Plan, tmp: Path) -> dict[str, Any]:
    """6. How fast the adaptive pace finds the ceiling: ``import`` of 1,000 rows into a local
    sandbox with no limit, without ``--rate`` (slow start from 10/s) and with ``--rate 5000``
    (no adaptation), in interleaved rounds of one run."""
    cli = cli_path()
    modes = {"adaptive": [], "rate 5000": ["--rate", "5000"]}
    rounds: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    for r in range(plan.ramp_rounds):
        for mode, extra in modes.items():
            log(f"6. ramp, round {r + 1}/{plan.ramp_rounds}: {plan.ramp_rows} rows, {mode}")
            path = tmp / f"ramp-{r}-{len(extra)}.jsonl"
            _write_rows(path, range(plan.ramp_rows), f"rp{r}-{len(extra)}-")
            with spawn("sandbox") as sandbox:
                summary, seconds, _, code = _cli_run(cli, sandbox, "import", str(path), *extra)
            rounds[mode].append(
                {"seconds": seconds, "exit_code": code, "pace": summary.get("pace")}
            )
    return {
        "rows": plan.ramp_rows,
        "runs": {
            mode: {"seconds": statistics.median(x["seconds"] for x in rs), "rounds": rs}
            for mode, rs in rounds.items()
        },
    }


def bench_loopback(plan: Plan, tmp: Path) -> dict[str, Any]:
    """7. Unthrottled import on loopback: does throughput hold as concurrency rises?"""
    cli = cli_path()
    rounds: dict[str, list[dict[str, Any]]] = {str(c): [] for c in plan.loopback_concurrency}
    for r in range(plan.loopback_rounds):
        for concurrency in plan.loopback_concurrency:
            log(
                f"7. loopback import, round {r + 1}/{plan.loopback_rounds}: "
                f"{plan.loopback_rows} customers at concurrency {concurrency}, no rate limit"
            )
            path = tmp / f"loopback-{concurrency}-{r}.jsonl"
            _write_rows(path, range(plan.loopback_rows), f"lb{concurrency}-{r}-")
            with spawn("sandbox") as sandbox:
                before = sandbox.cpu_seconds()
                summary, seconds, cpu, code = _cli_run(
                    cli,
                    sandbox,
                    "import",
                    str(path),
                    "--concurrency",
                    str(concurrency),
                    "--rate",
                    "100000",
                )
                server_cpu = sandbox.cpu_seconds() - before
            rounds[str(concurrency)].append(
                {
                    "seconds": seconds,
                    "rows_per_s": plan.loopback_rows / seconds,
                    "client_cpu_ms_per_row": cpu / plan.loopback_rows * 1000,
                    "sandbox_cpu_ms_per_row": server_cpu / plan.loopback_rows * 1000,
                    "exit_code": code,
                    "created": summary.get("created"),
                }
            )
    return {
        "rows": plan.loopback_rows,
        "runs": {
            c: {
                "rows_per_s": statistics.median(x["rows_per_s"] for x in rs),
                "client_cpu_ms_per_row": statistics.median(x["client_cpu_ms_per_row"] for x in rs),
                "sandbox_cpu_ms_per_row": statistics.median(
                    x["sandbox_cpu_ms_per_row"] for x in rs
                ),
                "rounds": rs,
            }
            for c, rs in rounds.items()
        },
    }


def bench_sync(plan: Plan, tmp: Path) -> dict[str, Any]:
    """8. sync of a file naming every customer, some edited, some new: requests sent."""
    cli = cli_path()
    existing, edited, new = plan.sync_existing, plan.sync_edited, plan.sync_new
    rows = existing + new
    log(
        f"8. sync of {rows} rows ({edited} edited, {new} new) against {existing} customers, "
        f"sandbox --rate-limit {plan.rate_limit:g} --latency-ms {plan.latency_ms:g}"
    )
    path = tmp / "sync.jsonl"
    with path.open("w") as f:
        for i in range(existing + new):
            body = customer_body(i)  # the sandbox holds c0..c{existing-1}, made the same way
            if i < edited:
                body["name"] = f"Edited Customer {i}"
            f.write(json.dumps(body) + "\n")
    with _limited_sandbox(plan, rows=existing) as sandbox:
        document, seconds, _, code = _cli_run(cli, sandbox, "sync", str(path), "--yes")
    changed = edited + new
    # Reading everything costs ceil((existing + 1) / 100) pages: a full last page is followed
    # by an empty one (Togai's keyset paging); one get per row would cost `rows`.
    pages = (existing + 1 + 99) // 100
    return {
        "rows": rows,
        "edited": edited,
        "new": new,
        "changed": changed,
        "least_reads": min(pages, rows),
        "seconds": seconds,
        "exit_code": code,
        "plan": {k: v for k, v in document.get("plan", {}).items() if k != "changes"},
        "result": document.get("result", {}),
    }


def bench_resume(plan: Plan, tmp: Path) -> dict[str, Any]:
    """9. SIGKILL an import at about half, then run it again: what does the re-run send?"""
    cli = cli_path()
    rows = plan.resume_rows
    log(
        f"9. resume: import {rows} customers, SIGKILL at {plan.resume_kill_at:.0%} of them, "
        "then the same command again"
    )
    path = tmp / "resume.jsonl"
    _write_rows(path, range(rows), "rs-")
    journal = path.with_name(path.name + ".journal.jsonl")
    env = {**os.environ, "TOGAI_API_KEY": API_KEY}
    env.pop("TOGAI_MAX_RPS", None)
    with _limited_sandbox(plan) as sandbox:
        env["TOGAI_BASE_URL"] = sandbox
        proc = subprocess.Popen(
            [cli, "-o", "json", "import", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        target = int(rows * plan.resume_kill_at)
        while proc.poll() is None:
            if journal.exists() and len(journal.read_text().splitlines()) - 1 >= target:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = 0
        for line in journal.read_text().splitlines()[1:]:
            with contextlib.suppress(ValueError):
                finished += json.loads(line).get("outcome") in ("created", "present")
        summary, seconds, _, code = _cli_run(cli, sandbox, "import", str(path))
    return {
        "rows": rows,
        "finished_before_kill": finished,
        "unfinished": rows - finished,
        "seconds": seconds,
        "exit_code": code,
        "summary": summary,
    }


def _timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall milliseconds of one whole process (which must exit 0)."""
    t0 = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, env=env)
    return (time.perf_counter() - t0) * 1000


def bench_startup(plan: Plan) -> dict[str, Any]:
    """11. Start-up of short commands beside Python's floor for a CLI on httpx and Typer."""
    log(f"11. start-up: {plan.startup_runs} interleaved rounds of fresh processes")
    before = os.getloadavg()
    cli = cli_path()
    py = sys.executable
    commands = {
        "floor": [py, "-c", "import httpx, typer"],
        "python": [py, "-c", "pass"],
        "version": [cli, "--version"],
        "help": [cli, "--help"],
        "get": [cli, "-o", "json", "get", "c1"],
        # The same GET by the least a Typer + httpx CLI does: Typer checks each value through
        # pydantic and httpx sends through httpcore, neither of which the floor imports.
        "minimal typer+httpx get": [py, str(HERE / "mini_cli.py"), "c1"],
        "import togai_customers": [py, "-c", "import togai_customers"],
        "import httpx": [py, "-c", "import httpx"],
    }
    with spawn("sandbox", "--rows", "10") as sandbox:
        env = {**os.environ, "TOGAI_API_KEY": API_KEY, "TOGAI_BASE_URL": sandbox}
        env.pop("TOGAI_MAX_RPS", None)
        for argv in commands.values():  # compile and cache the bytecode first
            _timed(argv, env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(plan.startup_runs):
            for name, argv in commands.items():
                samples[name].append(_timed(argv, env))
    medians = {name: statistics.median(v) for name, v in samples.items()}
    # The ratio of each round's pair is robust to a burst of load inflating a whole round.
    ratios = {
        name: statistics.median(x / f for x, f in zip(samples[name], samples["floor"], strict=True))
        for name in commands
    }
    return {
        "runs": plan.startup_runs,
        "median_ms": medians,
        "ratio_vs_floor": ratios,
        # Other work on the machine shows in the load averages (1, 5, 15 min).
        "load_before": before,
        "load_after": os.getloadavg(),
    }


def bench_batch(plan: Plan, tmp: Path) -> dict[str, Any]:
    """12. 1,000 ids: one `get --ids-from FILE` process vs a shell loop of `get`s."""
    n, loop = plan.batch_ids, plan.loop_gets
    log(f"12. {n:,} ids: get --ids-from vs a shell loop of {loop} gets (extrapolated)")
    cli = cli_path()
    ids = tmp / "ids.txt"
    ids.write_text("".join(f"c{i}\n" for i in range(n)))
    with spawn("sandbox", "--rows", str(n)) as sandbox:
        env = {**os.environ, "TOGAI_API_KEY": API_KEY, "TOGAI_BASE_URL": sandbox}
        env.pop("TOGAI_MAX_RPS", None)
        t0 = time.perf_counter()
        done = subprocess.run(
            [cli, "-o", "json", "get", "--ids-from", str(ids)],
            capture_output=True,
            text=True,
            env=env,
        )
        batch_s = time.perf_counter() - t0
        printed = len(done.stdout.splitlines())
        script = f'for i in $(seq 0 {loop - 1}); do "{cli}" -o json get "c$i" >/dev/null; done'
        t0 = time.perf_counter()
        subprocess.run(["bash", "-c", script], check=True, env=env)
        loop_s = time.perf_counter() - t0
    per_get = loop_s / loop
    return {
        "ids": n,
        "batch_s": batch_s,
        "batch_exit": done.returncode,
        "batch_printed": printed,
        "loop_gets": loop,
        "loop_s": loop_s,
        "loop_per_get_ms": per_get * 1000,
        "loop_extrapolated_s": per_get * n,
        "speedup": per_get * n / batch_s,
    }


def _last_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {"unparsed_output": text[-500:]}


# -- machine -----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.+)", lscpu)
    return {
        "nproc": cpus,
        "cpu": model.group(1).strip() if model else platform.processor() or "?",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": _versions(),
    }


def _versions() -> str:
    from importlib.metadata import version

    names = ("togai-customers", "httpx", "togai-client", "uvicorn", "litestar", "mcp")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except Exception:  # a missing optional package is just not listed
            continue
    return ", ".join(found)


# -- main ----------------------------------------------------------------------------------------


def bench_oauth(plan: Plan) -> dict[str, Any]:
    """10: the OAuth gate's added time per request, keys cached (``oauth.py``, own process)."""
    requests, rounds = (500, 3) if plan.quick else (2000, 5)
    argv = [sys.executable, str(HERE / "oauth.py"), "--requests", str(requests)]
    out = subprocess.run(
        [*argv, "--rounds", str(rounds)], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


#: Groups of benchmarks ``--only`` can name (the client ones share their servers).
GROUPS = (
    "clients",
    "import",
    "surfaces",
    "rate_bound",
    "ramp",
    "loopback",
    "sync",
    "resume",
    "startup",
    "batch",
    "oauth",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller smoke run")
    parser.add_argument("--results", type=Path, help="markdown output (default: benchmarks/)")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "img" / "benchmarks.png")
    parser.add_argument(
        "--only",
        help="run only these groups (comma-separated: " + ", ".join(GROUPS) + "), keeping the "
        "other figures of the existing RESULTS.json",
    )
    args = parser.parse_args()
    plan = Plan(args.quick)
    # A quick run must not overwrite the published results: it goes to build/ (git-ignored).
    out_dir = ROOT / "build" / "benchmarks" if plan.quick else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = args.results or out_dir / "RESULTS.md"
    chart = out_dir / "benchmarks.png" if plan.quick else args.chart
    started = time.perf_counter()
    only = set(GROUPS) if args.only is None else set(args.only.split(","))
    if only - set(GROUPS):
        parser.error(f"unknown group(s): {', '.join(sorted(only - set(GROUPS)))}")

    results: dict[str, Any] = {}
    if only != set(GROUPS):
        earlier = md_path.with_suffix(".json")
        if not earlier.exists():  # a first quick run: the other figures are the published ones
            earlier = HERE / "RESULTS.json"
        results = json.loads(earlier.read_text())
        results.setdefault("partial_runs", []).append(sorted(only))
    results.update({"machine": machine(), "quick": plan.quick})
    if "clients" in only:
        with (
            spawn("stub", "--total", str(plan.memory_total)) as stub,
            spawn("sandbox", "--rows", str(plan.memory_sandbox_rows)) as sandbox,
        ):
            upstreams = {"stub": stub, "sandbox": sandbox}
            results["cpu"] = bench_cpu(plan, upstreams)
            results["async"] = bench_async(plan, upstreams)
            results["memory"] = bench_memory(plan, stub, sandbox)
    if "import" in only:
        results["import"] = bench_import(plan)
    if "startup" in only:
        results["startup"] = bench_startup(plan)
    if "surfaces" in only:
        results["surfaces"] = bench_surfaces(plan)
        results["sessions"] = bench_sessions(plan)
    bulk = {
        "rate_bound": bench_rate_bound,
        "ramp": bench_ramp,
        "loopback": bench_loopback,
        "sync": bench_sync,
        "resume": bench_resume,
        "batch": bench_batch,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, bench in bulk.items():
            if name in only:
                before = os.getloadavg()
                results[name] = bench(plan, Path(tmp))
                # Other work on the machine shows in the load averages (1, 5, 15 min).
                results[name]["load_before"] = before
                results[name]["load_after"] = os.getloadavg()
    if "oauth" in only:
        before = os.getloadavg()
        results["oauth"] = bench_oauth(plan)
        results["oauth"]["load_before"] = before
        results["oauth"]["load_after"] = os.getloadavg()
    results["duration_s"] = time.perf_counter() - started
    results.pop("bulk", None)  # the old bulk benchmark, superseded by 6-9

    from report import render_chart, render_markdown, update_docs

    md_path.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    chart.parent.mkdir(parents=True, exist_ok=True)
    render_chart(results, chart)
    md_path.write_text(render_markdown(results, chart_path=chart, md_path=md_path))
    if not plan.quick:
        update_docs(results, ROOT / "docs" / "benchmarks.md")
    log(f"done in {results['duration_s']:.0f} s: {md_path}, {chart}")


if __name__ == "__main__":
    main()
