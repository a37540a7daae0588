"""Check the built book in headless Chromium, with no network, the way a reader sees it.

    python .ci/check_book.py [BUILD_DIR] [--strict]        (default: _build/html)

Every built page under book/ is loaded from disk at 1400 px and checked for:

  figures       its output images decode; a regime page (book/<regime>.ipynb, or book/edges/<regime>.ipynb for
                an edge-level regime) shows at least MIN_FIGURES;
  slider        on a regime page whose strength changes anything: the kernel-free strength slider is
                there, its track is labelled with the frames' strengths, moving it with the keyboard
                shows another frame (image source, caption, pixels and the announced value change); at
                1024 x 768 the slider and its figure fit on one screen under the page header, with
                "Back to top" clear of the figure; at 400 px the figure can be shown at full size;
  maths         no raw \\( \\[ or $$ in the visible text (code excepted), and every maths element the
                source produced is typeset by MathJax (which must load from the book, not a CDN);
  console       the browser logs no error (SEVERE), e.g. a script error or a resource that failed to load;
  alt text      every <img> has alt text, and it is not a file name;
  numbering     every figure a cell shows (an image, or the strength slider) is a numbered figure with
                a caption, and the page's text refers to it (a link to the figure, e.g. {numref});
  numbers       no number in the text is written in computer notation (5.5e-08): powers of ten read
                "5.5 × 10⁻⁸" or "below 10⁻¹⁴" (code and program output excepted);
  tables        no table is wider than the text column or scrolls sideways in its box;
  bibliography  (book/bibliography) at least MIN_REFERENCES entries;
  citations     (book/bibliography) every entry is cited (linked to) from at least one other page.

Prints one line per page (ok, or each failing check and why), then a summary. A check listed in
PENDING would be known to fail while the book catches up with it: its failures are listed but do
not fail the run unless --strict is given (none is pending now). Exit status 0 when nothing but
pending checks fails, 1 otherwise.

Needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver) and
the selenium package (in the [dev] extra).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import neurotrace as nt
from neurotrace.deep import EDGE_CIRCUITS, make_deep_circuit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# No network at all, and nothing in the background that would try to reach it.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000")
WIDE, PROJECTOR, PHONE = (1400, 1000), (1024, 768), (400, 800)
MIN_FIGURES = 3  # mechanism (or weights), the rankings, the AUROC bars
MIN_REFERENCES = 12
TIMEOUT = 30  # seconds for a page to load, or MathJax to finish
CHECKS = ("figures", "slider", "maths", "console", "alt text", "numbering", "numbers", "tables", "bibliography",
          "citations")
PENDING: dict[str, str] = {}  # check -> why it is known to fail for now (listed, fails only with --strict)
BIBLIOGRAPHY = "bibliography"


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    driver.set_script_timeout(TIMEOUT)
    return driver


def viewport(driver, size):
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def load(driver, page: Path) -> list[str]:
    """Open ``page`` at 1400 px, wait for it and for MathJax; return the console's errors."""
    from selenium.webdriver.support.ui import WebDriverWait

    viewport(driver, WIDE)
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(page.as_uri())
    WebDriverWait(driver, TIMEOUT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const mj = window.MathJax;
        if (mj && mj.startup && mj.startup.promise) { mj.startup.promise.then(() => done(true), () => done(false)); }
        else { done(null); }""")
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def decoded(driver, image) -> bool:
    return bool(driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", image))


# --- one check each: a list of problems (empty when it passes) -----------------------------------------


def check_figures(driver, is_regime: bool) -> list[str]:
    from selenium.webdriver.common.by import By

    images = driver.find_elements(By.CSS_SELECTOR, ".cell_output img")
    broken = [img for img in images if not decoded(driver, img)]
    problems = [f"{len(broken)} of {len(images)} output image(s) did not decode"] if broken else []
    if is_regime and len(images) - len(broken) < MIN_FIGURES:
        problems.append(f"{len(images) - len(broken)} figure(s) shown, expected at least {MIN_FIGURES}")
    return problems


MATHS_JS = """
const root = document.querySelector('article') || document.body;
const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
const raw = [];
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (n.parentElement.closest(skip)) continue;
  const t = n.textContent;
  const m = t.match(/\\\\\\(|\\\\\\[|\\$\\$/);
  if (m) raw.push(t.slice(Math.max(0, m.index - 25), m.index + 35).replace(/\\s+/g, ' '));
}
const maths = [...root.querySelectorAll('.math')];
const typeset = maths.filter(e => e.querySelector('mjx-container')).length;
const script = [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s));
return {raw: raw, maths: maths.length, typeset: typeset, script: script};
"""


def check_maths(driver) -> list[str]:
    found = driver.execute_script(MATHS_JS)
    problems = [f"raw LaTeX in the text: '{span}'" for span in found["raw"][:3]]
    if len(found["raw"]) > 3:
        problems.append(f"... {len(found['raw']) - 3} more raw LaTeX span(s)")
    if found["maths"] and found["typeset"] < found["maths"]:
        problems.append(f"{found['maths'] - found['typeset']} of {found['maths']} maths element(s) not typeset")
    remote = [s for s in found["script"] if not s.startswith("file:")]
    if remote:
        problems.append(f"MathJax loads from the network: {remote[0]}")
    return problems


def check_console(errors: list[str]) -> list[str]:
    return [f"console error: {message[:160]}" for message in errors]


ALT_JS = """
const file = /(^|[\\/])[^\\s\\/]+\\.(png|jpe?g|gif|svg|webp)$/i;
const hash = /^[0-9a-f]{12,}$/i;
return [...document.querySelectorAll('img')].map(img => {
  const alt = (img.getAttribute('alt') || '').trim();
  const where = (img.closest('.cell') ? 'cell output' : 'page') + ' image '
    + (img.getAttribute('src') || '').slice(0, 40);
  if (!alt) return where + ': no alt text';
  if (file.test(alt) || hash.test(alt.split('/').pop()))
    return where + ': alt text is a file name (' + alt.slice(0, 50) + ')';
  return null;
}).filter(x => x);
"""


def check_alt_text(driver) -> list[str]:
    return list(driver.execute_script(ALT_JS))


NUMBERING_JS = """
const root = document.querySelector('article') || document.body;
const shown = [...root.querySelectorAll('.cell_output img, .cell_output .nt-static-slider')]
  .filter(e => !(e.tagName === 'IMG' && e.closest('.nt-static-slider')));  // a slider's frame is the slider's
const seen = new Set();
const problems = [];
for (const e of shown) {
  const what = e.tagName === 'IMG' ? 'figure ' + (e.getAttribute('alt') || '').slice(0, 40)
                                   : 'strength slider';
  const figure = e.closest('figure');
  if (!figure) { problems.push(what + ': not a numbered figure (no caption)'); continue; }
  if (seen.has(figure)) continue;
  seen.add(figure);
  const number = figure.querySelector('figcaption .caption-number');
  const text = figure.querySelector('figcaption .caption-text');
  if (!number || !text || !text.textContent.trim()) {
    problems.push(what + ': the figure has no numbered caption'); continue;
  }
  const id = figure.id;
  const cited = id && [...root.querySelectorAll('a[href]')].some(a =>
    !figure.contains(a) && a.getAttribute('href').split('#').pop() === id);
  if (!cited) problems.push(number.textContent.trim() + ' (' + (id || 'no id') + ') is not referred to in the text');
}
return problems;
"""


def check_numbering(driver) -> list[str]:
    return list(driver.execute_script(NUMBERING_JS))


NUMBERS_JS = """
const root = document.querySelector('article') || document.body;
const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, .cell_input';
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
const found = [];
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (n.parentElement.closest(skip)) continue;
  const t = n.textContent;
  const m = t.match(/(^|[^\\w.])(\\d+(\\.\\d+)?[eE][-+]\\d+)(?![\\w.])/);
  if (m) found.push(m[2]);
}
return found;
"""


def check_numbers(driver) -> list[str]:
    return [f"a number in computer notation in the text: {number}" for number in driver.execute_script(NUMBERS_JS)]


TABLES_JS = """
const article = document.querySelector('article.bd-article') || document.querySelector('article');
if (!article) return [];
const style = getComputedStyle(article);
const right = article.getBoundingClientRect().right - parseFloat(style.paddingRight);
return [...article.querySelectorAll('table')].map((t, i) => {
  const box = t.parentElement;
  const r = t.getBoundingClientRect();
  const head = (t.querySelector('th, td') || {textContent: ''}).textContent.trim().slice(0, 20);
  const name = `table ${i + 1} ('${head}...')`;
  if (r.right > right + 1) return `${name} runs ${Math.round(r.right - right)} px past the text column`;
  if (box.scrollWidth > box.clientWidth + 1)
    return `${name} is ${box.scrollWidth - box.clientWidth} px too wide for its box (cut off, scrolls sideways)`;
  return null;
}).filter(x => x);
"""


def check_tables(driver) -> list[str]:
    return list(driver.execute_script(TABLES_JS))


def check_slider(driver, name: str) -> list[str]:
    """The kernel-free slider on one regime page (the page is loaded at 1400 px)."""
    import json

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sliders = driver.find_elements(By.CSS_SELECTOR, ".nt-static-slider")
    if not sliders:
        return ["the kernel-free strength slider is missing"]
    slider = sliders[0]
    problems = []
    data = json.loads(slider.find_element(By.CSS_SELECTOR, "script.nt-slider-data").get_attribute("textContent"))
    ticks = [t.text for t in slider.find_elements(By.CSS_SELECTOR, ".nt-slider-ticks span")]
    if ticks != [f"{s:g}" for s in data["strengths"]]:
        problems.append(f"the track's labels {ticks} are not the frames' strengths {data['strengths']}")
    driver.execute_script("arguments[0].scrollIntoView();", slider)
    frame = slider.find_element(By.CSS_SELECTOR, "img.nt-slider-frame")
    caption = slider.find_element(By.CSS_SELECTOR, ".nt-slider-caption")
    control = slider.find_element(By.CSS_SELECTOR, "input[type=range]")
    if not decoded(driver, frame):
        problems.append("the slider's first frame did not decode")
    def shown():
        return (frame.get_attribute("src"), caption.text, frame.screenshot_as_png,
                control.get_attribute("aria-valuetext"))

    before = shown()
    # Move it the way a reader can: focus the slider and press Home (to strength 0).
    control.send_keys(Keys.HOME)
    WebDriverWait(driver, TIMEOUT).until(lambda d: decoded(d, frame))
    after = shown()
    if control.get_attribute("value") != "0":
        problems.append(f"the slider did not move (value {control.get_attribute('value')!r})")
    for what, old, new in zip(("image source", "caption", "pixels", "announced value"), before, after, strict=True):
        if old == new:
            problems.append(f"moving the slider did not change the shown frame's {what}")
    problems += _slider_on_a_projector(driver, slider, frame)
    problems += _slider_on_a_phone(driver, slider, frame)
    viewport(driver, WIDE)
    return problems


def _slider_on_a_projector(driver, slider, frame) -> list[str]:
    viewport(driver, PROJECTOR)
    box = driver.execute_script("""
        const root = arguments[0], frame = arguments[1];
        const header = document.querySelector('.bd-header-article');
        const top = header ? header.getBoundingClientRect().height : 0;
        window.scrollBy(0, root.getBoundingClientRect().top - top - 4);
        const f = frame.getBoundingClientRect();
        const button = document.getElementById('pst-back-to-top');
        let b = null;
        if (button) {
          const shown = button.style.display;
          button.style.display = 'block';  // where it appears when the reader scrolls back up
          const r = button.getBoundingClientRect();
          b = {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
          button.style.display = shown;
        }
        return {frame: {left: f.left, right: f.right, top: f.top, bottom: f.bottom}, height: window.innerHeight,
                button: b};""", slider, frame)
    problems = []
    f, b = box["frame"], box["button"]
    if f["bottom"] > box["height"] + 1:
        problems.append(f"at 1024 x 768 the slider and its figure need {round(f['bottom'])} px, "
                        f"more than the {box['height']} px screen")
    if b and b["left"] < f["right"] and f["left"] < b["right"] and b["top"] < f["bottom"] and f["top"] < b["bottom"]:
        problems.append("at 1024 x 768 'Back to top' covers the slider's figure")
    return problems


def _slider_on_a_phone(driver, slider, frame) -> list[str]:
    from selenium.webdriver.common.by import By

    viewport(driver, PHONE)
    driver.execute_script("window.dispatchEvent(new Event('resize')); arguments[0].scrollIntoView();", slider)
    natural, shown = driver.execute_script("return [arguments[0].naturalWidth, arguments[0].clientWidth];", frame)
    if shown >= natural:
        return []
    zoom = next(iter(slider.find_elements(By.CSS_SELECTOR, "button.nt-slider-zoom")), None)
    if zoom is None or not zoom.is_displayed():
        return [f"at 400 px the figure shows at {shown} of its {natural} px and cannot be enlarged"]
    zoom.click()
    enlarged = driver.execute_script("return arguments[0].clientWidth;", frame)
    zoom.click()
    if enlarged < natural:
        return [f"at 400 px 'Show figure full size' shows the figure at {enlarged} of its {natural} px"]
    return []


BIB_JS = """
return [...document.querySelectorAll('.citation')].map(c => {
  const p = c.querySelector('p');
  return [c.id, p ? p.textContent.trim().slice(0, 70) : c.id];
});
"""


def bibliography(driver, build: Path, pages: list[Path]) -> dict[str, list[str]]:
    """Problems of the bibliography page: too few entries, entries nobody cites."""
    page = build / "book" / f"{BIBLIOGRAPHY}.html"
    if not page.exists():
        return {"bibliography": [f"no bibliography page (book/{BIBLIOGRAPHY})"], "citations": []}
    load(driver, page)
    entries = driver.execute_script(BIB_JS)
    problems = {"bibliography": [], "citations": []}
    if len(entries) < MIN_REFERENCES:
        problems["bibliography"].append(f"{len(entries)} entries, expected at least {MIN_REFERENCES}")
    cited = set()
    for other in pages:
        if other != page:
            text = other.read_text(encoding="utf-8")
            cited |= {ident for ident, _ in entries if f'{BIBLIOGRAPHY}.html#{ident}"' in text}
    problems["citations"] = [f"never cited: {label}" for ident, label in entries if ident not in cited]
    return problems


def strength_matters(name: str) -> bool:
    """Whether the regime's strength changes its network or data (clean and clean_paths ignore it)."""
    if name in EDGE_CIRCUITS:  # an edge-level regime: the structure is fixed, so compare its edges' weights
        a, b = make_deep_circuit(name, strength=0.0), make_deep_circuit(name, strength=1.0)
        return not ((a.edges.weight == b.edges.weight).all() and (a.mixing == b.mixing).all())
    a, b = nt.make_circuit(name, strength=0.0), nt.make_circuit(name, strength=1.0)
    return any(getattr(a, f).shape != getattr(b, f).shape or not (getattr(a, f) == getattr(b, f)).all()
               for f in ("W", "b", "v", "mixing"))


def check_page(driver, page: Path, name: str) -> dict[str, list[str]]:
    """Every check that applies to one page: check -> problems."""
    regimes = {**{r: r for r in nt.CIRCUITS}, **{f"edges/{r}": r for r in EDGE_CIRCUITS}}  # page -> regime
    errors = load(driver, page)
    found = {"figures": check_figures(driver, name in regimes), "maths": check_maths(driver),
             "alt text": check_alt_text(driver), "numbering": check_numbering(driver),
             "numbers": check_numbers(driver), "tables": check_tables(driver)}
    if name in regimes and strength_matters(regimes[name]):
        found["slider"] = check_slider(driver, name)
    found["console"] = check_console(errors + [m for m in (e["message"] for e in driver.get_log("browser")
                                                           if e["level"] == "SEVERE")])
    return found


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    strict = "--strict" in argv
    args = [a for a in argv if a != "--strict"]
    build = (Path(args[0]) if args else ROOT / "_build" / "html").resolve()  # as_uri() needs absolute
    regimes = [name for name in [*nt.CIRCUITS, *(f"edges/{r}" for r in EDGE_CIRCUITS)]
               if (ROOT / "book" / f"{name}.ipynb").exists()]
    missing = [name for name in regimes if not (build / "book" / f"{name}.html").exists()]
    if missing:
        print(f"check_book: no built page for {', '.join(missing)} under {build}; run jupyter-book build . first")
        return 1
    pages = sorted((build / "book").rglob("*.html"))
    try:
        driver = browser()
    except Exception as exc:  # a missing browser or driver: say which, in one line
        print(f"check_book: could not start headless Chromium ({type(exc).__name__}: {exc}".splitlines()[0] + ")")
        return 1
    results = {}  # page name -> check -> problems
    try:
        for page in pages:
            name = page.relative_to(build / "book").with_suffix("").as_posix()
            results[name] = check_page(driver, page, name)
        results.setdefault(BIBLIOGRAPHY, {}).update(bibliography(driver, build, pages))
    finally:
        driver.quit()
    failing, pending = 0, defaultdict(list)
    for name, found in results.items():
        bad = {check: problems for check, problems in found.items() if problems}
        ran = [check for check in CHECKS if check in found]
        if not bad:
            print(f"ok   {name}: {', '.join(ran)}")
            continue
        hard = [check for check in bad if strict or check not in PENDING]
        failing += bool(hard)
        passed = [check for check in ran if check not in bad]
        print(f"{'FAIL' if hard else 'ok* '} {name}: " + (f"{', '.join(passed)} ok; " if passed else "")
              + f"{', '.join(bad)} failed" + ("" if hard else " (pending)"))
        for check, problems in bad.items():
            if check in PENDING and not strict:
                pending[check].append(name)
            for line in problems:
                print(f"     {check}{' (pending)' if check in PENDING and not strict else ''}: {line}")
    for check, names in pending.items():
        print(f"pending: {check} fails on {len(names)} page(s) ({', '.join(names)}): {PENDING[check]}")
    if failing:
        print(f"check_book FAILED: {failing} page(s) fail a check")
        return 1
    print(f"check_book passed: {len(results)} pages" + (f" ({len(pending)} pending check(s))" if pending else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
