"""The participant's phone tells the truth, in the person's language: a calm notice when the
facilitator moves them or hides one of their notes (once: a reconnect or a reload never repeats
it), a closed café that no longer looks joinable, the facilitator's own words in the phone's
language, the time warning when the facilitator set it, an offline banner that covers nothing,
each area's number beside its name, and an announcement that leaves at its end."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_tablecloth import PHONE, facilitator, person_id, post, start_discussion, wait_until
from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

# What each phone should say, in its own language.
WORDS: dict[str, dict[str, str]] = {
    "es": {
        "locale": "es",
        "table": "Mesa {n}",
        "moved": "Quien facilita te cambió a la Mesa {n}.",
        "hidden": "Quien facilita ocultó una de tus notas.",
        "ended": "Este café ha terminado",
        "thanks": "¡Gracias por venir!",
        "warning": "Quedan 5 minutos — es hora de cerrar tus ideas.",
        "note": "Un fondo común para comprar juntos",
    },
    "zh": {
        "locale": "zh-CN",
        "table": "{n}号桌",
        "moved": "主持人已把你调到{n}号桌。",
        "hidden": "主持人隐藏了你的 1 张便签。",
        "ended": "本次咖啡馆已结束",
        "thanks": "感谢大家的到来！",
        "warning": "还剩 5 分钟——请整理一下你的想法。",
        "note": "大家一起出钱买东西",
    },
}
LANGS = list(WORDS)

# The facilitator's own versions of the demo café's words.
AREAS = {
    "es": [
        "Cooperativas de trabajo",
        "Educación y formación en ES",
        "Mapeo y cadenas de valor",
        "ES y movimientos sociales",
        "Fideicomisos de tierra y vivienda",
    ],
    "zh": [
        "工人合作社",
        "社会团结经济教育与培训",
        "绘制地图与价值链",
        "社会团结经济与社会运动",
        "社区土地信托与可负担住房",
    ],
}
FIRST_QUESTION = {
    "es": "¿Qué ya funciona en «{area}», y quién lo hace?",
    "zh": "在“{area}”方面，哪些做法已经有效？是谁在做？",
}
QUESTIONS = {
    "es": [
        "¿Qué ya funciona aquí?",
        "¿Qué falta? ¿Qué impide a las comunidades construir aquí?",
        "¿Qué podríamos hacer juntos el próximo año?",
        "¿Qué hará primero este grupo de trabajo?",
    ],
    "zh": [
        "这里哪些做法已经有效？",
        "还缺什么？是什么阻碍了一线社区在这里发展？",
        "明年我们可以一起做什么？",
        "这个工作组首先要做什么？",
    ],
}
ANNOUNCEMENT = {"es": "El café está servido en el pasillo.", "zh": "咖啡已经在走廊里准备好了。"}


# --- helpers ---------------------------------------------------------------------------------


def open_phone(browser: Any, server: Server, lang: str, name: str) -> tuple[Any, Any]:
    """A phone in `lang` that joined the demo café through its page (it records its vibrations)."""
    ctx = browser.new_context(**PHONE, locale=WORDS[lang]["locale"])
    ctx.add_init_script("window.buzzes = []; navigator.vibrate = (p) => { window.buzzes.push(p); return true; };")
    page = ctx.new_page()
    page.goto(f"{server.url}/j/{server.code}")
    expect(page.locator("#join")).to_be_visible()
    page.fill("#name", name)
    page.click("#join-button")
    expect(page.locator("#lobby")).to_be_visible()
    return ctx, page


def reconnect(page: Any) -> None:
    """Drop the phone's socket and open it again (as leaving and coming back to the page does):
    the phone then asks `sync` for what it missed."""
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    expect(page.locator("#offline")).to_be_visible()
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(page.locator("#offline")).to_be_hidden()


def fence(fac: LiveClient, page: Any, text: str) -> None:
    """An announcement the phone must show: once it does, everything before it was applied."""
    assert fac.call("announce", {"text": text})["ok"]
    expect(page.locator("#announcement-text")).to_have_text(text)
    assert fac.call("clear_announcement", {})["ok"]
    expect(page.locator("#announcement")).to_be_hidden()


def table_number(state: dict[str, Any], table_id: int) -> str:
    label = next(t["label"] for t in state["tables"] if t["id"] == table_id)
    return label.rsplit(" ", 1)[1]


def another_area_table(state: dict[str, Any], table_id: int) -> int:
    """A table of another strategy area than `table_id`'s, with room."""
    topic = next(t["topic_id"] for t in state["tables"] if t["id"] == table_id)
    seated: dict[int, int] = {}
    for tid in state["seating"]["seats"].values():
        seated[tid] = seated.get(tid, 0) + 1
    return next(t["id"] for t in state["tables"] if t["topic_id"] != topic and seated.get(t["id"], 0) < t["capacity"])


