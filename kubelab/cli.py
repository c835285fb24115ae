"""The `kubelab` command: one subcommand per thing a user runs from a terminal.

    kubelab demo [--seed N] [--nodes N] [--pause SECONDS]   the walking skeleton's story
    kubelab kubectl ...                                      kubelab's kubectl (needs `kubelab up`)

Bad input gets one line on stderr and exit code 2 (argparse's usage errors) or 1, never a
traceback.
"""
from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubelab", description="A small but faithful Kubernetes to learn from.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="tell the story of a Deployment, from kubectl apply to traffic")
    demo.add_argument("--seed", type=int, default=0, help="seed for names, IPs and choices (default 0)")
    demo.add_argument("--nodes", type=int, default=3, help="number of worker nodes (default 3)")
    demo.add_argument("--pause", type=float, default=0.0, help="real seconds to pause between acts")
    commands.add_parser("kubectl", help="kubelab's own kubectl, against a running `kubelab up` cluster",
                        add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["kubectl"]:
        print("error: kubelab kubectl talks to a cluster started by `kubelab up`, which arrives with the "
              "HTTP API server; in Python, use Cluster(...).kubectl(\"get pods\")", file=sys.stderr)
        return 1
    args = _parser().parse_args(argv)
    if args.command == "demo":
        if args.nodes < 1:
            print("error: --nodes must be at least 1", file=sys.stderr)
            return 2
        from .demo import run_demo
        try:
            run_demo(seed=args.seed, nodes=args.nodes, pause=args.pause)
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return 0
        return 0
    _parser().print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
