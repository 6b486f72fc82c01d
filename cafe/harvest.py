"""Exports of a café for the working groups: CSV, Markdown, and the printable report's model.

Pure formatting of the dict that `services.archive.collect` returns: no database, no Flask.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any

CSV_COLUMNS = [
    "cafe",
    "topic",
    "table",
    "round",
    "question",
    "text",
    "theme",
    "author",
    "votes_round",
    "votes_harvest",
    "pinned",
    "hidden",
    "created",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TOP_NOTES = 5


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas: text starting with = + - @ tab or CR gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def when(ms: int | None) -> str:
    """A stored instant as an ISO 8601 UTC timestamp (for spreadsheets and programs)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def readable(ms: int | None) -> str:
    """A stored instant as people read it on paper: "4 December 2026, 20:15 UTC"."""
    if ms is None:
        return ""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return f"{moment.day} {moment.strftime('%B %Y, %H:%M')} UTC"


def played(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The rounds that were played (planned rounds the café never reached are left out)."""
    return [r for r in data["rounds"] if r.get("started_at") is not None]


def notes_count(n: int) -> str:
    """ "1 note", "3 notes"."""
    return f"{n} note" if n == 1 else f"{n} notes"


def dots(n: int) -> str:
    """ "1 dot", "3 dots": what the app calls votes."""
    return f"{n} dot" if n == 1 else f"{n} dots"


def _index(data: dict[str, Any]) -> dict[str, Any]:
    people = {p["id"]: p for p in data["participants"]}
    tallies: dict[tuple[str, str], int] = {}
    for vote in data["votes"]:
        key = (vote["note_id"], vote["phase"])
        tallies[key] = tallies.get(key, 0) + 1
    return {
        "topics": {t["id"]: t for t in data["topics"]},
        "tables": {t["id"]: t for t in data["tables"]},
        "rounds": {r["number"]: r for r in data["rounds"]},
        "people": people,
        "tallies": tallies,
        "themes": {t["id"]: t for t in data.get("themes", [])},
        "theme_dots": Counter(v["theme_id"] for v in data.get("theme_votes", [])),
    }


def question_for(rnd: dict[str, Any] | None, topic_id: int) -> str:
    """The question a topic's tables discussed in a round."""
    if rnd is None:
        return ""
    return str(rnd["topic_questions"].get(str(topic_id)) or rnd["question"])


def _author(note: dict[str, Any], people: dict[int, Any]) -> str:
    if note.get("from_tablecloth"):
        return "from the tablecloth"
    if note["anonymous"] or note["author_id"] not in people:
        return "anonymous"
    return str(people[note["author_id"]]["name"])


def notes_csv(data: dict[str, Any]) -> str:
    """One row per note (hidden ones marked, deleted ones left out), safe for spreadsheets."""
    ix = _index(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for note in data["notes"]:
        if note["deleted"]:
            continue
        table = ix["tables"].get(note["table_id"], {})
        topic = ix["topics"].get(table.get("topic_id"), {})
        rnd = ix["rounds"].get(note["round"])
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    data["cafe"]["title"],
                    topic.get("name", ""),
                    table.get("label", ""),
                    note["round"] if note["round"] is not None else "",
                    question_for(rnd, table.get("topic_id", 0)),
                    note["text"],
                    ix["themes"].get(note.get("theme_id"), {}).get("name", ""),
                    _author(note, ix["people"]),
                    ix["tallies"].get((note["id"], "round"), 0),
                    ix["tallies"].get((note["id"], "harvest"), 0),
                    "yes" if note["pinned"] else "no",
                    "yes" if note["hidden"] else "no",
                    when(note["created_at"]),
                )
            ]
        )
    return out.getvalue()