def seat(fac: LiveClient, name: str) -> tuple[dict[str, Any], int, int]:
    """The facilitator's state, the person's id and their table this round."""
    pid = person_id(fac, name)
    state = fac.state()
    return state, pid, int(state["seating"]["seats"][str(pid)])


def area_index(state: dict[str, Any], table_id: int) -> int:
    topic = next(t["topic_id"] for t in state["tables"] if t["id"] == table_id)
    return [t["id"] for t in state["topics"]].index(topic)


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found, selector
    return dict(found)


def assert_above(page: Any, upper: str, lower: str) -> None:
    """`upper` ends where `lower` starts, or above it: neither covers the other."""
    top, bottom = box(page, upper), box(page, lower)
    assert top["y"] + top["height"] <= bottom["y"] + 0.5, (upper, top, lower, bottom)


# --- 1. calm notices ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_phone_moved_by_the_facilitator_says_so_in_its_language_and_never_again_after_a_reload(
    browser: Any, live_server: Server, shot: Any, lang: str
) -> None:
    words = WORDS[lang]
    ctx, page = open_phone(browser, live_server, lang, "Marta")
    fac = facilitator(live_server)
    try:
        # Moved during the move: the notice sits on the move screen, under the round.
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#move")).to_be_visible()
        state, pid, here = seat(fac, "Marta")
        there = another_area_table(state, here)
        assert fac.call("move_participant", {"participant_id": pid, "table_id": there})["ok"]
        n = table_number(state, there)
        notice = page.locator("#notice-moved")
        expect(notice).to_be_visible()
        expect(page.locator("#notice-moved-text")).to_have_text(words["moved"].format(n=n))
        expect(page.locator("#move-head")).to_contain_text(words["table"].format(n=n))
        assert_above(page, "#move-round", "#notice-moved")
        shot(page, f"phone-notice-moved-move-{lang}-390x844")

        # The notice belongs to its phase: the discussion starts without it.
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#discuss")).to_be_visible()
        expect(notice).to_be_hidden()

        # Moved during the discussion: one calm sentence at the top, and the new seat.
        back = another_area_table(fac.state(), there)
        assert fac.call("move_participant", {"participant_id": pid, "table_id": back})["ok"]
        n = table_number(state, back)
        expect(page.locator("#notice-moved-text")).to_have_text(words["moved"].format(n=n))
        expect(notice).to_be_visible()
        expect(notice).to_have_attribute("role", "status")
        expect(page.locator("#discuss-table")).to_have_text(words["table"].format(n=n))
        assert_above(page, "#notice-moved", "#seat-band")
        shot(page, f"phone-notice-moved-{lang}-390x844")
        assert violations(page, "phone, moved notice") == []

        # Read (a tap): gone, and neither a reconnect nor a reload brings it back.
        page.click("#notice-moved-close")
        expect(notice).to_be_hidden()
        reconnect(page)
        fence(fac, page, "After the reconnect")
        expect(notice).to_be_hidden()
        page.reload()
        expect(page.locator("#discuss")).to_be_visible()
        fence(fac, page, "After the reload")
        expect(page.locator("#discuss-table")).to_have_text(words["table"].format(n=n))
        expect(notice).to_be_hidden()
    finally:
        fac.close()
        ctx.close()


