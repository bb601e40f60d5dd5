"""``poison-guard``: the command line, a thin layer over :mod:`gx_poison_guard.project`.

Exit codes: 0 the batch may pass (possibly with warnings), 1 the breaker
tripped, 2 usage, configuration or input error (the batch could not be
validated, so it must not pass either). Errors print one line, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_PASS, EXIT_TRIPPED, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 with usage; keep it to one line plus usage
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"poison-guard: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="poison-guard", description="Stop poisoned or drifted batches before they reach training.")
    p.add_argument("--project", type=Path, default=Path("."), help="project root (default: current directory)")
    p.add_argument("--quiet", action="store_true", help="print only errors and --json output")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("baseline", help="fit a golden baseline; write contract, artifact, suite and checkpoint")
    b.add_argument("golden", nargs="?", type=Path, help="golden CSV or Parquet file (vetted clean rows)")
    b.add_argument("--name", help="dataset name (contract file expectations/NAME.yaml)")
    b.add_argument("--contract", type=Path, help="build from an existing contract file instead")
    b.add_argument("--columns", nargs="+", help="feature columns (default: every numeric column but id and label)")
    b.add_argument("--id-column", help="column naming rows in reports and quarantine")
    b.add_argument("--label", help="label column (kept out of the features)")
    b.add_argument("--batch-size", type=int, default=500, help="rows per checked batch (default 500)")
    b.add_argument("--target-false-block-rate", type=float, default=0.01)

    c = sub.add_parser("check", help="run the circuit breaker on one batch file")
    c.add_argument("batch", type=Path, help="batch CSV or Parquet file")
    c.add_argument("--name", required=True, help="dataset name")
    c.add_argument("--source", help="lineage: where the batch came from")
    c.add_argument("--ingestion-path", help="lineage: the pipeline step that produced it (default: the file path)")
    c.add_argument("--json", action="store_true", help="print the verdict as JSON (schema in README)")

    d = sub.add_parser("docs", help="build the Data Docs site and print the path of its index page")
    d.add_argument("--open", action="store_true", help="also open it in a web browser")

    sub.add_parser("demo", help="the main job on generated card transactions: clean passes, poison trips, drift warns")

    r = sub.add_parser("redteam", help="attack your own suite: which poisoning scenarios does it catch?")
    r.add_argument("--name", required=True, help="dataset name")
    r.add_argument("--clean", type=Path, help="clean rows the baseline never saw (CSV/Parquet); default: the "
                                              "held-out calibration rows (optimistic false-block rate)")
    r.add_argument("--batches", type=int, default=50, help="clean batches per scenario (default 50)")
    r.add_argument("--fractions", type=float, nargs="+", default=[0.01, 0.05, 0.10], help="poisoned shares")
    r.add_argument("--json", action="store_true", help="print the table as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except Exception as exc:  # noqa: BLE001 - one line for every failure, and the breaker stays closed
        from .exceptions import PoisonGuardError

        prefix = "" if isinstance(exc, PoisonGuardError) else f"unexpected {type(exc).__name__}: "
        print(f"poison-guard: error: {prefix}{_one_line(exc)}", file=sys.stderr)
        if os.environ.get("POISON_GUARD_DEBUG"):
            raise
        return EXIT_ERROR


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def _progress(args, description: str):
    """A tqdm bar on stderr for calibration (None with --quiet); call it as progress(done, total)."""
    if args.quiet:
        return None
    from tqdm import tqdm

    bar = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=description, unit="batch", file=sys.stderr, leave=False)
        bar["bar"].update(done - bar["bar"].n)
        if done >= total:
            bar.pop("bar").close()

    return update


def _cmd_baseline(args) -> int:
    from .contract import load_contract, parse_contract
    from .project import Project, fit_project_baseline, read_table

    project = Project(args.project)
    source = args.contract
    if args.contract:
        contract = load_contract(args.contract)
    else:
        if not args.golden or not args.name:
            return _usage_error("baseline needs GOLDEN_FILE and --name, or --contract FILE")
        golden = read_table(args.golden, what="golden")
        contract = parse_contract(_contract_from_args(args, golden, project), project.contract_path(args.name))
    _say(args, f"fitting baseline {contract.name!r} ({len(contract.features)} features) and calibrating the suite…")
    summary = fit_project_baseline(project, contract, source=source,
                                   progress=_progress(args, "calibrating on clean batches"))
    _say(args, f"wrote {summary['contract']}, {summary['baseline']} (sha256 {summary['baseline_sha256'][:12]}…), "
               f"suite and checkpoint {summary['suite']!r} with {summary['expectations']} expectations")
    return EXIT_PASS


def _usage_error(message: str) -> int:
    print(f"poison-guard: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _contract_from_args(args, golden, project) -> dict:
    import pandas as pd

    excluded = {args.id_column, args.label}
    columns = args.columns or [c for c in golden.columns if c not in excluded and pd.api.types.is_numeric_dtype(golden[c])]
    features = {}
    for c in columns:
        kind = "int" if c in golden.columns and pd.api.types.is_integer_dtype(golden[c]) else "float"
        features[str(c)] = kind
    try:
        golden_ref = project.relative(args.golden)
    except ValueError:  # outside the project: keep the absolute path
        golden_ref = str(Path(args.golden).resolve())
    raw = {"name": args.name, "features": features, "golden": golden_ref, "batch_size": args.batch_size,
           "target_false_block_rate": args.target_false_block_rate}
    if args.id_column:
        raw["id_column"] = args.id_column
    if args.label:
        raw["label_column"] = args.label
    return raw


def _cmd_check(args) -> int:
    from .project import Project, check_batch

    report = check_batch(Project(args.project), args.name, args.batch,
                         lineage={"source": args.source, "ingestion_path": args.ingestion_path})
    if args.json:
        print(json.dumps(report.to_json(), indent=2, default=str))
    if not args.quiet:
        _print_report(report)
    return report.exit_code


def _print_report(report) -> None:
    word = {"pass": "PASSED", "warn": "PASSED WITH WARNINGS", "trip": "TRIPPED"}[report.status]
    print(f"{word}: batch {report.batch['path']} ({report.batch['rows']} rows) against {report.contract!r}", file=sys.stderr)
    for check in report.checks:
        if not check["success"]:
            where = f" [{check['column']}]" if check["column"] else ""
            print(f"  {check['action']:5s} {check['check']}{where}: observed {check['observed_value']}", file=sys.stderr)
    if report.quarantine:
        print(f"  flagged rows copied to {report.quarantine}", file=sys.stderr)


def _cmd_docs(args) -> int:
    from .project import Project, build_docs

    path = build_docs(Project(args.project).context())
    print(path)
    if args.open and path:
        import webbrowser

        webbrowser.open(Path(path).as_uri())
    return EXIT_PASS


def _cmd_demo(args) -> int:
    from .demo import EXPECTED, run_demo
    from .project import Project

    result = run_demo(Project(args.project), say=lambda text: _say(args, text),
                      progress=_progress(args, "calibrating on clean batches"))
    verdicts = ", ".join(f"{name} {'passed' if s == 'pass' else 'tripped' if s == 'trip' else 'warned'}"
                         for name, s in result["outcomes"].items())
    print(f"demo: {verdicts}; Data Docs: {result['data_docs']}")
    if not result["as_expected"]:
        print(f"poison-guard: error: the demo expected {EXPECTED}, got {result['outcomes']}", file=sys.stderr)
        return EXIT_TRIPPED
    return EXIT_PASS


def _cmd_redteam(args) -> int:
    from .project import Project, redteam_project
    from .redteam import format_table

    if args.batches < 1:
        return _usage_error(f"--batches must be at least 1: got {args.batches}")
    rows, source = redteam_project(Project(args.project), args.name, clean_path=args.clean, n_batches=args.batches,
                                   fractions=tuple(args.fractions))
    if args.json:
        print(json.dumps({"contract": args.name, "clean_batches_from": source,
                          "rows": [{**r.__dict__, "rate": r.rate} for r in rows]}, indent=2))
    else:
        print(f"Red team of {args.name!r}: {args.batches} batches per cell, clean batches from {source}.")
        print(format_table(rows))
    return EXIT_PASS


_COMMANDS = {"baseline": _cmd_baseline, "check": _cmd_check, "docs": _cmd_docs, "demo": _cmd_demo,
             "redteam": _cmd_redteam}


if __name__ == "__main__":
    sys.exit(main())
