"""State slots: where each state variable of a replication lives in the ensemble's state matrix.

The ensemble's state is one float matrix of shape (R, N_SLOTS): row ``r`` is
replication ``r``'s whole state, which the compiled month step reads and
writes in place; column ``k`` over all rows is one state variable's vector,
which the agents expose as views (``model.actor("ROK").approval``). The
names here are the documented state vectors of the agents (see ``actors/``).

A per-ally variable takes two slots, ROK's then JPN's: ``SLOT + k`` with
``k`` = 0 for ROK and 1 for JPN. Directed cooperation between the allied
states takes a 3 x 3 block: ``COOP + 3 * i + j`` for ``i`` toward ``j``,
with 0 = ROK, 1 = JPN, 2 = USA (the diagonal is unused).
"""

from __future__ import annotations

ROK, JPN, USA = 0, 1, 2
#: The allied states in the order of their index.
ALLIED = ("ROK", "JPN", "USA")

# A junior ally's block: ROK's starts at slot 0, JPN's at ALLY_SLOTS. Offsets within a block:
STANCE = 0  # +1 conservative, -1 progressive government
INTERIM = 1  # 1 while an acting government is in office
APPROVAL = 2
APPROVAL_ANCHOR = 3
ANTIPATHY = 4
ANTIPATHY_ANCHOR = 5
PERCEIVED = 6  # perceived US commitment; abandonment fear is 1 - perceived
THREAT = 7
ENTRAPMENT = 8
AUDIENCE_GAP = 9
ALLY_SLOTS = 10

# The United States
US_SHOCK = 20  # + k: decaying shock to the commitment signal to ally k
US_COMMITMENT = 22  # + k: the commitment signal ally k reads
US_EFFORT = 24
US_PUSH = 25
US_TENSION = 26

# North Korea
PRK_RUSSIA = 27
PRK_DETENTE = 28
PRK_ACTIVITY = 29
PRK_SHOCK = 30
PRK_TESTS = 31
PRK_ICBMS = 32
PRK_THREAT = 33

# China
CHN_ECON_SHOCK = 34
CHN_MARITIME_SHOCK = 35  # + k
CHN_PRESSURE = 37
CHN_THREAT = 38  # + k: threat CHN poses to ally k

# Directed cooperation among ROK, JPN and USA, its last change, summit boosts, next month's values
COOP = 40
LAST_MOVE = 49
SUMMIT = 58
NEXT_COOP = 67

# This month's event inputs, reset before the events fire
IN_PRK_RATE = 76  # baseline non-ICBM launches per month
IN_ICBM_RATE = 77  # baseline ICBM launches per month
IN_NUCLEAR = 78  # 1 if PRK tests a nuclear device this month

N_SLOTS = 79
