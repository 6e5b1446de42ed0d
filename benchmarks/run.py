"""Run every benchmark side by side and write ``benchmarks/RESULTS.md`` and the chart.

    python benchmarks/run.py            # the full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # a smaller smoke run, written to build/benchmarks/

Every server and every client runs in its own process: the upstreams are the sandbox
(``create_app(Sandbox())`` under uvicorn) and ``stub.py``, a minimal keep-alive server whose own
time is tiny so that client overhead shows. See ``docs/benchmarks.md`` for the method.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
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
        self.bulk_rows = 500 if quick else 5_000
        self.bulk_concurrency = (1, 8, 32)
        self.rate_limit = 2000.0
        # (rows, concurrency, rate limit) of the run where the limit binds.
        self.bulk_limited = (300, 32, 100.0) if quick else (1_500, 32, 250.0)


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


def bench_surfaces(plan: Plan) -> dict[str, Any]:
    log(f"5. surfaces: {plan.surface_calls} sequential get-customer calls per path")
    missing = {
        "rest": _importable("togai_customers_server.rest", "create_rest_app"),
        "mcp": _importable("togai_customers_server.mcp", "create_mcp_app"),
    }
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        sandbox = stack.enter_context(spawn("sandbox", "--rows", "10"))
        paths = {"direct": sandbox}
        for kind, error in missing.items():
            if error is None:
                paths[kind] = stack.enter_context(spawn(kind, "--upstream", sandbox))
        for name, server in paths.items():
            # Server CPU per call, from /proc: the adapter's own, and the sandbox's behind it.
            before = {s: s.cpu_seconds() for s in {server, sandbox}}
            result = one_shot(
                "surfaces", "--path", name, "--url", server, "--n", str(plan.surface_calls)
            )
            calls = plan.surface_calls + 30  # the warm-up calls count on the server side
            result["adapter_cpu_ms"] = (
                (server.cpu_seconds() - before[server]) / calls * 1000 if server != sandbox else 0.0
            )
            result["sandbox_cpu_ms"] = (sandbox.cpu_seconds() - before[sandbox]) / calls * 1000
            results[name] = result
    results["not_measured"] = {k: v for k, v in missing.items() if v is not None}
    return results


def _import(cli: str, path: Path, rows: int, concurrency: int, rate: float) -> dict[str, Any]:
    """Import ``path`` into a fresh sandbox limited to ``rate`` requests/s; time the command."""
    with path.open("w") as f:
        for i in range(rows):
            f.write(json.dumps(customer_body(i, prefix=f"bulk{concurrency}-")) + "\n")
    with spawn("sandbox", "--rate-limit", str(rate)) as sandbox:
        env = {**os.environ, "TOGAI_API_KEY": API_KEY, "TOGAI_BASE_URL": sandbox}
        sandbox_cpu = sandbox.cpu_seconds()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            [cli, "-o", "json", "import", str(path), "--concurrency", str(concurrency)],
            capture_output=True,
            text=True,
            env=env,
        )
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        sandbox_cpu = sandbox.cpu_seconds() - sandbox_cpu
    client_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return {
        "rows": rows,
        "concurrency": concurrency,
        "rate_limit": rate,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "client_cpu_ms_per_row": client_cpu / rows * 1000,
        "sandbox_cpu_ms_per_row": sandbox_cpu / rows * 1000,
        "exit_code": done.returncode,
        "summary": _last_json(done.stdout),
    }


def bench_bulk(plan: Plan) -> dict[str, Any]:
    cli = cli_path()
    results: dict[str, Any] = {"runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for concurrency in plan.bulk_concurrency:
            log(
                f"6. bulk import: {plan.bulk_rows} customers at concurrency {concurrency}, "
                f"sandbox rate limit {plan.rate_limit:g}/s"
            )
            path = Path(tmp) / f"customers-{concurrency}.jsonl"
            results["runs"][str(concurrency)] = _import(
                cli, path, plan.bulk_rows, concurrency, plan.rate_limit
            )
        # A limit below what the sandbox can serve, so that 429 + Retry-After really happen.
        rows, conc, rate = plan.bulk_limited
        log(f"   and {rows} customers at concurrency {conc}, sandbox rate limit {rate:g}/s")
        results["limited"] = _import(cli, Path(tmp) / "limited.jsonl", rows, conc, rate)
    return results


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller smoke run")
    parser.add_argument("--results", type=Path, help="markdown output (default: benchmarks/)")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "img" / "benchmarks.png")
    args = parser.parse_args()
    plan = Plan(args.quick)
    # A quick run must not overwrite the published results: it goes to build/ (git-ignored).
    out_dir = ROOT / "build" / "benchmarks" if plan.quick else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = args.results or out_dir / "RESULTS.md"
    chart = out_dir / "benchmarks.png" if plan.quick else args.chart
    started = time.perf_counter()

    results: dict[str, Any] = {"machine": machine(), "quick": plan.quick}
    with (
        spawn("stub", "--total", str(plan.memory_total)) as stub,
        spawn("sandbox", "--rows", str(plan.memory_sandbox_rows)) as sandbox,
    ):
        upstreams = {"stub": stub, "sandbox": sandbox}
        results["cpu"] = bench_cpu(plan, upstreams)
        results["async"] = bench_async(plan, upstreams)
        results["memory"] = bench_memory(plan, stub, sandbox)
    results["import"] = bench_import(plan)
    results["surfaces"] = bench_surfaces(plan)
    results["bulk"] = bench_bulk(plan)
    results["duration_s"] = time.perf_counter() - started

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
