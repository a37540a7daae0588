"""Open the book's notebooks in a real JupyterLab, in headless Chromium, and check what a student sees.

    python -m pip install -e ".[dev,lab]"     # selenium (dev), JupyterLab, jupyterlab-myst, nbstripout (lab)
    python .ci/check_lab.py                   # the five regime pages and two exercises
    python .ci/check_lab.py --all --out /tmp/lab-shots

It copies the working tree into a throw-away git clone (tracked and untracked, not ignored files),
sets up the notebook filter there (``scripts/keep_notebooks_clean.py``), starts ``jupyter lab`` on
it and drives Debian's ``/usr/bin/chromium`` through ``/usr/bin/chromedriver`` (selenium). For each
page it runs every cell (Run All, as a student would) and checks:

- no cell raises;
- the prose shows numbers: every ``{eval}`` role of every markdown cell was evaluated by
  jupyterlab-myst without error, its value appears in the rendered text, and no raw role
  (``{eval}``, ``{glue:text}``) is left;
- on a regime page with a live explorer, its + button moves the strength and the figure is redrawn;
- on an exercise page, the checker answers the stub with a hint, the page says it runs on the
  reference solution, and every solution (and Exercise 4's going-further table) is folded shut;
- after saving the notebook (with its outputs), ``git diff`` in the clone is empty and ``git add``
  stages nothing.

It saves a screenshot of each page (``--out``) and prints one line per check; the exit status is 1
if any check fails. Nothing here needs the network (JupyterLab runs on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,2000")
REGIMES = ("clean", "confounded", "suppressor", "redundant", "interaction")
DEFAULT_PAGES = (*REGIMES, "exercises/01_gradient", "exercises/04_decoy")
EVAL_ROLE = re.compile(r"\{eval\}`([^`]*)`")
# Where each page's screenshot is taken: the first heading with this text, scrolled to the top.
SHOT_AT = {"clean": "What each method sees", "confounded": "What each method sees",
           "suppressor": "What each method sees", "redundant": "What each method sees",
           "interaction": "What each method sees", "exercises/01_gradient": "Check it",
           "exercises/04_decoy": "Score it with"}

# JavaScript run in the page. `jupyterapp` is exposed by --LabApp.expose_app_in_browser.
JS_NOTEBOOK = "const panel = window.jupyterapp && jupyterapp.shell.currentWidget;"
JS_READY = JS_NOTEBOOK + """
return !!(panel && panel.content && panel.sessionContext && panel.sessionContext.session
          && panel.sessionContext.session.kernel && panel.context.isReady);"""
JS_PROGRESS = JS_NOTEBOOK + """
const session = panel && panel.sessionContext && panel.sessionContext.session;
if (!session || !session.kernel) return ['no kernel', -1];
const status = session.kernel.status;
let pending = 0;
for (const cell of panel.content.widgets) {
  if (cell.model.type === 'code' && (cell.model.executionCount === null || cell.model.executionState === 'running')) {
    pending++;
  }
}
return [status, pending];"""
# How many {eval} roles jupyterlab-myst has parsed in each markdown cell. It evaluates a markdown cell's
# roles from the notebook's rendered MyST when the cell runs; on a notebook that is still rendering (a
# few seconds after opening, more on a busy machine) a cell run then finds no role to evaluate, and
# the text keeps showing the expression until the cell runs again. A student reads before running;
# the check waits for the rendering as well.
JS_PARSED = JS_NOTEBOOK + """
function count(node) {
  let n = node && node.type === 'inlineExpression' ? 1 : 0;
  for (const child of (node && node.children) || []) n += count(child);
  return n;
}
return panel.content.widgets.filter(c => c.model.type === 'markdown')
  .map(c => count(c.mystModel && c.mystModel.mdast));"""
JS_CELLS = JS_NOTEBOOK + """
return panel.content.widgets.map(cell => {
  const rendered = cell.node.querySelector('.myst');
  const outputs = cell.model.type === 'code' ? cell.model.outputs.toJSON() : [];
  return {
    type: cell.model.type,
    source: cell.model.sharedModel.getSource(),
    expressions: cell.model.type === 'markdown' ? (cell.model.getMetadata('user_expressions') || []) : [],
    text: rendered ? rendered.textContent : '',
    errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
    html: cell.model.type === 'code' ? cell.node.querySelector('.jp-OutputArea') ?.innerHTML || '' : '',
  };
});"""


class Failed(AssertionError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clone(workdir: Path) -> Path:
    """The working tree as a fresh git clone with the notebook filter set up."""
    clone = workdir / "clone"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / name)

    def git(*args):
        return subprocess.run(["git", *args], cwd=clone, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("config", "user.email", "check-lab@localhost")
    git("config", "user.name", "check_lab")
    subprocess.run([sys.executable, "scripts/keep_notebooks_clean.py"], cwd=clone, check=True, capture_output=True)
    git("add", "-A")
    git("commit", "-q", "-m", "the working tree")
    return clone


def _start_lab(clone: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(workdir / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"), JUPYTER_RUNTIME_DIR=str(workdir / "runtime"))
    # No news pop-up over the page (a question about fetching Jupyter news from the internet).
    settings = workdir / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={clone}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(workdir / "jupyter-lab.log", "w")  # noqa: SIM115 (closed with the process)
    server = subprocess.Popen(command, cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                # One workspace per page, reset: JupyterLab opens that page alone, not the last session's tabs.
                return server, f"{base}/lab/workspaces/{{workspace}}/tree/{{page}}.ipynb?reset&token={token}"
        except OSError:
            if server.poll() is not None:
                raise Failed(f"jupyter lab exited: see {workdir / 'jupyter-lab.log'}") from None
            time.sleep(0.5)
    raise Failed("jupyter lab did not answer within 60 s")


def _stop_kernels(url: str) -> None:
    """Shut down every kernel the server runs (one page's kernel before the next page opens)."""
    base, token = url.split("/lab/", 1)[0], url.rsplit("token=", 1)[1]
    with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=10) as reply:
        kernels = json.load(reply)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='check-lab-chromium-')}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _wait(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise Failed(f"timed out after {timeout:.0f} s waiting for {what}")


def _unquote(text: str) -> str:
    """What jupyterlab-myst shows for a text/plain result: a string's quotes are stripped."""
    return re.sub(r"^(['\"])(.*)\1$", r"\2", text, flags=re.S)


def _check_prose(cells) -> str:
    shown = 0
    for i, cell in enumerate(cells):
        if cell["type"] != "markdown":
            continue
        wanted = EVAL_ROLE.findall(cell["source"])
        if "{glue" in cell["text"] or "{eval}" in cell["text"]:
            raise Failed(f"markdown cell {i} shows a raw role: {cell['text'][:160]!r}")
        if not wanted:
            continue
        got = {e["expression"]: e["result"] for e in cell["expressions"]}
        missing = [w for w in wanted if w not in got]
        if missing:
            raise Failed(f"markdown cell {i}: {len(missing)} expression(s) never evaluated, e.g. {missing[0]!r}")
        for expression in wanted:
            result = got[expression]
            if result.get("status") != "ok":
                raise Failed(f"markdown cell {i}: {{eval}}`{expression}` failed: {result.get('ename')}: "
                             f"{result.get('evalue')}")
            value = _unquote(result["data"]["text/plain"])
            if value not in cell["text"]:
                raise Failed(f"markdown cell {i}: the value {value!r} of {expression!r} is not in the rendered text")
            shown += 1
    return f"the prose shows all {shown} numbers and names it quotes"


def _check_explorer(driver) -> str:
    from selenium.webdriver.common.by import By

    buttons = [b for b in driver.find_elements(By.CSS_SELECTOR, "button.jupyter-button") if b.text.strip() == "+"]
    if not buttons:
        raise Failed("no explorer + button on the page")
    readout = driver.find_elements(By.CSS_SELECTOR, ".widget-slider .widget-readout")[-1]
    image = driver.find_elements(By.CSS_SELECTOR, ".jupyter-widgets img")[-1]
    before, picture = readout.text.strip(), image.get_attribute("src")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", buttons[-1])
    buttons[-1].click()
    _wait(lambda: readout.text.strip() != before and image.get_attribute("src") != picture, 60,
          "the explorer to move and redraw after a click on +")
    return f"the explorer's + moves the strength ({before} -> {readout.text.strip()}) and redraws the figure"


def _check_exercise(cells) -> str:
    html = " ".join("\n".join(c["html"] for c in cells if c["type"] == "code").split())
    if "not written yet" not in html or "Hint: " not in html:
        raise Failed("no hint from the checker on the stub")
    if "Traceback" in html:
        raise Failed("a traceback on the exercise page")
    if "does not pass the checker yet" not in html:
        raise Failed("the page does not say it runs on the reference solution")
    folds = re.findall(r"<details[^>]*>", html)
    if not folds or any(" open" in f for f in folds):
        raise Failed("the solution is not folded shut")
    return f"the stub gets a hint, the page runs on the reference, {len(folds)} solution fold(s) closed"


def _check_clean(driver, clone: Path, page: str) -> str:
    driver.execute_script("jupyterapp.commands.execute('docmanager:save');")
    path = clone / "book" / f"{page}.ipynb"

    def saved_with_outputs():
        try:
            return any(c.get("outputs") for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
        except ValueError:  # caught mid-write
            return False

    _wait(saved_with_outputs, 30, "the notebook to be saved with its outputs")

    def git(*args):
        return subprocess.run(["git", *args], cwd=clone, check=True, capture_output=True, text=True).stdout

    if git("diff", "--stat"):
        raise Failed(f"git diff after saving: {git('diff', '--stat').strip()}")
    git("add", "-A")
    if git("diff", "--cached", "--stat"):
        raise Failed(f"git add stages a change after saving: {git('diff', '--cached', '--stat').strip()}")
    return "saved with its outputs, the clone shows no diff and nothing to commit"


def _screenshot(driver, page: str, out: Path) -> Path:
    heading = SHOT_AT.get(page)
    if heading:
        driver.execute_script("""
          const h = [...document.querySelectorAll('.jp-MarkdownCell h1, .jp-MarkdownCell h2, .jp-MarkdownCell h3')]
            .find(e => e.textContent.includes(arguments[0]));
          if (h) h.scrollIntoView({block: 'start'});""", heading)
        time.sleep(1.5)
    path = out / (page.replace("/", "_") + ".png")
    driver.save_screenshot(str(path))
    return path


def check_page(driver, url: str, clone: Path, page: str, out: Path, timeout: float) -> list[str]:
    driver.get(url.format(page=f"book/{page}", workspace=re.sub(r"\W", "-", page)))
    _wait(lambda: driver.execute_script(JS_READY), 120, "the notebook and its kernel")
    _wait(lambda: driver.execute_script(JS_PROGRESS)[0] == "idle", 120, "the kernel to start")
    wanted = [len(EVAL_ROLE.findall(c["source"])) for c in driver.execute_script(JS_CELLS) if c["type"] == "markdown"]
    _wait(lambda: driver.execute_script(JS_PARSED) == wanted, 120, "jupyterlab-myst to render the page")
    start = time.monotonic()
    driver.execute_script("jupyterapp.commands.execute('notebook:run-all-cells');")
    _wait(lambda: (lambda s: s[0] == "idle" and s[1] == 0)(driver.execute_script(JS_PROGRESS)), timeout,
          "Run All to finish")
    seconds = time.monotonic() - start
    cells = driver.execute_script(JS_CELLS)
    errors = [(i, e) for i, c in enumerate(cells) for e in c["errors"]]
    if errors:
        raise Failed(f"cell {errors[0][0]} raised {errors[0][1]}")
    # jupyterlab-myst evaluates each markdown cell's roles, stores the values, then re-renders the cell.
    end = time.monotonic() + 60
    while True:
        try:
            prose = _check_prose(driver.execute_script(JS_CELLS))
            break
        except Failed:
            if time.monotonic() > end:
                raise
            time.sleep(1)
    lines = [f"Run All: {sum(c['type'] == 'code' for c in cells)} code cells without an error in {seconds:.0f} s",
             prose]
    if page in REGIMES and "widgets.explorer(" in "".join(c["source"] for c in cells):
        lines.append(_check_explorer(driver))
    if page.startswith("exercises/0"):
        lines.append(_check_exercise(cells))
    lines.append(f"screenshot {_screenshot(driver, page, out)}")
    lines.append(_check_clean(driver, clone, page))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*",
                        help=f"pages under book/, without .ipynb (default: {' '.join(DEFAULT_PAGES)})")
    parser.add_argument("--all", action="store_true", help="every notebook of the book")
    parser.add_argument("--out", type=Path, default=None, help="folder for the screenshots (default: a temp folder)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for Run All on one page")
    args = parser.parse_args(argv)
    pages = sorted(str(p.relative_to(ROOT / "book").with_suffix("")) for p in (ROOT / "book").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts) if args.all else (args.pages or list(DEFAULT_PAGES))
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not Path(tool).exists():
            print(f"check_lab: {tool} is missing (apt-get install chromium chromium-driver)", file=sys.stderr)
            return 2
    try:
        import jupyterlab_myst  # noqa: F401
        import nbstripout  # noqa: F401
        import selenium  # noqa: F401
    except ImportError as error:
        print(f'check_lab: {error.name} is missing: python -m pip install -e ".[dev,lab]"', file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="check-lab-"))
    out = args.out or workdir / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    clone = _clone(workdir)
    server, url = _start_lab(clone, workdir)
    driver = None
    try:
        driver = _browser()
        for page in pages:
            print(f"\n{page}")
            try:
                for line in check_page(driver, url, clone, page, out, args.timeout):
                    print(f"  ok    {line}")
            except Failed as failure:
                failures += 1
                print(f"  FAIL  {failure}")
                driver.save_screenshot(str(out / (page.replace("/", "_") + ".failed.png")))
            _stop_kernels(url)
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"\n{len(pages) - failures} of {len(pages)} pages as a student should see them; screenshots in {out}")
    if not failures:
        shutil.rmtree(workdir / "clone", ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
