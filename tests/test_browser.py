"""A reader in Debian's headless Chromium, on the built site opened from file://: links, search,
previews, the graph, the theme toggle, phone width, print, accessibility, and no outside request."""

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, Served
from karpwiki.build import build
from karpwiki.config import Config

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail("Chromium and chromedriver are required under CI (apt-get install chromium chromium-driver)", pytrace=False)
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
DARK_BACKGROUND, LIGHT_BACKGROUND = "rgb(13, 17, 23)", "rgb(255, 255, 255)"
DARK_CODE, LIGHT_CODE = "rgb(13, 17, 23)", "rgb(248, 248, 248)"  # github-dark and default, from Pygments


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
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait(browser, condition, timeout=5):
    """Poll condition; an element that goes stale (the page reloaded under it) means try again."""
    return WebDriverWait(browser, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda driver: condition(driver))


def visit(browser, url):
    """Open url and wait until the browser holds its loaded document: now and then a lookup
    right after chromedriver's get found nothing on a page that, a moment later, had it all."""
    browser.get(url)
    wait(browser, lambda driver: driver.execute_script("return document.readyState == 'complete' && document.URL") == url)


def viewport(browser, width, height, scheme="light"):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
    })
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def style(browser, selector, prop):
    return browser.execute_script(f"return getComputedStyle(document.querySelector({selector!r}))[{prop!r}]")


def test_reader_follows_links_across_folders_from_file_url(site, browser):
    visit(browser, (site / "index.html").as_uri())
    assert browser.title == "Tiny Wiki"
    browser.find_element(By.CSS_SELECTOR, "article").find_element(By.LINK_TEXT, "nanoGPT").click()
    assert browser.current_url.endswith("/repos/nanoGPT.html")
    browser.find_element(By.CSS_SELECTOR, "article").find_element(By.LINK_TEXT, "attention").click()
    assert browser.current_url.endswith("/attention.html#the-causal-mask")
    assert browser.title == "Attention · Tiny Wiki"
    browser.find_element(By.LINK_TEXT, "cache").click()
    assert browser.current_url.endswith("/kv%20cache.html#why-it-helps")
    assert browser.find_element(By.ID, "why-it-helps").text.startswith("Why it helps")
    # The stylesheet loaded through the relative URL: the theme's font size is applied.
    assert browser.execute_script("return getComputedStyle(document.body).fontSize") == "17px"


def test_nothing_is_requested_outside_the_site_and_no_script_fails(site, browser):
    for page in ("index.html", "attention.html", "repos/nanoGPT.html", "404.html"):
        visit(browser, (site / page).as_uri())
        browser.find_element(By.ID, "kw-search").send_keys("mask")  # loads the search data too
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))
    events = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    urls = {e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"}
    assert site.as_uri() + "/static/search-data.js" in urls
    assert all(url.startswith(site.as_uri() + "/") for url in urls), sorted(urls)
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_backlinks_lead_back_and_quote_the_linking_sentence(site, browser):
    visit(browser, (site / "kv cache.html").as_uri())
    links = browser.find_elements(By.CSS_SELECTOR, ".backlinks a")
    assert [a.text for a in links] == ["Attention", "Tiny Wiki", "nanoGPT"]
    quotes = [p.text for p in browser.find_elements(By.CSS_SELECTOR, ".backlinks li p")]
    assert quotes[2] == "Uses attention and a KV cache; see the code."
    links[0].click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Attention")


def test_sidebar_lists_the_groups_and_marks_the_current_page(site, browser):
    visit(browser, (site / "repos" / "nanoGPT.html").as_uri())
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#kw-sidebar h2")]
    assert headings == ["CONCEPTS", "REPOS"]  # uppercase is the stylesheet's
    links = browser.find_elements(By.CSS_SELECTOR, "#kw-sidebar a")
    assert [a.text for a in links] == ["Attention", "KV cache", "nanoGPT"]
    assert links[2].get_attribute("aria-current") == "page"
    links[1].click()
    assert browser.current_url.endswith("/kv%20cache.html")


def test_table_of_contents_and_reading_guide(site, browser):
    visit(browser, (site / "repos" / "nanoGPT.html").as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, "a[rel=prev]") == []
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    assert browser.current_url.endswith("/attention.html")
    toc = browser.find_elements(By.CSS_SELECTOR, ".toc a")
    assert [a.text for a in toc] == ["The causal mask", "Example", "Example", "Café & “quotes”"]
    toc[1].click()
    assert browser.current_url.endswith("/attention.html#example")
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    assert browser.current_url.endswith("/kv%20cache.html")
    browser.find_element(By.CSS_SELECTOR, "a[rel=prev]").click()
    assert browser.current_url.endswith("/attention.html")


def test_search_finds_and_opens_a_page(site, browser):
    visit(browser, (site / "attention.html").as_uri())
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "kw-search"
    box.send_keys("kv cache")
    results = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))
    assert results[0].find_element(By.CLASS_NAME, "result-title").text == "KV cache"
    box.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.current_url.endswith("/kv%20cache.html#kv-cache"))


