"""The regional dashboard for screen readers and in both languages, in Chromium against the running
system: axe-core finds nothing wrong in Norwegian or English; every chart gives screen readers its
figures as a table, equal to the API's and following it live; no two axis labels overlap, even with
many long ones; and every text the page shows comes from the catalogue of its language.

The screenshots are kept as docs/screens/dashboard.png (Norwegian) and dashboard-en.png.
"""

from __future__ import annotations

import math
import re
import time
from datetime import date
from itertools import combinations
from typing import Any

import pytest
from playwright.sync_api import expect
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, axe_violations
from visitflow_platform.access import Role
from visitflow_platform.i18n import catalogue

pytestmark = [pytest.mark.integration, pytest.mark.browser]
REGION = "ostfold"  # four offices; drop-in open in all of them on the test clock
SCREENS = root() / "docs" / "screens"
Table = dict[str, Any]  # {"head": [...], "rows": {first cell: [other cells]}}


@pytest.fixture(scope="module")
def busy_region(system: System) -> None:
    """Drop-ins with several reasons, a redirect to each alternative, and visitors called and completed
    with different outcomes, so that every chart has figures."""
    reasons = ["deliver_documents", "case_status", "job_seeking", "benefit_question", "other"]
    for number, office in enumerate(("halden", "fredrikstad", "sarpsborg")):
        for reason in reasons[: 3 + number]:
            answer = system.check_in(office, {"kind": "drop_in", "reason": reason})
            assert answer.status_code == 201, answer.text
    for alternative in ("book_appointment", "self_service_pc", "self_service_online", "contact_centre"):
        body = {"kind": "drop_in", "reason": "case_status", "redirect_to": alternative}
        assert system.check_in("halden", body).status_code == 201
    system.clear("fredrikstad")
    for outcome in ("served", "appointment_booked", "referred_to_contact_centre"):
        visit = system.check_in("fredrikstad", {"kind": "drop_in", "reason": "other"}).json()["visit_id"]
        assert system.command("fredrikstad", f"visits/{visit}/call", {"room_id": "samtalerom-1"}).is_success
        assert system.command("fredrikstad", f"visits/{visit}/complete", {"outcome": outcome}).is_success


def open_dashboard(system: System, page: Any, language: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(system.page_url("metrics", f"/dashboard?region={REGION}&lang={language}", Role.ADMIN))
    expect(page.locator("#office-outcomes-chart table")).to_have_count(1)
    expect(page.locator("#trend-chart table")).to_have_count(1)


@pytest.mark.usefixtures("busy_region")
@pytest.mark.parametrize(("language", "screen"), [("nb", "dashboard.png"), ("en", "dashboard-en.png")])
def test_axe_finds_nothing_wrong_in_either_language(
    system: System, page: Any, language: str, screen: str
) -> None:
    open_dashboard(system, page, language)

    assert axe_violations(page) == []
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / screen), full_page=True)


# --- the charts' figures for screen readers ---

TABLES_SHOWN = """() => Object.fromEntries([...document.querySelectorAll(".chart table")].map((table) => [
  table.caption.textContent,
  {head: [...table.tHead.rows[0].cells].map((c) => c.textContent),
   rows: Object.fromEntries([...table.tBodies[0].rows].map((row) =>
     [row.cells[0].textContent, [...row.cells].slice(1).map((c) => c.textContent)]))},
]))"""


