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
CAMP = 0  # +1 conservative, -1 progressive camp in office (what an election decides)
INTERIM = 1  # 1 while an acting government is in office
APPROVAL = 2
APPROVAL_ANCHOR = 3
ANTIPATHY = 4
ANTIPATHY_ANCHOR = 5
PERCEIVED = 6  # perceived US commitment; abandonment fear is 1 - perceived
THREAT = 7
ENTRAPMENT = 8
AUDIENCE_GAP = 9
POSITION = 10  # the government's position on the history axis: -1 history hawk .. +1 pragmatist
DISPUTE = 11  # an open history dispute the government answers (0..1), decaying
RUNG = 12  # its rung on the escalation ladder: 0 none, 1 protest, 2 trade measures, 3 security linkage
ALLY_SLOTS = 13

# The United States
US_SHOCK = 2 * ALLY_SLOTS  # + k: decaying shock to the commitment signal to ally k
US_COMMITMENT = US_SHOCK + 2  # + k: the commitment signal ally k reads
US_EFFORT = US_SHOCK + 4
US_PUSH = US_SHOCK + 5
US_TENSION = US_SHOCK + 6

# North Korea
PRK_RUSSIA = US_SHOCK + 7
PRK_DETENTE = PRK_RUSSIA + 1
PRK_ACTIVITY = PRK_RUSSIA + 2
PRK_SHOCK = PRK_RUSSIA + 3
PRK_TESTS = PRK_RUSSIA + 4
PRK_ICBMS = PRK_RUSSIA + 5
PRK_THREAT = PRK_RUSSIA + 6

# China
CHN_ECON_SHOCK = PRK_RUSSIA + 7  # + k: decaying economic coercion of ally k
CHN_MARITIME_SHOCK = CHN_ECON_SHOCK + 2  # + k
CHN_PRESSURE = CHN_ECON_SHOCK + 4  # + k: economic pressure on ally k (on ROK with the wedge)
CHN_THREAT = CHN_ECON_SHOCK + 6  # + k: threat CHN poses to ally k
CHN_TIES = CHN_ECON_SHOCK + 8  # ROK-China political cooperation (summits, high-level exchanges), 0..1
CHN_TRADE = CHN_ECON_SHOCK + 9  # ROK-China trade, an index: 1 at the start of the storyline

# Directed cooperation among ROK, JPN and USA, its last change, summit boosts, next month's values
COOP = CHN_ECON_SHOCK + 10
LAST_MOVE = COOP + 9
SUMMIT = COOP + 18
NEXT_COOP = COOP + 27
INSTITUTIONS = COOP + 36  # the ROK-JPN institutional stock (pacts, data links, exercises, commitments), 0..1
MEETING = COOP + 37  # 1 if the ROK and JPN leaders met this month (an endogenous summit), else 0
US_REGIME = COOP + 38  # 1 while the US is retrenching (a ``us_retrenchment`` process), else 0
AGREEMENT = COOP + 39  # depth of the ROK-JPN agreements in force (0 none), a part of the institutional stock
REPUDIATED = COOP + 40  # 1 if a government repudiated the agreements this month, else 0
MEETING_GAP = COOP + 41  # months since the ROK and JPN leaders last met (0 in a month they meet)

# This month's event inputs, reset before the events fire
IN_PRK_RATE = COOP + 42  # baseline non-ICBM launches per month
IN_ICBM_RATE = IN_PRK_RATE + 1  # baseline ICBM launches per month
IN_NUCLEAR = IN_PRK_RATE + 2  # 1 if PRK tests a nuclear device this month
IN_TARIFF = IN_PRK_RATE + 3  # + k: US tariffs in force against ally k this month (cut in its commitment signal)

IN_RETRENCH = IN_PRK_RATE + 5  # cut in the commitment signal to both allies while the US retrenches
IN_BROKERAGE_KEPT = IN_PRK_RATE + 6  # share of brokerage effort kept this month (1 unless retrenching)

N_SLOTS = IN_PRK_RATE + 7