def test_search_on_the_real_wiki_ranks_the_kv_cache_page_first(tmp_path, browser):
    out = tmp_path / "build"
    assert build(Config(wiki=ROOT / "wiki", out=out)).written
    visit(browser, (out / "repos" / "nanoGPT.html").as_uri())
    box = browser.find_element(By.ID, "kw-search")
    box.send_keys("kv cache")
    results = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))
    assert results[0].find_element(By.CLASS_NAME, "result-title").text == "KV cache"
    box.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.current_url.split("#")[0].endswith("/kv-cache.html"))


def test_search_results_show_the_matching_section_and_arrows_pick(site, browser):
    visit(browser, (site / "index.html").as_uri())
    box = browser.find_element(By.ID, "kw-search")
    box.send_keys("causal mask")
    first = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))[0]
    assert first.find_element(By.CLASS_NAME, "result-section").text == "The causal mask"
    box.clear()
    box.send_keys("attention")
    options = wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]")) > 2
                   and d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))
    box.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == options[1].get_attribute("id")
    assert options[1].get_attribute("aria-selected") == "true"
    target = options[1].find_element(By.TAG_NAME, "a").get_attribute("href")
    box.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.current_url == target)


def test_a_graph_node_click_navigates(site, browser):
    visit(browser, (site / "index.html").as_uri())
    browser.execute_script("document.querySelector('.graph-view').scrollIntoView()")  # drawn when in sight
    nodes = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".graph-view a.node"))
    assert sorted(n.text for n in nodes) == ["Attention", "KV cache", "nanoGPT"]
    assert browser.find_elements(By.CSS_SELECTOR, ".graph-view a.node.group-1 rect")  # repos look different
    next(n for n in nodes if n.text == "nanoGPT").find_element(By.TAG_NAME, "text").click()
    wait(browser, lambda d: d.current_url.endswith("/repos/nanoGPT.html"))
    browser.execute_script("document.querySelector('.graph-view').scrollIntoView()")
    around = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".graph-view a.node"))
    assert sorted(n.text for n in around) == ["Attention", "KV cache", "nanoGPT"]
    assert browser.find_element(By.CSS_SELECTOR, ".graph-view a[aria-current=page]").text == "nanoGPT"


def test_hovering_an_internal_link_shows_a_preview(site, browser):
    visit(browser, (site / "attention.html").as_uri())
    preview = browser.find_element(By.ID, "kw-preview")
    ActionChains(browser).move_to_element(browser.find_element(By.LINK_TEXT, "nanoGPT")).perform()
    wait(browser, lambda d: preview.is_displayed())
    assert preview.text == "nanoGPT\nUses attention and a KV cache; see the code."
    ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
    wait(browser, lambda d: not preview.is_displayed())
    ActionChains(browser).move_to_element(browser.find_element(By.LINK_TEXT, "cache")).perform()
    wait(browser, lambda d: preview.is_displayed() and preview.text == "KV cache › Why it helps")
    ActionChains(browser).move_to_element(browser.find_element(By.CSS_SELECTOR, ".toc a")).perform()
    wait(browser, lambda d: not preview.is_displayed())  # the page's own table of contents needs none