def count(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def share(part: int, whole: int) -> str:
    return f"{math.floor(100 * part / whole + 0.5)}"


def shown_tables(page: Any) -> dict[str, Table]:
    """Each chart's table as the page has it, its numbers read as the page writes them."""
    tables: dict[str, Table] = page.evaluate(TABLES_SHOWN)
    for table in tables.values():
        table["rows"] = {
            name: [re.sub(r"\D", "", cell) for cell in cells] for name, cells in table["rows"].items()
        }
    return tables


def iso_week(day: str) -> str:
    return str(date.fromisoformat(day).isocalendar().week)


def keys(messages: dict[str, str], prefix: str) -> list[str]:
    return [key.removeprefix(prefix) for key in messages if key.startswith(prefix)]


def expected_tables(system: System) -> dict[str, Table]:
    """Each chart's table as the API's figures make it (Norwegian)."""
    nb = catalogue("nb")
    today = system.metrics.get(f"/api/regions/{REGION}/today").json()
    weeks = system.metrics.get(f"/api/regions/{REGION}/drop-in-trend?weeks=12").json()["weeks"]
    offices = today["offices"]
    kinds = ["drop_in", "appointment", "emergency"]
    outcomes = keys(nb, "dashboard.outcomes.")

    hours = sorted({hour for office in offices for hour in office["hourly_arrivals"]})
    hourly = {
        hour: [str(sum(o["hourly_arrivals"].get(hour, {}).get(kind, 0) for o in offices)) for kind in kinds]
        for hour in hours
    }
    reasons = {key: sum(o["drop_in_reasons"].get(key, 0) for o in offices) for key in keys(nb, "reason.")}
    drop_ins = sum(reasons.values())
    region_outcomes = today["totals"]["outcomes"]
    ended = sum(region_outcomes.values())
    buckets = nb["dashboard.waitBuckets"].split("|")
    return {
        nb["dashboard.hourlyTitle"]: {
            "head": [nb["dashboard.hour"], *(nb[f"kind.{kind}"] for kind in kinds)],
            "rows": hourly,
        },
        nb["dashboard.reasonsTitle"]: {
            "head": [nb["dashboard.reason"], nb["dashboard.count"], nb["dashboard.share"]],
            "rows": {nb[f"reason.{k}"]: [str(n), share(n, drop_ins)] for k, n in reasons.items() if n},
        },
        nb["dashboard.outcomesTitle"]: {
            "head": [nb["dashboard.outcome"], nb["dashboard.count"], nb["dashboard.share"]],
            "rows": {
                nb[f"dashboard.outcomes.{k}"]: [str(region_outcomes[k]), share(region_outcomes[k], ended)]
                for k in outcomes
            },
        },
        nb["dashboard.officeOutcomesTitle"]: {
            "head": [nb["dashboard.office"], *(nb[f"dashboard.outcomes.{k}"] for k in outcomes)],
            "rows": {office["name"]: [str(office["outcomes"][k]) for k in outcomes] for office in offices},
        },
        nb["dashboard.trendTitle"]: {
            "head": [nb["dashboard.week"], nb["kind.drop_in"], nb["dashboard.target"]],
            "rows": {iso_week(w["week_start"]): [str(w["drop_ins"]), str(w["target"])] for w in weeks},
        },
        nb["dashboard.waitsTitle"]: {
            "head": [nb["dashboard.wait"], nb["dashboard.called"]],
            "rows": {
                f"{bucket} {nb['dashboard.minutes']}": [str(sum(o["wait_histogram"][i] for o in offices))]
                for i, bucket in enumerate(buckets)
            },
        },
    }


def tables_agree(system: System, page: Any, timeout_s: float = 15) -> None:
    """The page's tables equal the API's figures (read again until they do: the page is live)."""
    deadline = time.monotonic() + timeout_s
    while True:
        expected, shown = expected_tables(system), shown_tables(page)
        if shown == expected or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert set(shown) == set(expected)
    for caption, table in expected.items():
        assert shown[caption] == table, caption


@pytest.mark.usefixtures("busy_region")
def test_each_charts_table_holds_the_apis_figures_and_follows_them_live(system: System, page: Any) -> None:
    open_dashboard(system, page, "nb")
    tables_agree(system, page)
    outcomes = page.locator("#outcomes-chart table")
    contact_centre = outcomes.locator("tr", has_text="Kontaktsenteret").locator("td").first
    before = count(contact_centre.inner_text())

    body = {"kind": "drop_in", "reason": "benefit_question", "redirect_to": "contact_centre"}
    assert system.check_in("sarpsborg", body).status_code == 201

    expect(contact_centre).to_have_text(str(before + 1))
    tables_agree(system, page)
    assert page.locator(".chart svg[aria-hidden=true]").count() == 6  # drawn for the eye only


# --- axis labels ---

LABEL_CORNERS = """(root) => [...root.querySelectorAll(".chart svg")].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {
    chart: svg.parentNode.id,
    frame: [box.left, box.top, box.right, box.bottom],
    labels: [...svg.querySelectorAll("text")].filter((t) => t.textContent).map((text) => {
      const b = text.getBBox(), m = text.getScreenCTM();
      return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
        .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
    }),
  };
})"""
CROWDED = """() => {
  const figure = document.querySelector(".charts").appendChild(document.createElement("figure"));
  figure.id = "crowded";
  const chart = (id) =>
    figure.appendChild(Object.assign(document.createElement("div"), {className: "chart", id}));
  const offices = ["NAV Kristiansand", "NAV Grünerløkka", "NAV Fredrikstad", "NAV Sarpsborg", "NAV Halden",
    "NAV Moss", "NAV Arendal", "NAV Elverum", "NAV Hamar", "NAV Løten", "NAV Frogner", "NAV Lillesand",
    "NAV Vennesla"];
  Charts.columns(chart("offices"), {label: "Crowded", categoryName: "Office", categories: offices,
    series: [{key: "drop_in", name: "Drop-in", values: offices.map((_, i) => 1000 * (i + 1))}],
    format: String, empty: "none"});
  const hours = Array.from({length: 24}, (_, h) => String(h).padStart(2, "0"));
  Charts.columns(chart("hours"), {label: "Day", categoryName: "Hour", categories: hours,
    series: [{key: "drop_in", name: "Drop-in", values: hours.map(() => 3)}], format: String, empty: "none"});
}"""


def _separated(a: list[list[float]], b: list[list[float]]) -> bool:
    """Whether two convex quadrilaterals are apart (separating axis theorem; touching is apart)."""
    for quad in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = quad[i], quad[(i + 1) % 4]
            nx, ny = y2 - y1, x1 - x2
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) + 1e-6 or max(pb) <= min(pa) + 1e-6:
                return True
    return False


