"""Check the built book in headless Chromium: figures render, the kernel-free slider works.

    python .ci/check_book.py [BUILD_DIR]        (default: _build/html)

For every regime that has a page (book/<regime>.ipynb), load the built page from disk with
no network and check that
  * it shows its figures: at least MIN_FIGURES output images, each decoded (natural size > 0);
  * if the regime's strength changes anything, the kernel-free strength slider is there, and moving it with
    the keyboard shows another frame: the image source, the caption and the pixels change.
Every other built page under book/ must show its output images decoded too.
Exit status 0 when every page passes, 1 with one line per problem otherwise.

Needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver) and
the selenium package (in the [dev] extra).
"""

from __future__ import annotations

import sys
from pathlib import Path

import neurotrace as nt

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# No network at all, and nothing in the background that would try to reach it.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,2000")
MIN_FIGURES = 3  # mechanism (or weights), the rankings, the AUROC bars
TIMEOUT = 30  # seconds for a page to load


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    return driver


def decoded(driver, image) -> bool:
    return bool(driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", image))


def check_images(driver, page: Path) -> list[str]:
    """Load ``page``; a problem line if any of its output images fails to decode."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(page.as_uri())
    WebDriverWait(driver, TIMEOUT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    images = driver.find_elements(By.CSS_SELECTOR, ".cell_output img")
    broken = [img for img in images if not decoded(driver, img)]
    return [f"{page.stem}: {len(broken)} of {len(images)} output image(s) did not decode"] if broken else []


def check_page(driver, page: Path, needs_slider: bool) -> list[str]:
    """Problems found on one built regime page (empty when it passes)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    name = page.stem
    driver.get(page.as_uri())
    WebDriverWait(driver, TIMEOUT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    problems = []
    outputs = driver.find_elements(By.CSS_SELECTOR, ".cell_output img")
    broken = [img.get_attribute("alt") or "?" for img in outputs if not decoded(driver, img)]
    if broken:
        problems.append(f"{name}: {len(broken)} output image(s) did not decode")
    if len(outputs) - len(broken) < MIN_FIGURES:
        problems.append(f"{name}: {len(outputs) - len(broken)} figure(s) shown, expected at least {MIN_FIGURES}")
    sliders = driver.find_elements(By.CSS_SELECTOR, ".nt-static-slider")
    if not needs_slider:
        return problems
    if not sliders:
        return problems + [f"{name}: the kernel-free strength slider is missing"]
    slider = sliders[0]
    driver.execute_script("arguments[0].scrollIntoView();", slider)
    frame = slider.find_element(By.CSS_SELECTOR, "img.nt-slider-frame")
    caption = slider.find_element(By.CSS_SELECTOR, ".nt-slider-caption")
    control = slider.find_element(By.CSS_SELECTOR, "input[type=range]")
    if not decoded(driver, frame):
        problems.append(f"{name}: the slider's first frame did not decode")
    before = (frame.get_attribute("src"), caption.text, frame.screenshot_as_png)
    # Move it the way a reader can: focus the slider and press Home (to strength 0).
    control.send_keys(Keys.HOME)
    WebDriverWait(driver, TIMEOUT).until(lambda d: decoded(d, frame))
    after = (frame.get_attribute("src"), caption.text, frame.screenshot_as_png)
    if control.get_attribute("value") != "0":
        problems.append(f"{name}: the slider did not move (value {control.get_attribute('value')!r})")
    for what, old, new in zip(("image source", "caption", "pixels"), before, after, strict=True):
        if old == new:
            problems.append(f"{name}: moving the slider did not change the shown frame's {what}")
    return problems


def strength_matters(name: str) -> bool:
    """Whether the regime's strength changes its network or data (clean ignores it)."""
    a, b = nt.make_circuit(name, strength=0.0), nt.make_circuit(name, strength=1.0)
    return any(getattr(a, f).shape != getattr(b, f).shape or not (getattr(a, f) == getattr(b, f)).all()
               for f in ("W", "b", "v", "mixing"))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    build = (Path(argv[0]) if argv else ROOT / "_build" / "html").resolve()  # as_uri() needs absolute
    regimes = [name for name in nt.CIRCUITS if (ROOT / "book" / f"{name}.ipynb").exists()]
    missing = [name for name in regimes if not (build / "book" / f"{name}.html").exists()]
    if missing:
        print(f"check_book: no built page for {', '.join(missing)} under {build}; run jupyter-book build . first")
        return 1
    try:
        driver = browser()
    except Exception as exc:  # a missing browser or driver: say which, in one line
        print(f"check_book: could not start headless Chromium ({type(exc).__name__}: {exc}".splitlines()[0] + ")")
        return 1
    problems = []
    try:
        for name in regimes:
            needs_slider = strength_matters(name)
            found = check_page(driver, build / "book" / f"{name}.html", needs_slider)
            problems += found
            status = "FAIL" if found else "ok"
            print(f"{status:4s} {name}: figures{' and slider' if needs_slider else ''}")
        others = sorted(p for p in (build / "book").rglob("*.html") if p.stem not in regimes)
        found = [line for page in others for line in check_images(driver, page)]
        problems += found
        print(f"{'FAIL' if found else 'ok':4s} {len(others)} other page(s): output images decode")
    finally:
        driver.quit()
    for line in problems:
        print(f"FAIL {line}")
    if problems:
        return 1
    print(f"check_book passed: {len(regimes)} regime pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
