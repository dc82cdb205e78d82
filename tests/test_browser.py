"""A reader in Debian's headless Chromium: the built site works from file:// and at phone width."""

import os
import shutil

import pytest

from conftest import FIXTURES
from karpwiki.build import build
from karpwiki.config import Config

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail("Chromium and chromedriver are required under CI (apt-get install chromium chromium-driver)", pytrace=False)
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "build"
    assert build(Config(wiki=FIXTURES / "good" / "wiki", out=out)).written
    return out


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_reader_follows_links_across_folders_from_file_url(site, browser):
    browser.get((site / "index.html").as_uri())
    assert browser.title == "Tiny Wiki"
    browser.find_element(By.LINK_TEXT, "nanoGPT").click()
    assert browser.current_url.endswith("/repos/nanoGPT.html")
    browser.find_element(By.LINK_TEXT, "attention").click()
    assert browser.current_url.endswith("/attention.html#the-causal-mask")
    assert browser.title == "Attention · Tiny Wiki"
    browser.find_element(By.LINK_TEXT, "cache").click()
    assert browser.current_url.endswith("/kv%20cache.html#why-it-helps")
    assert browser.find_element(By.ID, "why-it-helps").text.startswith("Why it helps")
    # The stylesheet loaded through the relative URL: the theme's font size is applied.
    assert browser.execute_script("return getComputedStyle(document.body).fontSize") == "17px"


def test_backlinks_lead_back(site, browser):
    browser.get((site / "kv cache.html").as_uri())
    links = browser.find_elements(By.CSS_SELECTOR, ".backlinks a")
    assert [a.text for a in links] == ["Attention", "Tiny Wiki", "nanoGPT"]
    links[0].click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Attention")


def test_no_sideways_scroll_at_phone_width(site, browser):
    browser.set_window_size(390, 844)
    for page in ("index.html", "attention.html", "repos/nanoGPT.html"):
        browser.get((site / page).as_uri())
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page} scrolls sideways by {overflow}px at 390px"
