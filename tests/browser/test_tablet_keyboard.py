"""The host's tablet with a keyboard and a screen reader, in Chromium against the real running system.

Check-in and call-next are a few Tab presses from the page's start; a focused button keeps its focus, its
node and its place while other hosts check visitors in and call them (the lists are patched in place,
never rebuilt); no control acts on a mere change of selection, so an arrow key never completes a visit;
a control that goes with what it acted on hands focus to its card, not to the page's start; each call is
read to a screen reader once, whoever made it; and the focus ring stands out at 3:1 or more against
every background it is drawn on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.testing import System, artifacts
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.browser]
OFFICE = "hamar"  # drop-in open on the test clock; four conversation rooms and a meeting room
FEW = 5  # Tab presses from the page's start

# Records every change of text in a live region, in order, through the browser's own API: added before
# any of the page's scripts run.
SPOKEN = """
window.spoken = [];
const last = new Map();
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    const target = mutation.target;
    const node = target.nodeType === Node.ELEMENT_NODE ? target : target.parentElement;
    const region = node && node.closest("[aria-live], [role=status], [role=log], [role=alert]");
    if (!region || last.get(region) === region.textContent) continue;
    last.set(region, region.textContent);
    const added = [...mutation.addedNodes].map((n) => n.textContent);
    if (mutation.type === "characterData") added.push(target.textContent);
    window.spoken.push({region: region.id, text: region.textContent, added});
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

# The contrast of the focus ring (the outline) against what it is drawn on: the first opaque background
# behind the element, up its ancestors (WCAG relative luminance).
FOCUS_RING = """
() => {
  const rgb = (color) => color.match(/[\\d.]+/g).map(Number);
  const luminance = (color) => {
    const [r, g, b] = rgb(color).slice(0, 3).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const behind = (node) => {
    for (let at = node.parentElement; at; at = at.parentElement) {
      const color = getComputedStyle(at).backgroundColor;
      if (rgb(color)[3] !== 0) return color;
    }
    return "rgb(255, 255, 255)";
  };
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;  // round the end of the page
  const style = getComputedStyle(focused);
  const background = behind(focused);
  const [a, b] = [luminance(style.outlineColor), luminance(background)];
  return {
    what: focused.id || focused.textContent.trim().slice(0, 40) || focused.tagName,
    background,
    width: parseFloat(style.outlineWidth),
    style: style.outlineStyle,
    contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
  };
}
"""


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


@pytest.fixture
def page(browser: Any, system: System, office: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The office's tablet, opened from the host's link, with a recorder of what a screen reader hears."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nb-NO")
    context.add_init_script(SPOKEN)
    tablet = context.new_page()
    try:
        yield tablet
    finally:
        tablet.screenshot(path=str(artifacts() / f"{request.node.name}.png"))
        context.close()


def _open(page: Any, system: System) -> None:
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    expect(page.locator("#rooms li")).not_to_have_count(0)


def _visitors(system: System, count: int) -> list[dict[str, Any]]:
    answers = [system.check_in(OFFICE, {"kind": "drop_in", "reason": "case_status"}) for _ in range(count)]
    assert all(answer.status_code == 201 for answer in answers), [answer.text for answer in answers]
    return [answer.json() for answer in answers]


def _command(system: System, visit: dict[str, Any], path: str, body: dict[str, Any] | None = None) -> None:
    answer = system.command(OFFICE, f"visits/{visit['visit_id']}/{path}", body)
    assert answer.status_code == 200, answer.text


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate(  # type: ignore[no-any-return]
        "() => ({id: document.activeElement.id, name: document.activeElement.textContent.trim(),"
        " tag: document.activeElement.tagName, value: document.activeElement.value || ''})"
    )


def test_check_in_and_call_next_are_a_few_tab_presses_from_the_start(page: Any, system: System) -> None:
    first, _ = _visitors(system, 2)
    _open(page, system)

    page.keyboard.press("Tab")  # a skip link to the check-in form
    assert _focused(page)["name"] == "Til registrering"
    page.keyboard.press("Enter")
    assert (_focused(page)["tag"], _focused(page)["value"]) == ("INPUT", "drop_in")  # the kind of visit
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "reason"  # and on through the form

    page.reload()  # from the page's start again: the other skip link
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "Til «Rop opp neste»"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "call-next"

    page.reload()  # or without skip links, in the page's order
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    presses = 0
    while _focused(page)["id"] != "call-next" and presses < FEW:
        page.keyboard.press("Tab")
        presses += 1
    assert _focused(page)["id"] == "call-next", f"not reached in {FEW} presses"
    page.keyboard.press("Enter")
    expect(page.locator("#said")).to_have_text(f"{first['ticket']} ropt opp til Samtalerom 1")