def _ranked_themes(
    topic_id: int, notes: list[dict[str, Any]], themes: dict[int, Any], theme_dots: dict[int, int]
) -> list[dict[str, Any]]:
    """An area's themes (its own, and those across areas that hold some of its notes), with the
    area's notes in each, ranked by their dots (the harvest dots on the theme and every dot on its
    notes), then by size."""
    members: dict[int, list[dict[str, Any]]] = {}
    for note in notes:
        if note.get("theme_id") in themes:
            members.setdefault(note["theme_id"], []).append(note)
    ranked = []
    for theme in themes.values():
        own = members.get(theme["id"], [])
        if theme["topic_id"] != topic_id and not own:
            continue
        ranked.append(
            {
                "name": theme["name"],
                "across": theme["topic_id"] is None,
                "score": theme_dots.get(theme["id"], 0) + sum(n["score"] for n in own),
                "notes": sorted(own, key=lambda n: (-n["score"], n["created_at"])),
            }
        )
    return sorted(ranked, key=lambda t: (-t["score"], -len(t["notes"]), t["name"]))


def _theme_lines(section: dict[str, Any]) -> list[str]:
    """An area's themes as Markdown: ranked, each with its size, dots and best notes."""
    lines = []
    for i, theme in enumerate(section["themes"], start=1):
        across = " (across areas)" if theme["across"] else ""
        size = notes_count(len(theme["notes"]))
        lines.append(f"{i}. **{_md(theme['name'])}**{across}: {size}, {dots(theme['score'])}")
        lines += [f"   - {_md(n['text'])} ({dots(n['score'])})" for n in theme["notes"][:TOP_NOTES]]
    return lines or ["(none grouped yet)"]


def report(data: dict[str, Any]) -> dict[str, Any]:
    """What the Markdown and printable reports show, topic by topic (no hidden notes)."""
    ix = _index(data)
    sections = []
    for topic in data["topics"]:
        table_ids = [t["id"] for t in data["tables"] if t["topic_id"] == topic["id"]]
        notes = []
        for note in data["notes"]:
            if note["deleted"] or note["hidden"] or note["table_id"] not in table_ids:
                continue
            votes = ix["tallies"].get((note["id"], "round"), 0)
            harvest = ix["tallies"].get((note["id"], "harvest"), 0)
            notes.append(
                {
                    **note,
                    "votes": votes,
                    "harvest_votes": harvest,
                    "score": votes + harvest,
                    "author": _author(note, ix["people"]),
                    "table": ix["tables"][note["table_id"]]["label"],
                    "theme": ix["themes"].get(note.get("theme_id"), {}).get("name", ""),
                }
            )
        top = sorted([n for n in notes if n["score"] > 0], key=lambda n: (-n["score"], n["created_at"]))[:TOP_NOTES]
        sections.append(
            {
                "topic": topic,
                "questions": [{"round": r["number"], "text": question_for(r, topic["id"])} for r in played(data)],
                "summaries": [
                    {**s, "table": ix["tables"][s["table_id"]]["label"]}
                    for s in data["summaries"]
                    if s["table_id"] in table_ids
                ],
                "top": top,
                "themes": _ranked_themes(topic["id"], notes, ix["themes"], ix["theme_dots"]),
                "notes": sorted(notes, key=lambda n: (n["round"] or 0, n["table"], n["created_at"])),
                "signups": [s for s in data["signups"] if s["topic_id"] == topic["id"]],
                "per_round": [
                    {
                        "round": r["number"],
                        "notes": sum(1 for n in notes if n["round"] == r["number"]),
                        "votes": sum(n["score"] for n in notes if n["round"] == r["number"]),
                    }
                    for r in played(data)
                ],
            }
        )
    return {
        "title": data["cafe"]["title"],
        "exported": readable(data["exported_at"]),
        "sections": sections,
        "totals": {
            "notes": sum(len(s["notes"]) for s in sections),
            "people": len(data["participants"]),
            "signups": len(data["signups"]),
        },
    }


def _md(text: object) -> str:
    """Text as Markdown shows it literally (no headings, links, HTML or tables from a note)."""
    out = []
    for ch in str(text):
        out.append("\\" + ch if ch in "\\`*_[]<>|" else ch)
    lines = []
    for line in "".join(out).split("\n"):
        stripped = line.lstrip()
        # A line that would start a heading, list or quote is escaped at its start.
        if stripped[:1] in ("#", "-", "+", ">") or stripped.split(".", 1)[0].isdigit():
            line = "\\" + stripped
        lines.append(line)
    return "  \n".join(lines)


