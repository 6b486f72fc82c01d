"""The next seating before anyone sits down: in numbers the panel puts into words."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cafe import rotation
from cafe.models import Cafe
from cafe.services import rounds, seating


def next_problem(session: Session, cafe: Cafe) -> tuple[int, rotation.Problem] | None:
    """The round the facilitator's next click seats (start or end of a round), and its problem."""
    action = "start_round" if cafe.status == "lobby" else "end_round"
    number = rounds.round_to_seat(session, cafe, action)
    if number is None:
        return None
    return number, seating.problem_for(session, cafe, number)


def summary(number: int, problem: rotation.Problem, plan: rotation.Plan) -> dict[str, Any]:
    """How good the plan for rounds `number`.. is, counting only what is still to come.

    Revisits and pairs meeting again leave out what already happened in earlier rounds;
    `fewest_revisits` is the proven least for the rounds to come (docs/rotation.md).
    """
    score = plan.score
    past = rotation.score(problem.tables, problem.people, (), problem.history)
    speakers: dict[str, int] = {}
    for person in problem.people:
        for lang in person.languages:
            speakers[lang] = speakers.get(lang, 0) + 1
    languages = {p.id: p.languages for p in problem.people}
    capacity = {t.id: t.capacity for t in problem.tables}
    below: list[dict[str, int]] = []
    for i, seats in enumerate(plan.rounds):
        sizes: dict[int, int] = {}
        for table_id in seats.values():
            sizes[table_id] = sizes.get(table_id, 0) + 1
        for table_id, n in sorted(sizes.items()):
            if n < min(problem.min_table_size, capacity[table_id]):
                below.append({"round": number + i, "table_id": table_id, "people": n})
    first = plan.rounds[0] if plan.rounds else {}
    used = set(first.values())
    return {
        "round": number,
        "rounds": len(plan.rounds),
        "people": len(problem.people),
        "min_table_size": problem.min_table_size,
        "tables_used": len(used),
        "unused_tables": sorted(t.id for t in problem.tables if t.id not in used),
        "below_minimum": below,
        "topic_revisits": score.topic_revisits - past.topic_revisits,
        "fewest_revisits": max(0, (score.revisit_bound or 0) - past.topic_revisits),
        "pairs_meeting_again": score.pairs_met_twice - past.pairs_met_twice,
        "language_misses": [
            {
                "round": number + i,
                "participant_id": pid,
                "languages": list(languages[pid]),
                # Nobody else present speaks any of their languages: no seating can help.
                "alone": all(speakers.get(lang, 0) < 2 for lang in languages[pid]),
            }
            for i, pid in rotation.language_misses(problem.people, plan.rounds)
        ],
        "companions_split": score.companions_split,
    }


def empty(number: int, problem: rotation.Problem) -> dict[str, Any]:
    """The summary of a round nobody is there to sit at yet."""
    return {
        "round": number,
        "rounds": problem.rounds,
        "people": 0,
        "min_table_size": problem.min_table_size,
        "tables_used": 0,
        "unused_tables": sorted(t.id for t in problem.tables),
        "below_minimum": [],
        "topic_revisits": 0,
        "fewest_revisits": 0,
        "pairs_meeting_again": 0,
        "language_misses": [],
        "companions_split": 0,
    }
