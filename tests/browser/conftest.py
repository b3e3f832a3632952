"""A headless Debian chromium, driven through chromium-driver, on output/site/ served
from a local HTTP server. Console messages and every network request are recorded, so
that a test can say that a page logged no error and asked no other host for anything.
"""
import functools
import http.server
import json
import os
import pathlib
import shutil
import threading

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = pathlib.Path(__file__).resolve().parents[2]
SITE = REPO / "output" / "site"
SHOTS = REPO / "build" / "screenshots"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url():
    assert (SITE / "index.html").exists(), "output/site/ is missing: run `luban run` first"
    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _binary(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    raise AssertionError(f"none of {names} is installed (apt-get install chromium chromium-driver)")


@pytest.fixture(scope="session")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", _binary("chromium", "chromium-browser"))
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1000", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-default-apps", "--disable-sync"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", _binary("chromedriver")))
    driver = webdriver.Chrome(options=opts, service=service)
    yield driver
    driver.quit()


@pytest.fixture
def visit(browser, base_url):
    """Opens a page of the site and returns (console errors, URLs requested)."""

    def go(path):
        browser.get_log("browser")
        browser.get_log("performance")
        browser.get(base_url + path)
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        urls = []
        for e in browser.get_log("performance"):
            m = json.loads(e["message"])["message"]
            if m["method"] == "Network.requestWillBeSent":
                urls.append(m["params"]["request"]["url"])
        return errors, urls

    return go


@pytest.fixture(scope="session")
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
