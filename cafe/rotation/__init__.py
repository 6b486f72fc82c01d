"""Mixing engine: who sits at which table in each remaining round of a World Café.

Pure Python (stdlib only) and deterministic for a given seed and move budget. The model,
the algorithm, the scores and the lower-bound argument are written up in docs/rotation.md.
"""

from __future__ import annotations

from cafe.rotation.baselines import plan_greedy, plan_random
from cafe.rotation.bounds import lower_bound, revisit_bound
from cafe.rotation.late import late_seat
from cafe.rotation.model import NotEnoughSeats, Person, Plan, Problem, Score, Table
from cafe.rotation.scoring import language_misses, score, violations
from cafe.rotation.search import default_moves, default_time_budget, plan

__all__ = [
    "Table",
    "Person",
    "Problem",
    "Score",
    "Plan",
    "NotEnoughSeats",
    "plan",
    "plan_greedy",
    "plan_random",
    "score",
    "lower_bound",
    "revisit_bound",
    "late_seat",
    "language_misses",
    "violations",
    "default_time_budget",
    "default_moves",
]