def report_markdown(data: dict[str, Any]) -> str:
    """The Markdown report: per topic, questions, summaries, top notes, all notes, sign-ups."""
    model = report(data)
    lines = [
        f"# {_md(model['title'])}",
        "",
        f"Harvest exported {model['exported']}: {model['totals']['notes']} notes from "
        f"{model['totals']['people']} people, {model['totals']['signups']} sign-ups.",
        "",
    ]
    for section in model["sections"]:
        lines += [f"## {_md(section['topic']['name'])}", ""]
        if section["topic"]["description"]:
            lines += [_md(section["topic"]["description"]), ""]
        lines += ["### Questions", ""]
        lines += [f"{q['round']}. {_md(q['text'])}" for q in section["questions"]] + [""]
        lines += ["### Notes and dots per round", "", "| round | notes | dots |", "|---|---|---|"]
        lines += [f"| {r['round']} | {r['notes']} | {r['votes']} |" for r in section["per_round"]]
        lines += ["", "### The hosts' summaries", ""]
        lines += [f"- **{_md(s['table'])}, round {s['round']}:** {_md(s['text'])}" for s in section["summaries"]] or [
            "(none)"
        ]
        lines += ["", "### Themes", ""]
        lines += _theme_lines(section)
        lines += ["", "### The notes with the most dots", ""]
        lines += [
            f"{i}. {_md(n['text'])} ({dots(n['score'])}; {_md(n['author'])})"
            for i, n in enumerate(section["top"], start=1)
        ] or ["(no dots yet)"]
        lines += ["", "### All notes", ""]
        lines += [
            f"- {_md(n['text'])} — {_md(n['author'])}, {_md(n['table'])}, round "
            f"{n['round'] if n['round'] is not None else '-'}"
            for n in section["notes"]
        ] or ["(none)"]
        lines += ["", "### Working group sign-ups", ""]
        lines += [
            f"- {_md(s['name'])}" + (f" — {_md(s['contact'])}" if s["contact"] else "") for s in section["signups"]
        ] or ["(nobody yet)"]
        lines.append("")
    return "\n".join(lines)


def _label_lines(text: str, width: int, most: int) -> list[str]:
    """Break a label at spaces into at most `most` lines of about `width` characters."""
    lines: list[str] = []
    for word in text.split():
        while len(word) > width:  # a very long word is cut where it must be
            lines.append(word[:width])
            word = word[width:]
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines or [""]


