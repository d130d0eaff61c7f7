"""North Korea (PRK)."""

import math

import numpy as np

from .. import slots as S
from ..columns import col
from ..jit import njit
from .base import Slot, State, clip01

CAPABILITY = col("actors.PRK.capability")
RUSSIA_BACKING = col("actors.PRK.russia_backing")
RUSSIA_CAPABILITY = col("walt.russia_capability")
ACTIVITY_MEMORY = col("walt.activity_memory")
ACTIVITY_SATURATION = col("walt.activity_saturation")
ACTIVITY_WEIGHT = col("walt.activity_weight")
ICBM_SHOCK = col("walt.icbm_shock")
NUCLEAR_SHOCK = col("walt.nuclear_shock")
SHOCK_DECAY = col("walt.shock_decay")
COHESION_REACTION = col("prk.cohesion_reaction")
COHESION_REFERENCE = col("prk.cohesion_reference")
RUSSIA_BOLDNESS = col("prk.russia_boldness")
DETENTE_DECAY = col("diplomacy.detente_decay")

#: Rates above this are summed in log space: exp(-lam) would underflow (at about 745).
HUGE_RATE = 700.0
#: Far more than the rounding of ``1 - lam`` and of the C library's ``exp(-lam)`` (an ulp or two, below 1e-15).
ZERO_MARGIN = 1e-12
#: 1/n for the terms of the Poisson sum (RECIPROCALS[0] unused). A term times ``lam * (1/n)`` may
#: differ from ``term * lam / n`` in the last bit; the quantile then changes only if ``u`` lies
#: within a few ulps of the CDF: none in 10^8 random pairs (u, lam in 0..40), and every trace
#: of the hindcast and base scenarios is unchanged bit for bit.
RECIPROCALS = np.array([np.inf] + [1.0 / n for n in range(1, 64)])


@njit
def poisson_inverse(u, lam):
    """Poisson quantile: the smallest k with P(X <= k) >= u (u in (0, 1), lam >= 0).

    The CDF is summed term by term until it reaches ``u``. For a rate whose
    ``exp(-lam)`` would underflow, each term comes from its logarithm instead.
    """
    if not lam > 0.0:  # zero, negative or NaN: no launches
        return 0.0
    if u < 1.0 - lam - ZERO_MARGIN:
        # P(X = 0) = exp(-lam) > 1 - lam: the quantile is 0, as the sum below would find,
        # without the exp (a small rate's usual case: ICBMs, history incidents).
        return 0.0
    if lam <= HUGE_RATE:
        pmf = math.exp(-lam)
        cdf = pmf
        n = 0
        while u > cdf and pmf > 0.0:
            n += 1
            # the factor is computed beside the running term, which then waits on one multiply, not
            # on a multiply and a division (PRK's launches were a sixth of the month step)
            pmf *= lam * RECIPROCALS[n] if n < len(RECIPROCALS) else lam / n
            cdf += pmf
        return float(n)
    log_lam = math.log(lam)
    cdf = 0.0
    n = -1
    limit = lam + 40.0 * math.sqrt(lam) + 100.0
    while n < limit:
        n += 1
        cdf += math.exp(n * log_lam - lam - math.lgamma(n + 1.0))
        if cdf >= u:
            break
    return float(n)


@njit
def init_prk(s, c):
    s[S.PRK_RUSSIA] = c[RUSSIA_BACKING]
    s[S.PRK_DETENTE] = 0.0
    s[S.PRK_ACTIVITY] = 0.0
    s[S.PRK_SHOCK] = 0.0
    s[S.PRK_TESTS] = 0.0
    s[S.PRK_ICBMS] = 0.0
    s[S.PRK_THREAT] = capability(s, c)


@njit
def capability(s, c):
    """Capability, raised by Russian technology transfer."""
    return c[CAPABILITY] * (1.0 + c[RUSSIA_CAPABILITY] * s[S.PRK_RUSSIA])


@njit
def boldness(s, c, cohesion):
    """Multiplier on the baseline test rate: action-reaction, Russian backing, detente."""
    log_rate = c[COHESION_REACTION] * (cohesion - c[COHESION_REFERENCE]) + c[RUSSIA_BOLDNESS] * s[S.PRK_RUSSIA]
    return math.exp(log_rate) * (1.0 - s[S.PRK_DETENTE])


@njit
def act(s, c, cohesion, u_tests, u_icbms):
    """Phase 2: launch missiles (inverse-CDF Poisson of two uniforms), update the threat PRK poses (Walt)."""
    bold = boldness(s, c, cohesion)
    icbms = poisson_inverse(u_icbms, s[S.IN_ICBM_RATE] * bold)
    tests = poisson_inverse(u_tests, s[S.IN_PRK_RATE] * bold) + icbms
    s[S.PRK_ICBMS], s[S.PRK_TESTS] = icbms, tests
    s[S.PRK_ACTIVITY] += c[ACTIVITY_MEMORY] * (tests - s[S.PRK_ACTIVITY])
    s[S.PRK_SHOCK] = (
        s[S.PRK_SHOCK] * (1.0 - c[SHOCK_DECAY]) + c[ICBM_SHOCK] * icbms + c[NUCLEAR_SHOCK] * s[S.IN_NUCLEAR]
    )
    activity = s[S.PRK_ACTIVITY]
    shown = c[ACTIVITY_WEIGHT] * activity / (activity + c[ACTIVITY_SATURATION])
    s[S.PRK_THREAT] = clip01(capability(s, c) + shown + s[S.PRK_SHOCK])
    s[S.PRK_DETENTE] *= 1.0 - c[DETENTE_DECAY]


@njit
def back(s, magnitude):
    """Deeper Russian backing (treaty, technology transfer)."""
    s[S.PRK_RUSSIA] = clip01(s[S.PRK_RUSSIA] + magnitude)


@njit
def relax(s, magnitude):
    """Detente after a summit with PRK."""
    s[S.PRK_DETENTE] = clip01(s[S.PRK_DETENTE] + magnitude)


class NorthKorea(State):
    """The DPRK: a small winning coalition with no audience cost. Its missile
    tests follow a Poisson process whose rate rises with allied cohesion
    (action-reaction to exercises) and Russian backing, and falls in detente.

    State vectors
    -------------
    tests, icbms : missiles and ICBMs launched this month.
    activity : exponentially remembered tests per month.
    shock : decaying threat shock from ICBM and nuclear tests.
    russia : Russian backing (0..1); raises capability and boldness.
    detente : share of provocations suppressed by detente (0..1).
    threat : the threat PRK poses (Walt: capability + shown intent), 0..1.
    """

    code = "PRK"
    russia = Slot(S.PRK_RUSSIA)
    detente = Slot(S.PRK_DETENTE)
    activity = Slot(S.PRK_ACTIVITY)
    shock = Slot(S.PRK_SHOCK)
    tests = Slot(S.PRK_TESTS)
    icbms = Slot(S.PRK_ICBMS)
    threat = Slot(S.PRK_THREAT)

    def capability(self):
        """Capability in each replication, raised by Russian technology transfer (the compiled :func:`capability`)."""
        return np.array([capability(s, c) for s, c in zip(self.model.S, self.model.ensemble.coefficients, strict=True)])