@pytest.mark.parametrize("lang", LANGS)
def test_a_phone_whose_note_is_hidden_says_so_once_even_after_a_replay_or_a_reload(
    browser: Any, live_server: Server, shot: Any, lang: str
) -> None:
    words = WORDS[lang]
    ctx, page = open_phone(browser, live_server, lang, "Wei")
    fac = facilitator(live_server)
    try:
        start_discussion(fac)
        expect(page.locator("#cloth")).to_be_visible()
        post(page, words["note"])
        mine = page.locator("#notes li").first
        expect(mine).not_to_have_attribute("data-pending", re.compile("."))
        note_id = mine.get_attribute("data-id")

        # The phone is away when the facilitator hides the note: the replay of what it missed
        # tells it, once.
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
        expect(page.locator("#offline")).to_be_visible()
        assert fac.call("hide_note", {"id": note_id})["ok"]
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
        notice = page.locator("#notice-hidden")
        expect(notice).to_be_visible()
        expect(page.locator("#notice-hidden-text")).to_have_text(words["hidden"])
        expect(page.locator("#notes li")).to_have_count(0)
        page.evaluate("() => window.scrollTo(0, 0)")
        shot(page, f"phone-notice-hidden-{lang}-390x844")

        # Another reconnect replays nothing old: still one notice, the same words.
        reconnect(page)
        fence(fac, page, "After the reconnect")
        expect(page.locator("#notice-hidden-text")).to_have_text(words["hidden"])
        page.click("#notice-hidden-close")
        expect(notice).to_be_hidden()
        reconnect(page)
        fence(fac, page, "After another reconnect")
        expect(notice).to_be_hidden()
        page.reload()
        expect(page.locator("#discuss")).to_be_visible()
        fence(fac, page, "After the reload")
        expect(notice).to_be_hidden()
        # Another person's hidden note says nothing on this phone.
        other = live_server.join("Ana")
        phone = LiveClient(live_server, {"cafe": live_server.code, "role": "phone", "token": other["token"]}).connect()
        try:
            seats = lambda: fac.state()["seating"]["seats"]  # noqa: E731
            wait_until(lambda: str(other["participant"]["id"]) in seats())
            table = int(seats()[str(other["participant"]["id"])])
            ack = phone.call(
                "add_note",
                {
                    "id": "0f0e0d0c-0b0a-4908-8706-050403020100",
                    "table_id": table,
                    "round": 1,
                    "text": "Not Wei's",
                    "colour": "blue",
                },
            )
            assert ack["ok"], ack
            assert fac.call("hide_note", {"id": ack["note"]["id"]})["ok"]
            fence(fac, page, "After someone else's note")
            expect(notice).to_be_hidden()
        finally:
            phone.close()
    finally:
        fac.close()
        ctx.close()


# --- 2. a closed café does not look joinable -------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_join_page_of_a_closed_cafe_says_it_has_ended_and_shows_no_form(
    browser: Any, live_server: Server, shot: Any, lang: str
) -> None:
    words = WORDS[lang]
    ctx, page = open_phone(browser, live_server, lang, "Rosa")
    fac = facilitator(live_server)
    try:
        assert fac.call("close_cafe", {})["ok"]
        # The phone that was open says the café has ended.
        expect(page.locator("#problem")).to_be_visible()
        expect(page.locator("#problem-title")).to_have_text(words["ended"])
        expect(page.locator("#lobby")).to_be_hidden()
    finally:
        fac.close()
        ctx.close()

    ctx = browser.new_context(**PHONE, locale=words["locale"])
    page = ctx.new_page()
    try:
        response = page.goto(f"{live_server.url}/j/{live_server.code}")
        assert response is not None and response.ok
        expect(page.locator("#problem")).to_be_visible()
        expect(page.locator("#problem-title")).to_have_text(words["ended"])
        expect(page.locator("#problem-text")).to_have_text(words["thanks"])
        # Nothing to fill in, nothing to wait for.
        expect(page.locator("form#join-form, #name, #join-button")).to_have_count(0)
        expect(page.locator("#connecting")).to_be_hidden()
        expect(page.locator("#lang-select")).to_be_visible()
        assert violations(page, "closed join page") == []
        shot(page, f"phone-closed-join-{lang}-390x844")
    finally:
        ctx.close()


# --- 3. the facilitator's words in the phone's language, and each area's number --------------------


def translate_the_demo(fac: LiveClient, lang: str) -> dict[str, Any]:
    """The facilitator gives every area a name in `lang`, round 1 a question per area and the other
    rounds one question, each with its version in `lang`."""
    state = fac.state()
    for i, topic in enumerate(state["topics"]):
        ack = fac.call(
            "update_topic",
            {
                "topic_id": topic["id"],
                "translations": {lang: {"name": AREAS[lang][i], "description": f"({AREAS[lang][i]})"}},
            },
        )
        assert ack["ok"], ack
    rounds = []
    for i, rnd in enumerate(state["rounds"]):
        spec = {k: rnd[k] for k in ("question", "topic_questions", "discuss_seconds", "move_seconds")}
        version: dict[str, Any] = {"question": QUESTIONS[lang][i]}
        if i == 0:
            spec["topic_questions"] = {str(t["id"]): f"What already works in {t['name']}?" for t in state["topics"]}
            version["topic_questions"] = {
                str(t["id"]): FIRST_QUESTION[lang].format(area=AREAS[lang][n]) for n, t in enumerate(state["topics"])
            }
        spec["translations"] = {lang: version}
        rounds.append(spec)
    ack = fac.call("set_rounds", {"rounds": rounds})
    assert ack["ok"], ack
    return fac.state()


