"""Suggested themes: the same idea in three languages and with typos lands together, every note is
in exactly one suggestion, too little text suggests nothing, and a seed gives the same answer."""

from __future__ import annotations

from cafe.themes import suggest

ROOM = [
    # Land and housing
    ("h1", "Buy vacant land for the community land trust"),
    ("h2", "buy vacnat land for the comunity land trust"),
    ("h3", "Comprar terrenos baldíos para el fideicomiso de tierras comunitario"),
    ("h4", "Achte tè vid pou fiducie tè kominotè a"),
    ("h5", "Rent is too high: families are displaced from the neighborhood"),
    ("h6", "rents too high, families displaced from neighborhood"),
    # Money for co-ops
    ("m1", "A loan fund for worker cooperatives the banks refuse"),
    ("m2", "Loan fund for worker co-ops that banks refuse"),
    ("m3", "Un fondo de préstamos para cooperativas de trabajadores"),
    ("m4", "Yon fon prè pou koperativ travayè yo"),
    ("m5", "Patient capital and loans for cooperative startups"),
    ("m6", "loans and patient capital for co-op startups"),
    # Young people
    ("y1", "Teach young people about co-ops in high school"),
    ("y2", "teach yuong people about coops in high schools"),
    ("y3", "Enseñar a los jóvenes sobre cooperativas en la escuela"),
    ("y4", "Anseye jèn yo sou koperativ nan lekòl la"),
    ("y5", "Summer program where teenagers run a small co-op"),
    ("y6", "summer program: teenagers run a co-op"),
]


def together(found: list, a: str, b: str) -> bool:
    return any(a in s.note_ids and b in s.note_ids for s in found)


def test_the_same_idea_with_typos_is_found_to_be_the_same_idea() -> None:
    found = suggest(ROOM)
    same = {frozenset(group) for s in found for group in s.same_idea}
    assert any({"h1", "h2"} <= group for group in same)
    assert any({"y1", "y2"} <= group for group in same)
    assert together(found, "m1", "m2") and together(found, "h5", "h6")


def test_every_note_is_in_exactly_one_suggestion_with_words_that_say_it() -> None:
    found = suggest(ROOM)
    placed = [note_id for s in found for note_id in s.note_ids]
    assert sorted(placed) == sorted(note_id for note_id, _ in ROOM)
    assert all(s.words and all(w.isalpha() for w in s.words) for s in found)
    assert [len(s.note_ids) for s in found] == sorted((len(s.note_ids) for s in found), reverse=True)


def test_a_seed_gives_the_same_suggestion_every_time() -> None:
    assert suggest(ROOM, seed=3) == suggest(ROOM, seed=3)


def test_too_little_to_go_on_suggests_nothing_rather_than_forcing_a_theme() -> None:
    assert suggest(ROOM[:3]) == []
    assert suggest([(str(i), "the and of to") for i in range(6)]) == []
    assert suggest([(str(i), "") for i in range(6)]) == []