def assert_labels_apart_and_inside(charts: list[dict[str, Any]]) -> None:
    assert charts
    for chart in charts:
        left, top, right, bottom = chart["frame"]
        for label in chart["labels"]:
            assert all(left - 0.5 <= x <= right + 0.5 and top - 0.5 <= y <= bottom + 0.5 for x, y in label), (
                f"{chart['chart']}: a label is cut off at the chart's edge"
            )
        for a, b in combinations(chart["labels"], 2):
            assert _separated(a, b), f"{chart['chart']}: two labels overlap"


@pytest.mark.usefixtures("busy_region")
@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_two_labels_of_a_chart_overlap(system: System, page: Any, language: str) -> None:
    open_dashboard(system, page, language)
    assert_labels_apart_and_inside(page.evaluate(LABEL_CORNERS, page.locator("main").element_handle()))

    page.evaluate(CROWDED)  # thirteen offices' names, and a whole day's hours
    assert_labels_apart_and_inside(page.evaluate(LABEL_CORNERS, page.locator("#crowded").element_handle()))


# --- the page's language ---

TEXTS = """(skip) => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const own = element.closest("[lang]") === document.documentElement;
    if (own && !element.closest("script, style, " + skip)) texts.push(node.textContent);
  }
  for (const element of document.querySelectorAll("[aria-label], [title]")) {
    texts.push(element.getAttribute("aria-label") || "", element.getAttribute("title") || "");
  }
  return {language: document.documentElement.lang, texts};
}"""


@pytest.mark.usefixtures("busy_region")
@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_text_is_in_the_pages_language(system: System, page: Any, language: str) -> None:
    """Every word the page shows is a word of its catalogue, an office's or region's name, or in an
    element that says which language it is in (the language selector names each in its own). The
    clock is written by the browser for the page's language."""
    open_dashboard(system, page, language)
    regions = system.metrics.get("/api/regions").json()["regions"]
    names = [r["name"] for r in regions] + [o["name"] for r in regions for o in r["offices"]]
    words = set(re.findall(r"[^\W\d_]+", " ".join([*catalogue(language).values(), *names])))

    found = page.evaluate(TEXTS, "#clock")
    foreign = {word for text in found["texts"] for word in re.findall(r"[^\W\d_]+", text)} - words

    assert found["language"] == language
    assert foreign == set()
    assert page.title() == catalogue(language)["dashboard.pageTitle"]
    expect(page.locator("#clock")).to_contain_text("mandag" if language == "nb" else "Monday")
