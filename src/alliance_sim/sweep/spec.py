"""The sweep file schema (pydantic): what a sweep file may say, and the limits of each key."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from ..schema import Strict

#: Scenario paths a sweep sets itself and so may not sweep (``parameter_draws`` holds for the whole sweep).
RESERVED = ("replications", "seed", "name", "parameter_draws")

Scalar = bool | int | float | str

#: Default largest design (points) a sweep may build; ``--max-points`` lifts it.
MAX_POINTS = 1_000_000

#: A sweep name is a folder under ``results/``: no ``..`` or hidden names (no leading dot or dash).
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"


class ParamSpec(Strict):
    """One swept dotted path: a list of values, or a range with an optional distribution."""

    low: float | None = Field(None, description="Lower end of the range.")
    high: float | None = Field(None, description="Upper end of the range.")
    steps: int | None = Field(None, ge=2, description="Grid sampler: evenly spaced values from low to high.")
    values: list[Scalar] | None = Field(None, min_length=1, description="Explicit values (grid sampler).")
    distribution: Literal["uniform", "loguniform"] = Field("uniform", description="Distribution over the range.")


class SweepSpec(Strict):
    """The body of a sweep file (under ``sweep:``)."""

    name: str | None = Field(None, pattern=NAME_PATTERN, description="Default: the file name.")
    description: str = ""
    scenario: str = Field(description="Scenario file, relative to the sweep file.")
    sampler: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    parameters: dict[str, ParamSpec] = Field(min_length=1, description="Dotted path -> values or range.")
    samples: int | None = Field(None, ge=1, description="N: LHS points, Sobol base samples, Morris trajectories.")
    replications: int | None = Field(None, ge=1, le=10_000_000, description="Per design point; default: scenario's.")
    months: int | None = Field(None, ge=1, le=600, description="Horizon; default: the scenario's.")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Root seed; default: the scenario's.")
    chunk: int | None = Field(None, ge=1, description="Replications per task; does not change results.")
    calc_second_order: bool = Field(True, description="Sobol: design for second-order indices too.")
    levels: int = Field(4, ge=2, description="Morris: number of grid levels.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Fixed dotted-path values for every point.")

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_values(cls, value):
        # The manifest's form, a list of {path, low, high, ...}, is accepted too.
        if isinstance(value, list) and all(isinstance(v, dict) and "path" in v for v in value):
            value = {v["path"]: {k: x for k, x in v.items() if k != "path"} for v in value}
        if isinstance(value, dict):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value


class SweepDoc(Strict):
    sweep: SweepSpec