@pytest.mark.parametrize("lang", LANGS)
def test_a_phone_shows_the_facilitators_question_and_area_names_in_its_language_with_their_numbers(
    browser: Any, live_server: Server, shot: Any, lang: str
) -> None:
    fac = facilitator(live_server)
    ctx = None
    try:
        state = translate_the_demo(fac, lang)
        ctx, page = open_phone(browser, live_server, lang, "Lucía" if lang == "es" else "小红")
        # The lobby: the facilitator's announcement in the phone's language.
        assert fac.call(
            "announce", {"text": "Coffee is served in the hall.", "translations": {lang: ANNOUNCEMENT[lang]}}
        )["ok"]
        expect(page.locator("#announcement-text")).to_have_text(ANNOUNCEMENT[lang])
        shot(page, f"phone-lobby-{lang}-390x844")
        assert fac.call("clear_announcement", {})["ok"]

        # The move: the area (with its number) and round 1's own question for that area.
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#move")).to_be_visible()
        _, _, here = seat(fac, "Lucía" if lang == "es" else "小红")
        i = area_index(state, here)
        area = AREAS[lang][i]
        english = state["topics"][i]["name"]
        expect(page.locator("#move-topic")).to_have_text(f"{i + 1}{area}")
        expect(page.locator("#move-topic .area-n")).to_have_text(str(i + 1))
        expect(page.locator("#move-question")).to_have_text(FIRST_QUESTION[lang].format(area=area))
        expect(page.locator("#move")).not_to_contain_text(english)
        shot(page, f"phone-move-{lang}-390x844")

        # The discussion and its tablecloth.
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#discuss-topic")).to_have_text(f"{i + 1}{area}")
        expect(page.locator("#discuss-topic .area-n")).to_have_text(str(i + 1))
        expect(page.locator("#discuss-question")).to_have_text(FIRST_QUESTION[lang].format(area=area))
        post(page, WORDS[lang]["note"])
        expect(page.locator("#notes li")).to_have_count(1)
        shot(page, f"phone-discuss-{lang}-390x844")
        page.locator("#cloth").scroll_into_view_if_needed()
        page.evaluate("() => window.scrollBy(0, document.querySelector('#cloth').getBoundingClientRect().top - 90)")
        shot(page, f"phone-tablecloth-{lang}-390x844")

        # Round 2: the round's one question, in the phone's language.
        assert fac.call("end_round", {})["ok"]
        expect(page.locator("#move-question")).to_have_text(QUESTIONS[lang][1])

        # The harvest: every area by its name in the phone's language, with its number.
        assert fac.call("start_harvest", {})["ok"]
        expect(page.locator("#harvest")).to_be_visible()
        for n, topic in enumerate(state["topics"]):
            section = page.locator(f"#harvest-topic-{topic['id']}")
            expect(section.locator(".harvest-name")).to_have_text(f"{n + 1}{AREAS[lang][n]}")
            expect(page.locator(f"#jump-{topic['id']}")).to_have_text(f"{n + 1}{AREAS[lang][n]}")
        first = page.locator(f"#harvest-topic-{state['topics'][0]['id']}")
        expect(first.locator(".group-why")).to_contain_text(AREAS[lang][0])
        expect(page.locator("#harvest-topics")).not_to_contain_text(state["topics"][0]["name"])
        shot(page, f"phone-harvest-{lang}-390x844")
        assert violations(page, "phone harvest, translated") == []
    finally:
        fac.close()
        if ctx:
            ctx.close()


# --- 4. the time warning ---------------------------------------------------------------------------


def bring_the_end_to(fac: LiveClient, seconds: int) -> None:
    """The facilitator's `extend` with negative seconds: the discussion ends `seconds` from now."""
    ends_at = fac.state()["cafe"]["ends_at_ms"]
    left = (ends_at - time.time() * 1000) / 1000
    ack = fac.call("extend", {"seconds": -round(left - seconds)})
    assert ack["ok"], ack