def test_theme_follows_the_system_and_the_toggle_sticks(site, browser):
    viewport(browser, 1200, 900, "dark")
    visit(browser, (site / "attention.html").as_uri())
    assert style(browser, "body", "backgroundColor") == DARK_BACKGROUND
    assert style(browser, ".highlight", "backgroundColor") == DARK_CODE
    viewport(browser, 1200, 900, "light")
    browser.refresh()
    assert style(browser, "body", "backgroundColor") == LIGHT_BACKGROUND
    assert style(browser, ".highlight", "backgroundColor") == LIGHT_CODE
    toggle = browser.find_element(By.ID, "kw-theme")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert style(browser, "body", "backgroundColor") == DARK_BACKGROUND
    wait(browser, lambda d: style(d, ".highlight", "backgroundColor") == DARK_CODE)
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()  # another page, and a reload
    assert style(browser, "body", "backgroundColor") == DARK_BACKGROUND
    browser.refresh()
    assert browser.find_element(By.ID, "kw-theme").get_attribute("aria-pressed") == "true"
    browser.find_element(By.ID, "kw-theme").click()
    visit(browser, (site / "attention.html").as_uri())
    assert style(browser, "body", "backgroundColor") == LIGHT_BACKGROUND


def test_no_sideways_scroll_at_phone_width(site, browser):
    viewport(browser, 390, 844)
    for page in ("index.html", "attention.html", "repos/nanoGPT.html", "404.html"):
        visit(browser, (site / page).as_uri())
        browser.find_element(By.ID, "kw-search").send_keys("a")  # open results must fit too
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page} scrolls sideways by {overflow}px at 390px"
    # On a phone the sidebar folds behind a button.
    sidebar = browser.find_element(By.ID, "kw-sidebar")
    assert not sidebar.is_displayed()
    browser.find_element(By.ID, "kw-pages").click()
    assert sidebar.is_displayed() and browser.switch_to.active_element.text == "Attention"


def test_print_shows_the_page_alone(site, browser):
    visit(browser, (site / "attention.html").as_uri())
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    for selector in (".site-header", "#kw-sidebar", ".toc", ".backlinks", ".site-footer"):
        assert style(browser, selector, "display") == "none", selector
    assert browser.find_element(By.TAG_NAME, "article").is_displayed()