def chart_svg(data: dict[str, Any]) -> str:
    """A small bar chart of notes and dots per topic and round, as inline SVG (prints as is)."""
    model = report(data)
    rounds = [r["number"] for r in played(data)] or [1]
    rows = [(s["topic"], s["per_round"]) for s in model["sections"]]
    peak = max([1] + [r["notes"] for _, pr in rows for r in pr] + [r["votes"] for _, pr in rows for r in pr])
    bar, gap, label_w, width = 9, 3, 190, 640
    row_h = len(rounds) * (2 * bar + gap) + 14
    height = 30 + row_h * max(1, len(rows))
    scale = (width - label_w - 40) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Notes and dots per topic and round">',
        '<text x="0" y="14" font-size="12" fill="#333">Per round: notes (solid) and dots (light)</text>',
    ]
    y = 30
    for topic, per_round in rows:
        colour = escape(topic["colour"])
        # The name wraps in the label column instead of running into the round labels.
        lines = _label_lines(topic["name"], width=22, most=max(2, (row_h - 4) // 14))
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="12" fill="#111">'
            + "".join(f'<tspan x="0" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>' for i, line in enumerate(lines))
            + "</text>"
        )
        ry = y
        for r in per_round:
            notes_w = r["notes"] * scale
            votes_w = r["votes"] * scale
            parts.append(f'<text x="{label_w - 22}" y="{ry + bar}" font-size="10" fill="#555">R{r["round"]}</text>')
            parts.append(f'<rect x="{label_w}" y="{ry}" width="{notes_w:.1f}" height="{bar}" fill="{colour}"/>')
            parts.append(
                f'<text x="{label_w + notes_w + 4:.1f}" y="{ry + bar - 1}" font-size="9" '
                f'fill="#333">{r["notes"]}</text>'
            )
            parts.append(
                f'<rect x="{label_w}" y="{ry + bar}" width="{votes_w:.1f}" height="{bar}" '
                f'fill="{colour}" fill-opacity="0.35"/>'
            )
            parts.append(
                f'<text x="{label_w + votes_w + 4:.1f}" y="{ry + 2 * bar - 1}" font-size="9" '
                f'fill="#333">{r["votes"]}</text>'
            )
            ry += 2 * bar + gap
        y += row_h
    parts.append("</svg>")
    return "".join(parts)


def group_section(data: dict[str, Any], topic_id: int) -> dict[str, Any] | None:
    """One strategy area's part of the report, for its working group's convener (None: no such area)."""
    return next((s for s in report(data)["sections"] if s["topic"]["id"] == topic_id), None)


def group_markdown(data: dict[str, Any], section: dict[str, Any], photos: list[tuple[str, int | None]]) -> str:
    """What a working group's convener gets: the area, its themes, top notes, the hosts'
    summaries, its tablecloth photos, and the people who said the convener may contact them."""
    topic = section["topic"]
    lines = [
        f"# {_md(topic['name'])}",
        "",
        f"Working group of {_md(data['cafe']['title'])}, exported {readable(data['exported_at'])}.",
        "",
    ]
    if topic["description"]:
        lines += [_md(topic["description"]), ""]
    lines += ["## Themes", ""]
    lines += _theme_lines(section) + [""]
    lines += ["## The notes with the most dots", ""]
    lines += [
        f"{i}. {_md(n['text'])} ({dots(n['score'])}; {_md(n['table'])})" for i, n in enumerate(section["top"], 1)
    ] or ["(no dots yet)"]
    lines += ["", "## The hosts' summaries", ""]
    lines += [f"- **{_md(s['table'])}, round {s['round']}:** {_md(s['text'])}" for s in section["summaries"]] or [
        "(none)"
    ]
    lines += ["", "## Photos of the tablecloths", ""]
    lines += [
        f"- {_md(label)}, round {rnd if rnd is not None else '-'} (in the café's photos.zip)" for label, rnd in photos
    ] or ["(none)"]
    lines += ["", "## People who may be contacted", ""]
    lines += [f"- {_md(s['name'])} — {_md(s['contact'])}" for s in section["signups"] if s["contact"]] or [
        "(nobody yet)"
    ]
    lines.append("")
    return "\n".join(lines)


GROUP_COLUMNS = ("part", "text", "detail", "table", "round")


def group_csv(data: dict[str, Any], section: dict[str, Any], photos: list[tuple[str, int | None]]) -> str:
    """The same as `group_markdown`, one row per item, safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(GROUP_COLUMNS)
    rows: list[tuple[object, ...]] = [("area", section["topic"]["name"], section["topic"]["description"], "", "")]
    for theme in section["themes"]:
        across = ", across areas" if theme["across"] else ""
        rows.append(
            ("theme", theme["name"], f"{notes_count(len(theme['notes']))}, {dots(theme['score'])}{across}", "", "")
        )
        rows += [("theme note", n["text"], n["score"], n["table"], n["round"] or "") for n in theme["notes"]]
    rows += [("top note", n["text"], n["score"], n["table"], n["round"] or "") for n in section["top"]]
    rows += [("summary", s["text"], "", s["table"], s["round"]) for s in section["summaries"]]
    rows += [("photo", "", "photos.zip", label, rnd or "") for label, rnd in photos]
    rows += [("contact", s["name"], s["contact"], "", "") for s in section["signups"] if s["contact"]]
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
