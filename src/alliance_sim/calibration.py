"""Where each coefficient default comes from (rendered into docs/calibration.md).

Kinds: ``hindcast`` (chosen so the 2015-2021 hindcast reproduces the calibration
patterns; see the grid search of scripts/calibrate.py --grid), ``data`` (read off a figure in data/calibration/),
``assumption`` (a judgement, with its reason). No default is derived from a 2022-2025
outcome (cooperation levels, election results); the only 2025 figures used are inputs of the
base scenario's initial state and the poll volatility bound for approval_noise.
"""

from __future__ import annotations

H = "hindcast"
D = "data"
A = "assumption"

SOURCES: dict[str, tuple[str, str]] = {
    "parameters.cha.baseline": (
        A,
        "Intercept: with the calibrated weights it holds the 2015 hindcast near its assumed start (0.37-0.39 before the Dec 2015 agreement); raised from 0.32 with the positions (0.32 + 0.04 + 0.475 x cha.stance) so that the 2015 target is unchanged. For base it implies an early-2025 target near 0.49 (ROK side 0.46, JPN side 0.52, before the Jan 2025 meeting's boost), below the assumed 0.61 start, so base declines; not re-centred, since 2022-25 is held out.",
    ),
    "parameters.cha.shared_threat": (
        H,
        "Grid (scripts/calibrate.py --grid, 432 combinations, 21 meet all five patterns): 10 with 0.6, 11 with 0.4; 0.6 kept.",
    ),
    "parameters.cha.symmetric_abandonment": (
        A,
        "Cha (1999): shared abandonment fear is the main driver of quasi-alliance cooperation; set below the asymmetric term so that unequal fear dominates.",
    ),
    "parameters.cha.asymmetric_abandonment": (
        A,
        "Cha (1999): asymmetric fear produces friction; twice the threat weight of early trials, unchanged by the hindcast.",
    ),
    "parameters.cha.grievance": (
        H,
        "Grid: 0.8 never meets all five patterns (2019 rupture risk too high); 0.4 (1) and 0.6 (20) do; 0.6 kept.",
    ),
    "parameters.cha.brokerage": (
        H,
        "Grid: all five patterns hold in 21 combinations with 1.0, none with 0.6 (brokerage keeps 2019 rupture in a minority).",
    ),
    "parameters.cha.stance": (
        H,
        "Weakly identified: all five patterns hold in 12 combinations with 0.1 and 9 with 0.2, and (before misreads, the ladder and institutions) at 0.3 only with the intercept raised (scripts/calibrate.py --grid and a check of 0, 0.05, 0.1, 0.2, 0.3 at three intercepts). 0.2 kept, the largest value that met all four patterns at every intercept tried: with the hindcast positions, Moon's 2017 turn (-0.45 to -0.6 joint) moves the target by -0.025, less than the Sep 2017 spike.",
    ),
    "parameters.cha.veto": (
        A,
        "Putnam (1988): an agreement needs both win-sets, so the less forthcoming government limits the pair; Tsebelis (2002): the more distant veto player sets the status quo's stability. Half way between the mean and the lower of the two (not identified by the four patterns).",
    ),
    "parameters.positions.rok_conservative": (
        A,
        "Mean of the conservative presidents since the 1998 Kim-Obuchi declaration: Lee Myung-bak 0 (no apology demanded in 2008, Dokdo visit in 2012), Park Geun-hye -0.4 (no summit 2013-15, then the 2015 agreement). Pre-2022 record only.",
    ),
    "parameters.positions.rok_progressive": (
        A,
        "Mean of the progressive presidents: Kim Dae-jung +0.8 (1998 joint declaration), Roh Moo-hyun -0.3 (the 2005-06 'diplomatic war' over Dokdo and textbooks), Moon Jae-in -0.6 (the 2015 agreement disowned, 2017-18): about 0. The camp does not predict the position: the spread carries it.",
    ),
    "parameters.positions.jpn_conservative": (
        A,
        "Mean of LDP prime ministers 1998-2021: Obuchi +0.7, Mori 0, Koizumi -0.4 (Yasukuni visits), Abe I -0.3, Fukuda +0.5, Aso 0, Abe II -0.5, Suga -0.4, Kishida +0.3 (as foreign minister he concluded the 2015 agreement): about 0.",
    ),
    "parameters.positions.jpn_progressive": (
        A,
        "Mean of the DPJ prime ministers: Hatoyama +0.6 (East Asian community), Kan +0.6 (the 2010 statement of remorse), Noda -0.1 (the 2012 Dokdo row): about 0.35.",
    ),
    "parameters.positions.spread": (
        A,
        "Standard deviation of the leaders' positions within a camp in the lists above (ROK progressives about 0.7, LDP about 0.4): 0.5.",
    ),
    "parameters.snyder.baseline": (
        A,
        "Puts the ally-US targets near 0.8-0.9, the level of the two US alliances in all hindcast years.",
    ),
    "parameters.snyder.dilemma": (
        A,
        "Snyder (1984): abandonment versus entrapment; moderate so that ROK-US dips only slightly in 2017 and 2019 (patterns 1, 3).",
    ),
    "parameters.snyder.threat": (
        A,
        "Walt (1987): balancing toward the patron under threat; JPN-US highest in 2017 (pattern 1).",
    ),
    "parameters.snyder.perception_rate": (A, "A burden-sharing shock is absorbed within about five months."),
    "parameters.snyder.commitment_recovery": (
        A,
        "Half-life of about a year for a commitment shock (the 2019 SMA row and its 2021 settlement in timeline.csv).",
    ),
    "parameters.snyder.us_reciprocity": (A, "The patron half follows its own commitment, half answers the ally."),
    "parameters.walt.activity_memory": (
        A,
        "Remembered testing activity has a half-life of about two and a half months.",
    ),
    "parameters.walt.activity_saturation": (
        D,
        "About the 2016-2019 monthly average of launches (24, 21, 0, 27 a year; prk_missile_launches.csv).",
    ),
    "parameters.walt.activity_weight": (
        A,
        "Testing at several times the saturation rate roughly doubles PRK threat over its capability floor.",
    ),
    "parameters.walt.icbm_shock": (A, "Three ICBMs in 2017 add about 0.25 to threat in total (pattern 1)."),
    "parameters.walt.nuclear_shock": (
        A,
        "The Sep 2017 test is the largest single threat shock of the hindcast (pattern 1).",
    ),
    "parameters.walt.shock_decay": (A, "Shocks fade within about a year (the 2018 detente followed the 2017 crisis)."),
    "parameters.walt.russia_capability": (
        A,
        "Full Russian backing raises PRK capability by a quarter (technology transfer after the 2024 treaty).",
    ),
    "parameters.gate.winset_base": (
        A,
        "Even an unpopular elected government can move cooperation by about 0.015 a month.",
    ),
    "parameters.gate.winset_approval": (
        A,
        "A popular government (approval 0.7) can move about 0.06 a month, as Moon did after the 2018 rulings.",
    ),
    "parameters.gate.antipathy_drag": (
        A,
        "With 70% of the public unfavourable (Genron NPO 2020: 71.6%), warming room falls by 40%.",
    ),
    "parameters.gate.interim_winset": (
        A,
        "An acting president (ROK constitution, art. 71) only keeps the state running: a fifth of the smallest elected room. Set from the office's role, not from how the 2024-25 acting presidents behaved.",
    ),
    "parameters.gate.audience_cost": (
        A,
        "Fearon (1994): warming toward an unpopular partner costs approval; small relative to monthly noise.",
    ),
    "parameters.agreements.repudiation": (
        A,
        "Not identified on 2015-2021 (the hindcast encodes the 2015 agreement as a summit). Scaled so that a "
        "government at Moon's position (-0.6) facing antipathy 0.66 (the hindcast's ROK level in 2017-18) "
        "repudiates within about 20 months: Seoul dissolved the 2015 agreement's foundation in November 2018, "
        "18 months after Moon took office.",
    ),
    "parameters.agreements.tolerance": (
        A,
        "Half the public unfavourable: the 2015 agreement held under Park (ROK unfavourable 72.5% in 2015, but a "
        "government at -0.4 and then an acting one) and fell under Moon; assumption on the level.",
    ),
    "parameters.agreements.cost": (
        A,
        "A repudiation is a defection: the same order as the summit boost it undoes (0.05, decaying); assumption.",
    ),
    "parameters.gate.initiative": (
        A,
        "Not identified on 2015-2021: no government of the hindcast is a pragmatist (Park, Abe and Moon sit below 0), "
        "so it never acts there. Scaled so that Kim Dae-jung in 1998 (position about +0.6, approval about 0.65) "
        "overrides about a quarter of the drag; a full-strength pragmatist at approval 1 all of it.",
    ),
    "parameters.gate.initiative_floor": (
        A,
        "Below about a third approval a government cannot lead its public: the 2015 comfort-women agreement came "
        "from a president near 0.4 and was repudiated by her successor (assumption).",
    ),
    "parameters.axelrod.reciprocity": (
        H,
        "Grid: 0.4 meets all five patterns in 11 combinations, 0.2 in 10, 0.6 in none (feuds too long); 0.4 kept.",
    ),
    "parameters.axelrod.forgiveness": (
        H,
        "Grid: all five patterns hold in 12 combinations with 0.3, 9 with 0 (not identified); 0.3 kept: generous tit for tat, and what makes misperception a limited risk (Wu and Axelrod 1995).",
    ),
    "parameters.axelrod.misperception": (
        H,
        "Misreads start the feuds that put a few futures below the threshold in 2019 (pattern 3 needs the rupture risk to peak in 2019, in a minority). Of 0, 0.05, 0.1 and 0.2 (500 futures each, with misread_size 0.02, 0.03, 0.05): none at 0 and almost none with small misreads (pattern 3 fails: no year peaks); 0.1 with 0.05 gives 3% in 2019 and all four patterns; 0.2 with 0.05 gives 23% but breaks the 2017 threat spike (pattern 1). Wu and Axelrod (1995) study noise of 1-10% a move.",
    ),
    "parameters.axelrod.misread_size": (
        H,
        "See misperception: 0.05, about the largest monthly cooling an elected government can make (gate.winset_base + gate.winset_approval x 0.6); 0.02 and 0.03 leave 2019 without ruptures.",
    ),
    "parameters.axelrod.reverse_share": (
        A,
        "Reading a defection as cooperation is rarer than the reverse (threat perception errs on the side of caution, Jervis 1976); a tenth, so that misperception costs cooperation at every forgiveness below 0.9.",
    ),
    "parameters.axelrod.adjustment_rate": (
        H,
        "Grid: all five patterns hold in 9 combinations with 0.06, 11 with 0.1, 1 with 0.04; 0.06 kept.",
    ),
    "parameters.institutions.build": (
        A,
        "Institutions take years to build: with 0.05 a month the stock closes half the gap to a steady cooperation level in about a year (GSOMIA was signed in Nov 2016, four years after the failed 2012 attempt).",
    ),
    "parameters.institutions.decay": (
        A,
        "Unused institutions wither slowly: half-life about six years (the 1998 partnership declaration was still invoked in the 2010s).",
    ),
    "parameters.institutions.ratchet": (
        A,
        "Deep institutions (a stock of 1) would halve any cooling move; the 2015-21 hindcast stock is about 0.3, so cooling is held back by about 15% there, and all five patterns still hold (the 2019 minimum moves to July 2019).",
    ),
    "parameters.institutions.exit_cost": (
        A,
        "Cutting institutionalised cooperation costs approval as warming toward an unpopular partner does (gate.audience_cost 0.5): the 2019 GSOMIA notice was criticised at home and abroad.",
    ),
    "parameters.meetings.rate": (
        A,
        "At the dyad of early 2025 (about 0.55) about two meetings a year, the pace of 2016-2018 counting meetings on the sidelines of multilateral summits; 0.6 a year in the 2015-2018 hindcast, 0.2 in 2019-21 (no bilateral meeting in 2020-21).",
    ),
    "parameters.meetings.floor": (
        A,
        "At the rupture threshold (0.30) leaders stop meeting: the 2012-2015 freeze, when Park and Abe did not hold a bilateral summit.",
    ),
    "parameters.meetings.boost": (
        A,
        "A fifth of the January 2025 foreign ministers' meeting (0.05) in base, a tenth of the 2015 agreement (0.10 in the hindcast): a routine meeting, not a settlement; all five patterns still hold.",
    ),
    "parameters.ladder.escalation": (
        H,
        "Of 0.75 and 1.5 (with dispute_decay 0.1 and 0.2, trade_cost 0.02 and 0.04, security_cost 0.03 and 0.06; 300 futures each): 1.5 with decay 0.1 puts trade measures in 70% of the hindcast futures by Dec 2019, median first month 2019-03 (the record: July 2019), and keeps all five patterns; 0.75 gives them in a third of the futures.",
    ),
    "parameters.ladder.dispute_decay": (
        H,
        "See escalation: 0.1 (a dispute halves in about seven months); 0.2 settles the 2018 rulings before most futures reach trade measures.",
    ),
    "parameters.ladder.halt": (
        A,
        "US pressure halted the 2019 escalation (Seoul suspended its GSOMIA notice in Nov 2019 under US pressure, timeline.csv): full brokerage effort removes most of the escalation chance.",
    ),
    "parameters.ladder.settled": (A, "A dispute at a twentieth of its opening size no longer drives escalation."),
    "parameters.ladder.deescalation": (
        A,
        "Measures are lifted slowly: a rung a month with chance 0.1 once settled (the 2019 export controls lasted until 2023, outside the calibration period; the setting is not taken from that).",
    ),
    "parameters.ladder.trade_cost": (
        H,
        "See escalation: 0.02 and 0.03 (security) meet all five patterns; larger costs make 2021 the minimum (pattern 3) through lasting measures.",
    ),
    "parameters.ladder.security_cost": (H, "See trade_cost."),
    "parameters.ladder.retaliation": (
        A,
        "Trade measures open a dispute in the partner's government about as large as the 2018 ruling's (0.2 + 0.1 in the hindcast): the 2019 chain from export controls to the GSOMIA notice.",
    ),
    "parameters.ladder.boycott": (
        A,
        "The 2019 boycott of Japanese goods: unfavourable views of Japan in ROK went from 50% in May 2019, before the export controls, to 71.6% in 2020 (Genron NPO, rok_view_of_japan.csv); half of that rise is put on the measures' start, the rest is left to the dispute (assumption).",
    ),
    "parameters.brokerage.threshold": (
        A,
        "The US starts brokering once ROK-JPN cooperation falls below its 2015 level (about 0.4).",
    ),
    "parameters.brokerage.width": (A, "Full effort at the rupture brink (0.4 - 0.15 = 0.25)."),
    "parameters.brokerage.transactional_discount": (
        A,
        "A fully transactional administration brokers at 40% of capacity.",
    ),
    "parameters.prk.cohesion_reaction": (
        A,
        "Action-reaction: a 0.1 rise in cohesion raises the test rate by about 8%.",
    ),
    "parameters.prk.cohesion_reference": (A, "About the hindcast's average cohesion."),
    "parameters.prk.russia_boldness": (A, "Full Russian backing raises the test rate by half."),
    "parameters.chn.cohesion_reaction": (A, "Wedge strategy: pressure on ROK rises with cohesion above the reference."),
    "parameters.chn.cohesion_reference": (A, "Close to the hindcast's average cohesion."),
    "parameters.chn.pressure_decay": (
        D,
        "THAAD retaliation ran from Jul 2016 through 2017 (timeline.csv): a half-life of about eight months.",
    ),
    "parameters.chn.entrapment_weight": (
        A,
        "Chinese pressure counts half as much as US-China tension in ROK's entrapment fear; it makes ROK entrapment rise in 2016-17 (pattern 1).",
    ),
    "parameters.chn.threat_weight": (
        A,
        "Maritime assertiveness is a lesser threat than PRK missiles for ROK and a comparable one for JPN.",
    ),
    "parameters.chn.tension_weight": (A, "Maritime pressure raises US-China tension by half its size."),
    "parameters.chn.ties_rate": (
        A,
        "Political relations follow a coercion episode within months: Seoul-Beijing summitry froze from the July 2016 THAAD decision and resumed with Moon's December 2017 state visit.",
    ),
    "parameters.chn.ties_coercion": (
        A,
        "Pattern 5 (THAAD): the 2016-17 retaliation (shocks 0.30 and 0.25 in the hindcast) lowers ROK-China political cooperation by about 0.2; economic coercion is a political signal first (Meick and Salidjanova 2017).",
    ),
    "parameters.chn.trade_growth": (
        A,
        "A positive trend: ROK exports to China grew 14.1% in Jan-Nov 2017 despite the retaliation (timeline.csv) and stood at USD 162.9 bn in 2021 (defence_and_forces.csv); about 5% a year, the pattern needs only the sign.",
    ),
    "parameters.chn.trade_coercion": (
        A,
        "Pattern 5 (THAAD): the boycotts hit tourism, retail (Lotte) and entertainment, not aggregate trade, which kept growing in 2017 (timeline.csv); at 0.005 the 2017 retaliation halves trend growth for a few months without reversing it.",
    ),
    "parameters.domestic.approval_reversion": (A, "Approval returns halfway to its anchor in about 17 months."),
    "parameters.domestic.approval_noise": (
        A,
        "Monthly approval shocks of about 1.5 points, below the 2-7 point poll-to-poll moves of Realmeter PPP support in Jan-Mar 2025 (realmeter_party_support.csv), which include sampling noise. Poll volatility is an input, not a cooperation outcome.",
    ),
    "parameters.domestic.grievance_reversion": (
        D,
        "ROK unfavourability stayed between 63% and 77% from 2013 to 2021 except May 2019 (rok_view_of_japan.csv): grievances linger (pattern 4).",
    ),
    "parameters.domestic.election_sensitivity": (
        A,
        "A 10-point approval gap moves the incumbent's chance from 50% to about 77%.",
    ),
    "parameters.domestic.election_midpoint": (
        A,
        "A two-camp race is even when the incumbent camp's approval is a little below one half (assumption). The June 2025 result was not used: political_transition simulates it.",
    ),
    "parameters.domestic.honeymoon": (
        A,
        "A new government starts a little above an even vote share (assumption; the June 2025 result was not used).",
    ),
    "parameters.diplomacy.summit_decay": (A, "A summit's lift fades within about half a year."),
    "parameters.diplomacy.summit_relief": (
        A,
        "Summits ease public antipathy by less than they lift elite cooperation.",
    ),
    "parameters.diplomacy.detente_decay": (
        A,
        "The 2018 detente lasted about a year (no launches in 2018, prk_missile_launches.csv).",
    ),
    "parameters.thresholds.rupture": (
        H,
        "The 2019 hindcast minimum of mean ROK-JPN cooperation is about 0.32: the GSOMIA-termination brink, so that rupture risk peaks in 2019 (pattern 3).",
    ),
}
