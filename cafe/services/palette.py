"""The strategy areas' default colours: distinct for everyone, colour-blind people included.

Chosen by search (docs/architecture.md, "Colours"): after simulating protanopia and
deuteranopia (Machado et al. 2009, full severity) as well as for normal vision, any two of the
first six colours differ by a CIEDE2000 of at least 26.8, and any two of all twelve by at least
14.3 (no twelve mid-tone colours reach 20 for dichromats: they see a plane, not a space). The
board and the phones also show each area's number, so colour is never the only cue.
tests/unit/test_palette.py recomputes these figures.
"""

from __future__ import annotations

PALETTE: tuple[str, ...] = (
    "#aa1100",  # brick red
    "#99ddff",  # sky blue
    "#ffcc00",  # sunflower
    "#773355",  # plum
    "#dd7788",  # rose
    "#0055ff",  # blue
    "#dd6600",  # orange
    "#3399bb",  # teal blue
    "#ddcc99",  # sand
    "#447755",  # forest
    "#662299",  # violet
    "#55ccbb",  # turquoise
)


def colour_for(position: int) -> str:
    """The default colour of the area at this position (0 for the first)."""
    return PALETTE[position % len(PALETTE)]
