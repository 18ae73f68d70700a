"""``python -m newsmon.sample_sites serve|catalog``: serve the sample sites, or list their articles.

    python -m newsmon.sample_sites serve [--host 127.0.0.1] [--port-base 8471] \\
        [--fault 'thanhhoa:/NewsDetail.aspx?Id=10832=status:code=503,retry_after=30'] ...

``--port-base 0`` picks free ports. A fault is ``SITE:PATH=FAULT[:k=v,...]``; PATH may
itself contain ``=`` (query strings) and may be ``*`` for every request of the site.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
from typing import Any

from newsmon.sample_sites.articles import SITES, catalog
from newsmon.sample_sites.faults import FAULTS
from newsmon.sample_sites.server import SampleSites

_FAULT_RE = re.compile(rf"^(?P<site>[a-z]+):(?P<path>.+)=(?P<fault>{'|'.join(FAULTS)})(?::(?P<params>.*))?$")


def parse_fault(spec: str) -> tuple[str, str, str, dict[str, Any]]:
    """``SITE:PATH=FAULT[:k=v,...]`` -> (site, path, fault, params)."""
    match = _FAULT_RE.match(spec)
    if not match:
        raise ValueError(
            f"bad --fault {spec!r}: use SITE:PATH=FAULT[:k=v,...], FAULT one of {', '.join(FAULTS)}"
        )
    params: dict[str, Any] = {}
    for item in filter(None, (match.group("params") or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"bad --fault {spec!r}: parameter {item!r} is not k=v")
        params[key.strip()] = value.strip()
    return match.group("site"), match.group("path"), match.group("fault"), params


def serve(args: argparse.Namespace) -> int:
    ports = {site: (0 if args.port_base == 0 else args.port_base + i) for i, site in enumerate(SITES)}
    sites = SampleSites(args.host, ports)
    try:
        specs = [parse_fault(spec) for spec in args.fault]
        sites.start()
        for site, path, fault, params in specs:
            sites.set_fault(site, path, fault, **params)
    except (OSError, ValueError) as exc:
        sites.stop()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("sample sites serving (Ctrl-C to stop):")
    for site, url in sites.urls.items():
        print(f"  {site:<9} {url}   SAMPLE_{site.upper()}_URL")
    for spec in sites.list_faults():
        print(f"  fault: {spec['site']} {spec['path']} {spec['fault']} {spec['params']}")
    sys.stdout.flush()
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sites.stop()
    return 0


def list_catalog(_args: argparse.Namespace) -> int:
    try:
        for entry in catalog():
            print(
                "\t".join(
                    (entry["site"], entry["published"], entry["language"], entry["path"], entry["title"])
                )
            )
    except BrokenPipeError:  # `| head`: the reader went away, which is fine
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsmon.sample_sites", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the four sample sites until Ctrl-C or SIGTERM")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port-base", type=int, default=8471, help="first port (0: free ports)")
    p_serve.add_argument("--fault", action="append", default=[], metavar="SITE:PATH=FAULT[:k=v,...]")
    p_serve.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p_serve.set_defaults(func=serve)
    p_cat = sub.add_parser("catalog", help="list every sample article (tab-separated)")
    p_cat.set_defaults(func=list_catalog)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
