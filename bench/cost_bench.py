"""Extraction cost per page against an earlier revision of newsmon, measured in the same run.

    python bench/cost_bench.py [--rev 4aaa925] [--pages 300] [--rounds 3] [--archive PATH]

The earlier revision is checked out into a temporary git worktree; each side runs
``pipeline.process.extract_page`` over the same pages (the first N of trafilatura's evaluation
set, unpacked from ``../shared/bench/peer/``) in its own process, with the same installed
libraries. Rounds alternate the two sides so that load on a noisy machine falls on both. CPU
time (not wall time) per page is compared; the ratio printed is ours / earlier.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from peer_bench import ARCHIVES, PEER_DIR, _file, unpack  # noqa: E402

# Run inside each side's process: its own checkout comes first on sys.path.
_WORKER = r"""
import json, logging, sys, time
sys.path.insert(0, sys.argv[1])
logging.disable(logging.CRITICAL)
from pipeline.process import extract_page
from pipeline.types import Page
pages = json.loads(open(sys.argv[2], encoding="utf-8").read())
bodies = [(url, open(path, "rb").read()) for url, path in pages]
def run():
    for url, raw in bodies:
        try:
            extract_page(Page(url=url, body=raw, headers={}))
        except Exception:  # ExtractionFailed and pages either side cannot read cost the same
            pass
run()  # warm-up: imports, compiled patterns, caches
start = time.process_time()
run()
print(json.dumps({"cpu": time.process_time() - start, "pages": len(bodies)}))
"""


def _pages(base: Path, limit: int) -> list[tuple[str, str]]:
    gold = json.loads((base / "evaldata.json").read_text(encoding="utf-8"))
    out = []
    for url, entry in gold.items():
        path = _file(base, entry["file"])
        if path is not None:
            out.append((url, str(path)))
        if len(out) >= limit:
            break
    return out


def _side(checkout: Path, pages_file: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, str(checkout), str(pages_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker failed in {checkout}:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["cpu"] / max(1, result["pages"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="4aaa925", help="the earlier revision (default: 4aaa925)")
    parser.add_argument("--pages", type=int, default=300, help="pages of trafilatura's set (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--archive", type=Path, default=PEER_DIR / ARCHIVES["bodies"])
    args = parser.parse_args(argv)
    if not args.archive.exists():
        print(f"peer set not found: {args.archive} (pass --archive PATH)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="newsmon-cost-") as tmp:
        tmp_path = Path(tmp)
        base = unpack(args.archive, tmp_path / "set")
        pages_file = tmp_path / "pages.json"
        pages_file.write_text(json.dumps(_pages(base, args.pages)), encoding="utf-8")
        worktree = tmp_path / "rev"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.rev],
            check=True,
            capture_output=True,
        )
        try:
            ours, theirs = [], []
            for i in range(args.rounds):
                print(f"round {i + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
                theirs.append(_side(worktree, pages_file))
                ours.append(_side(ROOT, pages_file))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                check=False,
                capture_output=True,
            )
    best_ours, best_theirs = min(ours), min(theirs)
    print(f"extract_page CPU per page over {args.pages} pages, best of {args.rounds} rounds")
    print(f"  {args.rev:>10}: {best_theirs * 1000:7.1f} ms")
    print(f"  {'this tree':>10}: {best_ours * 1000:7.1f} ms")
    print(f"cost ratio this tree/{args.rev}: {best_ours / best_theirs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
