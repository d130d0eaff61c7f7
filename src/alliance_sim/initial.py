"""Initial states of the five actors: the ``actors`` section of a scenario (schema only)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .names import ALIASES, Government
from .schema import Strict

Share = Annotated[float, Field(ge=0, le=1)]


class RokCoop(Strict):
    """Initial cooperation of ROK toward its partners."""

    JPN: Share = Field(0.6, description="ROK toward JPN.")
    USA: Share = Field(0.85, description="ROK toward USA.")


class JpnCoop(Strict):
    """Initial cooperation of JPN toward its partners."""

    ROK: Share = Field(0.6, description="JPN toward ROK.")
    USA: Share = Field(0.9, description="JPN toward USA.")


class UsaCoop(Strict):
    """Initial cooperation of the USA toward its allies."""

    ROK: Share = Field(0.85, description="USA toward ROK.")
    JPN: Share = Field(0.9, description="USA toward JPN.")


class AllyInit(Strict):
    """Initial state of a junior ally (a democracy with a domestic gate)."""

    government: Government = Field(
        "conservative", description="Camp in office (what an election decides): conservative or progressive."
    )
    position: float | None = Field(
        None,
        ge=-1,
        le=1,
        description="The government's position on the history axis, -1 history hawk .. +1 pragmatist; "
        "default: its camp's mean (parameters.positions).",
    )
    interim: bool = Field(False, description="An acting government is in office.")
    approval: Share = Field(0.4, description="Approval of the government (or support of its camp).")
    approval_anchor: Share | None = Field(
        None, description="Long-run approval the government drifts toward; default: approval."
    )
    antipathy: Share = Field(0.5, description="Share of the public unfavourable to the partner (Genron NPO polls).")
    antipathy_anchor: Share | None = Field(
        None, description="Level public antipathy decays toward; default: antipathy."
    )
    us_trust: Share = Field(0.95, description="Share of the US commitment signal the ally believes.")
    china_exposure: Share = Field(
        0.3, description="Exposure to China (trade dependence) that turns US-China tension into entrapment fear."
    )
    prk_proximity: Share = Field(0.5, description="Weight of PRK threat in perceived threat (Walt's proximity).")
    chn_proximity: Share = Field(0.5, description="Weight of CHN threat in perceived threat.")


class RokInit(AllyInit):
    coop: RokCoop = RokCoop()


class JpnInit(AllyInit):
    coop: JpnCoop = JpnCoop()


class UsaInit(Strict):
    """Initial state of the patron."""

    commitment: Share = Field(0.8, description="Baseline US commitment signal to its allies.")
    transactionalism: Share = Field(
        0.3,
        description="How far the administration bargains over costs: scales burden-sharing shocks, discounts brokerage.",
    )
    brokerage: Share = Field(0.5, description="Capacity to broker ROK-JPN cooperation when it sinks.")
    china_tension: Share = Field(0.5, description="US-China tension, the source of allies' entrapment fear.")
    coop: UsaCoop = UsaCoop()


class PrkInit(Strict):
    """Initial state of North Korea."""

    capability: Share = Field(0.35, description="Military capability (threat floor without provocations).")
    russia_backing: Share = Field(0.0, description="Russian backing (treaty, technology transfer).")


class ChnInit(Strict):
    """Initial state of China."""

    pressure: Share = Field(0.2, description="Baseline economic and political pressure on ROK.")
    maritime: Share = Field(0.3, description="Baseline maritime assertiveness (Yellow Sea, East China Sea).")
    ties: Share = Field(
        0.6, description="ROK-China political cooperation (summits, high-level exchanges) at the start."
    )


class Actors(Strict):
    """Initial states of the five actors. ``KOR`` is accepted as an alias of ``ROK``."""

    ROK: RokInit = RokInit()
    JPN: JpnInit = JpnInit(coop=JpnCoop())
    USA: UsaInit = UsaInit()
    PRK: PrkInit = PrkInit()
    CHN: ChnInit = ChnInit()

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data):
        if isinstance(data, dict):
            _check_aliases(data)
            data = {ALIASES.get(k, k): v for k, v in data.items()}
        return data


def _check_aliases(actors: dict) -> None:
    """Raise if an actor is given both by its code and by an alias (one would be dropped silently)."""
    for alias, code in ALIASES.items():
        if alias in actors and code in actors:
            raise ValueError(f"{code} and its alias {alias} are both given; keep one")
