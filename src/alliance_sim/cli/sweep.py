"""``simulate SWEEP.yaml``: run or resume a sweep and say what happened."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from ..errors import EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from ..run import GIB
from ..scenario import ScenarioError
from ..store import new_folder
from ..sweep import SweepError, execute, load_sweep
from ..sweep.executors import DASK_TIMEOUT
from ..sweep.spec import MAX_POINTS
from ..sweep.store import FAILURES, SWEEP_JSON


def _resume_command(args) -> str:
    cmd = ["simulate", str(args.file)]
    for flag, value in (
        ("--replications", args.replications),
        ("--seed", args.seed),
        ("--months", args.months),
        ("--chunk", args.chunk),
        ("--workers", args.workers),
        ("--scheduler", args.scheduler),
        ("--dask-timeout", None if args.dask_timeout == int(DASK_TIMEOUT) else args.dask_timeout),
        ("--max-points", None if args.max_points == MAX_POINTS else args.max_points),
        ("--parameters", args.parameters),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    if args.executor not in (None, "process"):
        cmd += ["--executor", args.executor]
    for o in args.overrides:
        cmd += ["--set", o]
    return shlex.join(cmd)


def sweep_main(args: argparse.Namespace) -> int:
    """``simulate SWEEP.yaml``: run a sweep from parsed command-line arguments; return the exit status.

    Exit status: 0 complete, 2 invalid input, 3 not complete (tasks failed or were not run), 130 interrupted.
    """
    folder = None
    try:
        sweep = load_sweep(
            args.file,
            replications=args.replications,
            seed=args.seed,
            months=args.months,
            chunk=args.chunk,
            overrides=args.overrides,
            max_points=args.max_points,
            max_memory=None if args.max_memory is None else args.max_memory * GIB,
            parameters=args.parameters,
        )
        if args.resume and args.out and Path(args.resume) != Path(args.out):
            raise SweepError("give either --out or --resume, not two different folders")
        folder = Path(args.resume or args.out or new_folder("results", sweep.name))
        if not args.quiet:
            print(
                f"{sweep.name}: {sweep.points} design points ({sweep.spec.sampler}) x {sweep.replications} "
                f"replications = {sweep.runs:,} runs of {sweep.scenario.months} months -> {folder}",
                file=sys.stderr,
            )
        outcome = execute(
            sweep,
            folder,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            resume=args.resume is not None,
            progress=not args.quiet,
            dask_timeout=args.dask_timeout,
        )
    except (ScenarioError, OSError) as exc:  # OSError: the folder cannot be made or written
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # a SweepInterrupted, or Ctrl-C while the pool was starting
        if folder is None or not (folder / SWEEP_JSON).exists():
            print("interrupted before the sweep started; nothing to resume", file=sys.stderr)
            return EXIT_INTERRUPTED
        print("interrupted; completed tasks are saved. Resume with:", file=sys.stderr)
        print(f"  {_resume_command(args)} --resume {shlex.quote(str(folder))}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return _sweep_outcome(args, sweep, outcome)


def _sweep_outcome(args: argparse.Namespace, sweep, outcome) -> int:
    """Say what an execution of a sweep did; return the exit status."""
    if outcome.quarantined:
        print(
            f"{len(outcome.quarantined)} part(s) did not match the hash logged when they were written and were "
            f"moved to quarantine/ (their tasks ran again): {', '.join(outcome.quarantined[:5])}",
            file=sys.stderr,
        )
    if outcome.stopped:
        print(f"the sweep stopped early: {outcome.stopped}", file=sys.stderr)
    if not outcome.complete:
        unrun = sum(f["error"].startswith("not run") for f in outcome.failures)
        what = f"{len(outcome.failures) - unrun} task(s) failed" + (f", {unrun} not run" if unrun else "")
        print(f"{what}; {outcome.points_done} of {sweep.points} design points complete:", file=sys.stderr)
        for f in outcome.failures[:20]:
            print(f"  {f['task']} (point {f['point']}, spawn keys {f['spawn_keys']}): {f['error']}", file=sys.stderr)
        if len(outcome.failures) > 20:
            print(f"  ... and {len(outcome.failures) - 20} more", file=sys.stderr)
        print(f"tracebacks in {outcome.folder / FAILURES}; after a fix, rerun the failed tasks with:", file=sys.stderr)
        print(f"  {_resume_command(args)} --resume {shlex.quote(str(outcome.folder))}", file=sys.stderr)
        print(f"partial results written to {outcome.folder}")
        return EXIT_INCOMPLETE
    if not outcome.executor:
        print("sweep already complete; nothing to run")
    elif not args.quiet:
        print(f"{outcome.rows:,} runs in {outcome.wall:.1f} s on {outcome.executor}")
    print(f"results written to {outcome.folder}")
    return EXIT_OK
