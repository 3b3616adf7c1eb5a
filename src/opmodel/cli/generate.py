"""The ``opmodel generate`` command: write a large, valid, realistic model folder."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.markup import escape

from .. import api
from ..errors import InputError
from ._app import app
from ._common import console, handle_errors

BIG = 20_000  # assessments from which a progress display is shown


@app.command("generate")
@handle_errors
def generate_cmd(
    directory: Path = typer.Argument(..., help="Folder to write the model to."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same "
                             "model."),
    business_units: int = typer.Option(5, "--business-units", help="Business units (1–1000)."),
    stages: int = typer.Option(6, "--stages", help="Value-chain stages (1–50, at most the "
                               "number of capabilities)."),
    capabilities: int = typer.Option(50, "--capabilities", help="Capabilities (two-level "
                                     "tree); each is assessed in every business unit."),
    applications: int = typer.Option(60, "--applications", help="Applications (0 or more)."),
    initiatives: int = typer.Option(40, "--initiatives", help="Initiatives (0 or more)."),
    quarters: int = typer.Option(8, "--quarters", help="Quarters in the planning horizon "
                                 "(4–12)."),
    dependency_density: float = typer.Option(
        0.15, "--dependency-density",
        help="Probability (0–1) that an initiative depends on earlier ones."),
    start: str = typer.Option("2027Q1", "--start", help="First quarter of the horizon."),
    force: bool = typer.Option(False, "--force", help="Write into a folder that has files."),
) -> None:
    """Generate a large, valid, realistic model into DIRECTORY, for tests and benchmarks.

    The same --seed always gives the same model. See docs/generate.md for the distributions.
    """
    from ..generate import check_options, generate

    options = dict(seed=seed, business_units=business_units, stages=stages,
                   capabilities=capabilities, applications=applications,
                   initiatives=initiatives, quarters=quarters,
                   dependency_density=dependency_density, start=start)
    check_options(**options)  # clear errors before touching the folder
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{directory} exists and is not a folder", hint="choose a new folder")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise InputError(f"{directory} is not empty", hint="choose a new folder or pass --force")
    from ..atomic import check_writable, real_folder

    check_writable(real_folder(directory).parent, directory)  # /proc/g: refused before generating

    t0 = time.perf_counter()
    big = business_units * capabilities >= BIG or initiatives >= 2000
    if big:
        with console.status("generating …") as status:
            e = generate(**options,
                         on_step=lambda s: status.update(f"generating: {s} …"))
            t1 = time.perf_counter()
            status.update(f"writing {escape(str(directory))} …")
            api.save(e, directory)
    else:
        e = generate(**options)
        t1 = time.perf_counter()
        api.save(e, directory)
    t2 = time.perf_counter()
    counts = e.summary()
    console.print(f"[green]✓[/] generated [bold]{escape(e.name)}[/] in "
                  f"[bold]{escape(str(directory))}[/]")
    for shown in (("business units", "stages", "capabilities", "assessments"),
                  ("applications", "initiatives", "objectives", "expectations"),
                  ("budget lines", "teams", "guardrails")):
        console.print("  " + ", ".join(f"{counts[k]:,} {k}" for k in shown))
    console.print(f"  generated in {t1 - t0:.1f} s, written in {t2 - t1:.1f} s")
    console.print(f"  next: [bold]opmodel validate {escape(str(directory))}[/]")
