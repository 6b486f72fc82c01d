"""`plan()`: a constructive (or algebraic) start, a cold descent, annealing and a tabu phase."""

from __future__ import annotations

import random
import time

from cafe.rotation.affine import affine_start
from cafe.rotation.anneal import anneal
from cafe.rotation.bounds import lower_bound, revisit_floor, two_round_bound
from cafe.rotation.construct import construct
from cafe.rotation.instance import W_ORG, W_PAIR, Instance
from cafe.rotation.model import Plan, Problem, Score
from cafe.rotation.repair import mend_languages, repair
from cafe.rotation.scoring import score
from cafe.rotation.state import State
from cafe.rotation.tabu import tabu

# Moves per second the search sustains on a slow shared core: turns an explicit time limit
# into a move budget, so that a run is reproducible (same seed, same moves) unless the wall
# clock cuts it.
_RATE = 300_000
# The default budget is work, not time: annealing moves per person and planned round, within
# bounds. With the tabu phase's swaps that is about a second for a 90-person café of five
# rounds with languages on the bench machine, and most plans stop far earlier, at a proven
# floor (docs/rotation.md).
_MOVES_PER_SEAT = 600
_MOVES_RANGE = (30_000, 1_000_000)
# Swaps the tabu phase evaluates per annealing move it replaces. A swap evaluation costs
# roughly a tenth of an annealing move, so the tabu phase runs a bit longer than the
# annealing it replaces: on pair-bound instances it is what improves the plan. Doubling it
# did not improve golfers 8-4-10 (without its algebraic start), so it stays at 12.
_TABU_PER_MOVE = 12
# Changes the repair phase weighs per annealing move (each is an exact, general delta).
_REPAIR_PER_MOVE = 2


def default_moves(people: int, rounds: int) -> int:
    """The move budget `plan()` spends by default on an instance of this size."""
    low, high = _MOVES_RANGE
    return min(high, max(low, _MOVES_PER_SEAT * people * rounds))


def default_time_budget(people: int, rounds: int) -> float:
    """Seconds after which `plan()` stops by default, whatever work is left (a busy machine)."""
    return 2.0 + default_moves(people, rounds) / 100_000


def plan(problem: Problem, *, time_limit: float | None = None, moves: int | None = None) -> Plan:
    """Plan all remaining rounds jointly: a constructive or algebraic start, annealing, then tabu."""
    start = time.perf_counter()
    inst = Instance(problem)
    bound = lower_bound(problem)
    revisit_bound = revisit_floor(inst)
    if inst.R == 0:
        return Plan((), _score(problem, (), bound, revisit_bound))
    rng = random.Random(problem.seed)
    state = State(inst, construct(inst, rng), rng)
    # One-topic cafés of prime-power size also get an algebraic start; the cheaper one wins.
    design = affine_start(inst, rng)
    designed = False
    if design is not None:
        other = State(inst, design, rng)
        if other.cost() < state.cost():
            state, designed = other, True
    if moves is not None:
        budget = moves
    elif time_limit is not None:
        budget = int(time_limit * _RATE)
    else:
        budget = default_moves(inst.N, inst.R)
    # Without an explicit limit the move budget decides (reproducible); the clock is a backstop.
    deadline = start + (time_limit if time_limit is not None else default_time_budget(inst.N, inst.R))
    # The search stops as soon as the plan is provably as good as it gets.
    floor = state.floor(revisit_bound, _pair_floor(problem, inst))
    # A short cold descent first: on easy instances the constructive start is a few cheap
    # moves from a perfect plan, and annealing from hot would first scramble it.
    # Where tables are short of their minimum or someone has nobody to talk with, mend that
    # first by exhaustive best changes: annealing's random moves find them slowly in a tight
    # room. Repair spends at most a sixth of the budget, the language tabu search a third; the
    # schedule below gets the rest.
    work = repair(state, deadline, budget // 6 * _REPAIR_PER_MOVE) // _REPAIR_PER_MOVE if state.cost() > floor else 0
    unheard = sum(inst.alone) * inst.R  # language misses no plan avoids
    if state.miss_total > unheard:
        # Some cannot talk with anyone at their table and no single change helps (a tight
        # room: every table at its minimum): a tabu search walks across the plateau.
        work += mend_languages(state, budget // 3 * _REPAIR_PER_MOVE, deadline, unheard) // _REPAIR_PER_MOVE
    rest = budget - work
    quick = min(rest // 10, 20 * inst.N * inst.R)
    work += anneal(state, quick, deadline, floor, 0.5 * W_ORG, 0.3 * W_ORG)
    main = rest - quick if not inst.late_home else (rest - quick) * 4 // 5
    # Cool to where single organisation pairs and balance steps decide, when they can matter;
    # otherwise spend the whole schedule in the range where pair repeats get sorted out.
    lowest = 0.3 * W_ORG if (inst.O or sum(inst.cap) > inst.N) else 0.1 * W_PAIR
    # Where two tables share a topic, a tabu search over swaps within a topic takes over from
    # annealing, which levels off on pair repeats: annealing gets a third of the schedule,
    # the tabu phase the rest. Easy instances reach the floor during annealing and stop.
    tabu_share = main * 2 // 3 if _two_used_tables_share_a_topic(inst) else 0
    if not designed:
        # Hot annealing would only scramble an algebraic start; the tabu phase polishes it.
        work += anneal(state, main - tabu_share, deadline, floor, 0.6 * W_PAIR, lowest)
    if state.cost() > floor:
        work += tabu(state, tabu_share * _TABU_PER_MOVE, deadline, floor) // _TABU_PER_MOVE
    if (state.def_total or state.miss_total) and work < budget:
        work += repair(state, deadline, (budget - work) * _REPAIR_PER_MOVE) // _REPAIR_PER_MOVE
    if inst.late_home:
        state.send_home()
        work += anneal(state, max(0, budget - work), deadline, state.floor(revisit_bound), 0.5 * W_PAIR, 0.3 * W_ORG)
    rounds = state.export()
    return Plan(rounds, _score(problem, rounds, bound, revisit_bound), work)


def _two_used_tables_share_a_topic(inst: Instance) -> bool:
    """Whether the tabu phase has anything to swap: a round using two tables of one topic."""
    for r in range(inst.R):
        for tables in inst.tables_of_topic:
            if sum(1 for t in tables if inst.open[r][t]) > 1:
                return True
    return False


def _score(problem: Problem, rounds: tuple[dict[int, int], ...], bound: int | None, revisit_bound: int) -> Score:
    return score(
        problem.tables,
        problem.people,
        problem.history,
        rounds,
        lower=bound,
        revisit_lower=revisit_bound,
        together=problem.together,
    )


def _pair_floor(problem: Problem, inst: Instance) -> int:
    """A floor on the pair part of the cost: present pairs met twice already, or in two rounds."""
    history = 0
    for a in range(inst.N if problem.history else 0):
        row = inst.meet0[a]
        if max(row, default=0) > 1:  # a C loop: most rows have no repeat at all
            history += sum((row[b] - 1) ** 2 for b in range(a + 1, inst.N) if row[b] > 1)
    # Companions meet in every round: their pairs' repeats are certain.
    together = 0
    for members in inst.groups:
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                together += max(0, inst.meet0[a][b] + inst.R - 1) ** 2
    return max(history, two_round_bound(problem), together)
