"""The site in a real browser: every page loads with no console error and no request
outside the site; the home table and map show every workshop of output/workshops.csv;
filtering narrows the table; a workshop page lists exactly its source URLs; screenshots
of the home page and one workshop page are written under build/ and are not blank.
Counts come from the published CSV, never from this file."""
import collections
import csv
import pathlib
import struct
import zlib

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import REPO, SITE

WORKSHOPS = list(csv.DictReader(open(REPO / "output" / "workshops.csv", encoding="utf-8")))
PAGES = ["index.html"] + sorted(
    str(p.relative_to(SITE)) for d in ("countries", "workshops") for p in (SITE / d).glob("*.html")
)


def split(cell):
    return [x for x in cell.split(";") if x]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_with_no_console_error_and_no_request_outside_the_site(visit, base_url, page):
    errors, urls = visit(page)
    assert errors == []
    outside = [u for u in urls if not (u.startswith(base_url) or u.startswith("data:"))]
    assert outside == []
    assert any(u.startswith(base_url + page) for u in urls), urls


def test_every_workshop_and_country_has_a_page():
    assert {p for p in PAGES if p.startswith("workshops/")} == {f"workshops/{w['workshop_id']}.html" for w in WORKSHOPS}
    countries = {w["country_code"] for w in WORKSHOPS}
    assert {p for p in PAGES if p.startswith("countries/")} == {f"countries/{c}.html" for c in countries}


def test_the_home_table_has_one_row_per_workshop_and_the_map_one_marker_per_located_workshop(visit, browser):
    visit("index.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "#workshop-table tbody tr[data-workshop-id]")
    assert sorted(r.get_attribute("data-workshop-id") for r in rows) == sorted(w["workshop_id"] for w in WORKSHOPS)
    markers = browser.find_elements(By.CSS_SELECTOR, ".map .marker[data-workshop-id]")
    located = sorted(w["workshop_id"] for w in WORKSHOPS if w["latitude"])
    assert sorted(m.get_attribute("data-workshop-id") for m in markers) == located
    assert len(located) > 0


def test_filtering_by_country_narrows_the_table(visit, browser):
    visit("index.html")
    per_country = collections.Counter(w["country_code"] for w in WORKSHOPS)
    code, n = per_country.most_common()[-1]
    assert n < len(WORKSHOPS)
    Select(browser.find_element(By.ID, "filter-country")).select_by_value(code)
    shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "#workshop-table tbody tr") if r.is_displayed()]
    assert len(shown) == n
    assert {r.get_attribute("data-country") for r in shown} == {code}
    assert browser.find_element(By.ID, "filter-count").text == f"{n} of {len(WORKSHOPS)} workshops shown"
    Select(browser.find_element(By.ID, "filter-country")).select_by_value("")
    shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "#workshop-table tbody tr") if r.is_displayed()]
    assert len(shown) == len(WORKSHOPS)


def test_sorting_by_a_column_orders_the_rows_both_ways(visit, browser):
    visit("index.html")
    button = browser.find_element(By.CSS_SELECTOR, "#workshop-table thead th:nth-child(6) button")

    def counts():
        return [int(r.find_elements(By.TAG_NAME, "td")[-1].text)
                for r in browser.find_elements(By.CSS_SELECTOR, "#workshop-table tbody tr")]

    button.click()
    assert counts() == sorted(counts())
    button.click()
    assert counts() == sorted(counts(), reverse=True)
    assert len(counts()) == len(WORKSHOPS)


SOURCES = list(csv.DictReader(open(REPO / "output" / "sources.csv", encoding="utf-8")))


@pytest.mark.parametrize("workshop", WORKSHOPS, ids=lambda w: w["workshop_id"])
def test_a_workshop_page_lists_exactly_its_source_urls_with_their_titles(visit, browser, workshop):
    visit(f"workshops/{workshop['workshop_id']}.html")
    items = browser.find_elements(By.CSS_SELECTOR, "ol.sources li")
    urls = [li.find_element(By.CSS_SELECTOR, ".source-url").text for li in items]
    assert urls == split(workshop["source_urls"])
    links = [li.find_element(By.CSS_SELECTOR, ".source-url a").get_dom_attribute("href") for li in items]
    assert links == urls
    mine = [s for s in SOURCES if s["workshop_id"] == workshop["workshop_id"]]
    titles = [li.find_element(By.TAG_NAME, "cite").text for li in items]
    assert titles == [s["source_title"] or "(no title recorded)" for s in mine]


def png_is_blank(data):
    """Whether a PNG is (nearly) one colour: its pixel bytes, filters removed, hold
    fewer than 8 distinct values or more than 99% of them are one value."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", chunk[:10])
            bpp = {2: 3, 6: 4}.get(colour, 4)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp + 1
    # the first row and the filter bytes are enough to tell a blank image, but all
    # rows with filter type 0 or 2 are cheap to count too
    values = collections.Counter(raw[i] for i in range(0, len(raw)) if i % stride)
    top = values.most_common(1)[0][1]
    return len(values) < 8 or top > 0.99 * sum(values.values())


def test_png_is_blank_tells_a_blank_image_from_a_drawn_one():
    def png(rows, w):
        raw = b"".join(b"\x00" + r for r in rows)
        chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, len(rows), 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    assert png_is_blank(png([b"\xff" * 30] * 10, 10))
    assert not png_is_blank(png([bytes((i * 7 + j * 13) % 256 for j in range(30)) for i in range(10)], 10))


def test_screenshots_of_the_home_page_and_a_workshop_page_are_not_blank(visit, browser, shots):
    for name, page in [("home", "index.html"), ("workshop", f"workshops/{WORKSHOPS[0]['workshop_id']}.html")]:
        visit(page)
        path = shots / f"{name}.png"
        assert browser.save_screenshot(str(path))
        assert not png_is_blank(path.read_bytes()), path