def test_the_time_warning_shows_at_the_facilitators_warning_seconds_says_how_long_and_vibrates(
    browser: Any, live_server: Server, shot: Any
) -> None:
    ctx, page = open_phone(browser, live_server, "es", "Lucía")
    fac = facilitator(live_server)
    try:
        assert fac.call("update_cafe", {"settings": {"warning_seconds": 300}})["ok"]
        start_discussion(fac)
        expect(page.locator("#discuss")).to_be_visible()
        warning = page.locator("#warning")
        bring_the_end_to(fac, 310)
        expect(page.locator("#countdown")).to_have_text(re.compile(r"^5:[01]\d$"))
        expect(warning).to_be_hidden()
        # Five minutes before the end (not one): the words say how long, and the phone buzzes.
        expect(warning).to_be_visible(timeout=15_000)
        expect(page.locator("#warning-text")).to_have_text(WORDS["es"]["warning"])
        assert [300, 150, 300] in page.evaluate("() => window.buzzes")
        shot(page, "phone-warning-es-390x844")
        page.click("#warning-close")
        expect(warning).to_be_hidden()
        # 0: no warning at all.
        assert fac.call("update_cafe", {"settings": {"warning_seconds": 0}})["ok"]
        time.sleep(0.5)
        bring_the_end_to(fac, 50)
        expect(page.locator("#countdown")).to_have_text(re.compile(r"^0:[45]\d$"))
        time.sleep(1.0)
        expect(warning).to_be_hidden()
    finally:
        fac.close()
        ctx.close()


# --- 5. the offline banner covers nothing ---------------------------------------------------------


def test_the_offline_banner_takes_its_own_room_above_the_header_and_the_round(
    browser: Any, live_server: Server, shot: Any
) -> None:
    ctx, page = open_phone(browser, live_server, "zh", "小明")
    fac = facilitator(live_server)
    try:
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#move")).to_be_visible()
        ctx.set_offline(True)
        expect(page.locator("#offline")).to_be_visible()
        # The move screen (over the whole page) starts under the banner: "Round 1 of 4" shows.
        assert_above(page, "#offline", "#move")
        assert_above(page, "#offline", "#move-round")
        shot(page, "phone-offline-move-zh-390x844")
        ctx.set_offline(False)
        expect(page.locator("#offline")).to_be_hidden(timeout=15_000)

        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#discuss")).to_be_visible()
        for text in ("第一条", "第二条", "第三条"):
            post(page, text)
        ctx.set_offline(True)
        expect(page.locator("#offline")).to_be_visible()
        assert_above(page, "#offline", ".phone-top")
        assert_above(page, ".phone-top", "#discuss-round")
        # Scrolled: the header sticks under the banner, not behind it.
        page.evaluate("() => window.scrollTo(0, 400)")
        page.wait_for_function("() => window.scrollY >= 300")
        assert_above(page, "#offline", ".phone-top")
        header = box(page, ".phone-top")
        assert header["y"] >= box(page, "#offline")["height"] - 0.5
        shot(page, "phone-offline-discuss-zh-390x844")
        # It stays readable: nothing of it is cut off.
        assert page.evaluate(
            "() => { const b = document.getElementById('offline'); "
            "return b.scrollHeight <= b.clientHeight + 1 && b.scrollWidth <= b.clientWidth + 1; }"
        )
    finally:
        ctx.set_offline(False)
        fac.close()
        ctx.close()


# --- 6. an announcement with an end ---------------------------------------------------------------


def test_an_announcement_with_an_end_leaves_the_phone_at_its_time_even_unheard(
    browser: Any, live_server: Server
) -> None:
    ctx = browser.new_context(**PHONE, locale="es")
    page = ctx.new_page()
    page.clock.install()
    fac = facilitator(live_server)
    try:
        page.goto(f"{live_server.url}/j/{live_server.code}")
        page.fill("#name", "Lucía")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        assert fac.call(
            "announce",
            {"text": "Lunch in ten minutes.", "minutes": 1, "translations": {"es": "Almuerzo en diez minutos."}},
        )["ok"]
        expect(page.locator("#announcement-text")).to_have_text("Almuerzo en diez minutos.")
        # The phone hears nothing more (no announcement_cleared): at `until` it goes by itself.
        page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
        page.clock.fast_forward(30_000)
        expect(page.locator("#announcement")).to_be_visible()
        page.clock.fast_forward(31_000)
        expect(page.locator("#announcement")).to_be_hidden()
    finally:
        fac.close()
        ctx.close()