def test_a_focused_button_keeps_its_focus_and_place_while_the_lists_update(page: Any, system: System) -> None:
    visits = _visitors(system, 3)
    _command(system, visits[0], "call", {"room_id": "samtalerom-1"})
    _open(page, system)
    button = page.locator(f".line li[data-ticket='{visits[2]['ticket']}']").get_by_role("button", name="Gikk")
    button.focus()
    button.evaluate("node => { node.marked = true; }")  # the same node, never a new one in its place
    before = button.bounding_box()

    arrivals = _visitors(system, 5)  # other hosts check visitors in: they go after it in the line
    for visit in arrivals:
        expect(page.locator(f".line li[data-ticket='{visit['ticket']}']")).to_be_visible()
    assert button.evaluate("node => document.activeElement === node && node.marked === true")
    assert button.bounding_box() == before  # nothing moved under the finger

    _command(system, visits[0], "start")  # rooms change, visitors ahead are called, others leave
    _command(system, visits[1], "call", {"room_id": "samtalerom-2"})
    _command(system, arrivals[0], "cancel", {"cause": "visitor_left"})
    expect(page.locator(f".line li[data-ticket='{arrivals[0]['ticket']}']")).to_have_count(0)
    expect(page.locator("#rooms li[data-room='samtalerom-2'] strong")).to_have_text(visits[1]["ticket"])
    assert button.evaluate("node => document.activeElement === node && node.marked === true")

    room_button = page.locator("#rooms li[data-room='samtalerom-2']").get_by_role("button", name="Rop igjen")
    room_button.focus()  # and in a room card, while other rooms change
    _command(system, visits[0], "complete", {"outcome": "served"})
    _command(system, arrivals[1], "call", {"room_id": "samtalerom-3"})
    expect(page.locator("#rooms li[data-room='samtalerom-3'] strong")).to_have_text(arrivals[1]["ticket"])
    expect(page.locator("#rooms li[data-room='samtalerom-1']")).to_have_class("free")
    assert room_button.evaluate("node => document.activeElement === node")


def test_outcomes_are_buttons_and_focus_stays_in_the_card(page: Any, system: System) -> None:
    (visit,) = _visitors(system, 1)
    _command(system, visit, "call", {"room_id": "samtalerom-2"})
    _command(system, visit, "start")
    _open(page, system)
    room = page.locator("#rooms li[data-room='samtalerom-2']")
    # nothing on the lists acts on a change of selection: no select an arrow key could set
    expect(page.locator("#rooms select, #lines select")).to_have_count(0)
    outcomes = room.get_by_role("group", name=f"Avslutt {visit['ticket']}").get_by_role("button")
    expect(outcomes).to_have_count(4)

    outcomes.first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # to the next outcome: moving through them does nothing
    expect(room.locator("strong")).to_have_text(visit["ticket"])
    page.keyboard.press("Enter")  # the second outcome

    expect(page.locator("#undo li")).to_contain_text(
        f"{visit['ticket']} avsluttet: Veiledet til selvbetjening"
    )
    expect(room).to_have_class("free")
    # the outcome buttons went with the visit: focus is on its room's card, not back at the page's start
    assert room.evaluate("card => document.activeElement === card")


def test_each_call_is_read_once_whoever_made_it(page: Any, system: System) -> None:
    first, second, _ = _visitors(system, 3)
    _open(page, system)

    page.select_option("#call-room", "samtalerom-2")
    page.locator("#call-next").click()  # this host's call: its answer and its frame both tell of it
    own = f"{first['ticket']} ropt opp til Samtalerom 2"
    expect(page.locator("#said")).to_have_text(own)

    _command(system, second, "call", {"room_id": "samtalerom-4"})  # another host's call
    expect(page.locator("#rooms li[data-room='samtalerom-4'] strong")).to_have_text(second["ticket"])
    _command(system, second, "recall")
    expect(page.locator("#rooms li[data-room='samtalerom-4'] .stage")).to_have_text("Ropt opp 2 ganger")
    page.locator("#call-next").click()  # a last call of our own: every frame before it has been read
    expect(page.locator("#said")).to_have_text(re.compile(r"ropt opp til"))

    heard = [text for entry in page.evaluate("window.spoken") for text in entry["added"]]
    for words in (
        own,
        f"{second['ticket']} ropt opp til Samtalerom 4",
        f"{second['ticket']} ropt opp igjen til Samtalerom 4 (2. gang)",
    ):
        assert heard.count(words) == 1, heard


def test_the_focus_ring_stands_out_on_every_background(page: Any, system: System) -> None:
    visits = _visitors(system, 4)
    _command(system, visits[0], "call", {"room_id": "samtalerom-1"})  # a called card (yellow)
    _command(system, visits[1], "call", {"room_id": "samtalerom-2"})
    _command(system, visits[1], "start")  # a card in conversation (blue)
    _command(system, visits[2], "call", {"room_id": "samtalerom-3"})
    _command(system, visits[2], "start")
    _open(page, system)
    page.locator("#rooms li[data-room='samtalerom-3']").get_by_role("button", name="Ferdig").click()
    expect(page.locator("#undo li")).to_be_visible()  # the undo bar (yellow)
    page.locator("#language").focus()

    seen: list[dict[str, Any]] = []
    for _ in range(120):  # every control in the tab order, until it comes round again
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None or (seen and ring["what"] == seen[0]["what"]):
            break
        seen.append(ring)
    # the undo bar, a called card, a card in conversation and the page: each a background of its own
    assert len({ring["background"] for ring in seen}) >= 4, seen
    weak = [ring for ring in seen if ring["style"] == "none" or ring["width"] < 2 or ring["contrast"] < 3]
    assert weak == []