def test_the_404_page_leads_back(site, browser):
    visit(browser, (site / "404.html").as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    browser.find_element(By.LINK_TEXT, "the hub").click()
    assert browser.title == "Tiny Wiki"


def test_landmarks_skip_link_alt_text_and_visible_focus(site, browser):
    visit(browser, (site / "attention.html").as_uri())
    for selector in ("header", "main", "footer", "nav#kw-sidebar", "nav.toc", "nav.backlinks", "[role=search]"):
        assert browser.find_elements(By.CSS_SELECTOR, selector), selector
    assert all(img.get_attribute("alt") for img in browser.find_elements(By.TAG_NAME, "img"))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to content" and skip.is_displayed()
    assert browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle") == "solid"
    skip.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "kw-content"


CONTRAST = """
function luminance(rgb) {
  return rgb.slice(0, 3).map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
}
function parse(colour) { return colour.match(/[\\d.]+/g).map(Number); }
function background(element) {
  for (; element; element = element.parentElement) {
    const colour = parse(getComputedStyle(element).backgroundColor);
    if (colour.length < 4 || colour[3] > 0.9) return colour;
  }
  return [255, 255, 255];
}
const failures = [];
for (const element of document.querySelectorAll("body *:not(svg *)")) {
  const text = [...element.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join("");
  const look = getComputedStyle(element);
  if (!text || !element.getClientRects().length || look.visibility === "hidden" || element.closest("[style*=opacity], .permalink")) continue;
  const [a, b] = [luminance(parse(look.color)), luminance(background(element))].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const large = parseFloat(look.fontSize) >= 24 || (parseFloat(look.fontSize) >= 18.66 && look.fontWeight >= 700);
  if (ratio < (large ? 3 : 4.5)) failures.push(`${element.tagName}.${element.className} "${text.slice(0, 30)}" ${ratio.toFixed(2)}`);
}
return failures;
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_passes_wcag_aa(site, browser, scheme):
    viewport(browser, 1280, 900, scheme)
    for page in ("index.html", "attention.html", "kv cache.html"):
        visit(browser, (site / page).as_uri())
        box = browser.find_element(By.ID, "kw-search")
        box.send_keys("attention")  # results, their marks and section names are text too
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-results [role=option]"))
        assert browser.execute_script(CONTRAST) == [], page


@pytest.fixture
def update_screenshots(request) -> bool:
    return request.config.getoption("--update-screenshots")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_screenshots_for_the_readme(update_screenshots, tmp_path, browser, width, height, scheme):
    """The hub and a concept page of the real wiki render, desktop and phone, light and dark;
    with --update-screenshots the pictures replace docs/screenshots/ for the README."""
    out = tmp_path / "build"
    assert build(Config(wiki=ROOT / "wiki", out=out)).written
    viewport(browser, width, height, scheme)
    for name, page in (("hub", "index.html"), ("concept", "attention.html")):
        visit(browser, (out / page).as_uri())
        wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#kw-sidebar li"))
        picture = tmp_path / f"{name}-{'desktop' if width > 600 else 'phone'}-{scheme}.png"
        assert browser.save_screenshot(str(picture)) and picture.stat().st_size > 20_000  # not a blank page
        if update_screenshots:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(picture, SCREENSHOTS / picture.name)


def test_live_reload_shows_the_edit_and_keeps_the_scroll_position(make_wiki, tmp_path, browser):
    long_page = "# Long\n\n" + "\n\n".join(f"Paragraph {n} about attention and caches." for n in range(200)) + "\n\n[hub](index.md)\n"
    wiki = make_wiki({"index.md": "# Hub\n\n[long](long.md)\n", "long.md": long_page})
    server = Served(wiki, tmp_path)
    try:
        visit(browser, f"http://127.0.0.1:{server.port}/long.html")
        wait(browser, lambda b: b.execute_script("return !!document.querySelector('script[src=\"/__karpwiki/live.js\"]')"))
        browser.execute_script("window.scrollTo(0, 2500)")
        scrolled = browser.execute_script("return window.scrollY")
        assert scrolled > 2000
        browser.execute_script("window.__notReloaded = true")
        (wiki / "long.md").write_text(long_page.replace("Paragraph 0 about", "Paragraph zero, edited, about"))
        wait(browser, lambda b: "Paragraph zero, edited" in b.find_element(By.TAG_NAME, "main").text, timeout=10)
        assert browser.execute_script("return window.__notReloaded === undefined")  # a real reload
        wait(browser, lambda b: abs(b.execute_script("return window.scrollY") - scrolled) < 5)

        (wiki / "long.md").write_text(long_page + "\n[broken](nowhere.md)\n")
        overlay = wait(browser, lambda b: b.find_elements(By.ID, "karpwiki-findings"), timeout=10)[0]
        assert "long.md:" in overlay.text and "missing-page" in overlay.text
        (wiki / "long.md").write_text(long_page)
        wait(browser, lambda b: not b.find_elements(By.ID, "karpwiki-findings"), timeout=10)
    finally:
        server.stop()
