"""The risk of a plan with transfers between neighbours, measured draw by draw.

For each draw and year the pupils are moved as a planner would once the demand is known:
the transfers (each within its ``max_share`` of the sending area's demand) that leave the
fewest pupils without a seat in the group, one linear programme (HiGHS) over all draws of a
group-year. An area is short in a draw when more than half a pupil is still unseated. The
same measure is applied to the in-sample and the fresh draws.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from forecast.planning import risk as rk


def risk_with_transfers(plan, seats: np.ndarray, z: np.ndarray) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Per cell linked by transfers: the share of draws short and the mean unmet seats, by
    year, after the best transfers of each draw."""
    arcs = plan.problem.arcs
    linked = sorted({a.src for a in arcs} | {a.dst for a in arcs})
    groups: dict[int, list[int]] = {}
    from forecast.planning.optimise import groups_of

    for g in groups_of(plan.problem):
        if set(g) & set(linked):
            groups[len(groups)] = g
    shares = {c: np.zeros(len(plan.years)) for c in linked}
    unmet = {c: np.zeros(len(plan.years)) for c in linked}
    for cells in groups.values():
        mine = [i for i, a in enumerate(arcs) if a.src in cells]
        draws = {c: rk.demand(plan.cells[c].p50, plan.cells[c].sigma, z[c]) for c in cells}
        for t in range(len(plan.years)):
            short, left = _year(cells, [arcs[i] for i in mine], {c: d[:, t] for c, d in draws.items()},
                                {c: float(seats[c, t]) for c in cells})
            for c in cells:
                shares[c][t] = short[c]
                unmet[c][t] = left[c]
    return shares, unmet


def _year(cells: list[int], arcs, demand: dict[int, np.ndarray], seats: dict[int, float]):
    k = len(next(iter(demand.values())))
    n_f, n_u = len(arcs) * k, len(cells) * k
    pos = {c: i for i, c in enumerate(cells)}
    rows, cols, vals = [], [], []
    lo = np.empty(n_u)
    for c in cells:  # u[c,k] + sum out f - sum in f >= d - seats
        r0 = pos[c] * k
        lo[r0:r0 + k] = demand[c] - seats[c]
        rows.append(np.arange(r0, r0 + k))
        cols.append(n_f + np.arange(r0, r0 + k))
        vals.append(np.ones(k))
    for i, a in enumerate(arcs):
        for c, sign in ((a.src, 1.0), (a.dst, -1.0)):
            rows.append(pos[c] * k + np.arange(k))
            cols.append(i * k + np.arange(k))
            vals.append(np.full(k, sign))
    a_ub = coo_matrix((-np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_u, n_f + n_u)).tocsr()
    bounds = [(0.0, float(a.share * demand[a.src][j])) for a in arcs for j in range(k)] + [(0, None)] * n_u
    cost = np.concatenate([np.full(n_f, 1e-6), np.ones(n_u)])
    res = linprog(cost, A_ub=a_ub, b_ub=-lo, bounds=bounds, method="highs")
    if res.x is None:
        raise RuntimeError(f"transfer evaluation failed: {res.message}")
    u = res.x[n_f:].reshape(len(cells), k)
    return ({c: float((u[pos[c]] > 0.5).mean()) for c in cells},
            {c: float(u[pos[c]].mean()) for c in cells})
