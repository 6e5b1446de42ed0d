"""Profile our client's per-call overhead with pyinstrument, against the fast stub.

    python benchmarks/profile_client.py            # sync get_customer, 3,000 calls
    python benchmarks/profile_client.py --async    # async, 3,000 calls at concurrency 50
    python benchmarks/profile_client.py --html out.html

What to look for: everything outside ``httpx.Client.send`` is ours (building the call, the
retry loop, parsing the model); compare with benchmark 1's ratio to raw httpx.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from pyinstrument import Profiler
from servers import API_KEY, spawn


def _sync(url: str, n: int) -> Profiler:
    from togai_customers import TogaiCustomers

    with TogaiCustomers(API_KEY, base_url=url) as client:
        for _ in range(200):
            client.get_customer("c1")
        profiler = Profiler(interval=0.0001)
        with profiler:
            for _ in range(n):
                client.get_customer("c1")
    return profiler


async def _async(url: str, n: int, concurrency: int) -> Profiler:
    from togai_customers import AsyncTogaiCustomers

    async with AsyncTogaiCustomers(API_KEY, base_url=url) as client:
        remaining = n

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await client.get_customer("c1")

        await asyncio.gather(*(client.get_customer("c1") for _ in range(concurrency)))
        profiler = Profiler(interval=0.0001, async_mode="disabled")
        with profiler:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--async", dest="use_async", action="store_true")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--html", type=Path, help="write an HTML report here")
    args = parser.parse_args()
    with spawn("stub") as url:
        profiler = asyncio.run(_async(url, args.n, 50)) if args.use_async else _sync(url, args.n)
    if args.html:
        args.html.write_text(profiler.output_html())
        print(f"wrote {args.html}")
    else:
        print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
