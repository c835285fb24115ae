"""Lesson 00 seen in a real browser: JupyterLab in headless Chromium runs it, and the scale slider
moves the Deployment — the diagram and the table under it change.

Debian's `chromium` and `chromium-driver` are the browser (`./run test` installs them as root
with apt-get, and says so); Selenium, from PyPI, drives them through /usr/bin/chromedriver.
No browser is downloaded at run time. Where neither is installed the test skips, saying why.
JupyterLab serves a copy of the lesson on 127.0.0.1 (so saving changes nothing in notebooks/),
and every step bounded by a timeout. Screenshots go to artifacts/browser/ (kept by CI):
the slider's diagram before and after it moved, and every lesson's first diagram as
JupyterLab draws it from the notebook's stored outputs (`NN-first-diagram.png`; a lesson
with no diagram, its first output: `NN-first-output.png`).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LESSON = "00-architecture-tour.ipynb"
LESSONS = sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000"]

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if not (os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK)):
    pytest.skip("no browser here: Debian's chromium and chromium-driver are not installed "
                "(./run test installs them as root with apt-get)", allow_module_level=True)

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 serving a copy of the lessons; (url, token)."""
    root = tmp_path_factory.mktemp("lab")
    for lesson in LESSONS:
        shutil.copy(ROOT / "notebooks" / lesson, root / lesson)
    port, token = free_port(), secrets.token_hex(16)
    # Every cell in the page (JupyterLab 4 otherwise draws only those on screen), no news popup.
    settings = tmp_path_factory.mktemp("settings")
    for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                           "apputils-extension/notification": {"fetchNews": "false"}}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               JUPYTER_PLATFORM_DIRS="1", HOME=str(root), JUPYTERLAB_SETTINGS_DIR=str(settings))
    # Trusted, as a notebook one ran oneself is: JupyterLab draws stored SVG only for those.
    subprocess.run([sys.executable, "-m", "jupyter", "trust", *LESSONS], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    server = subprocess.Popen(
        ["timeout", "-k", "5", "600", sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
    yield url, token
    server.terminate()
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def shot(element, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    element.screenshot(str(ARTIFACTS / name))


def menu(driver, top: str, item: str) -> None:
    driver.find_element(By.XPATH, f"//div[contains(@class,'lm-MenuBar-itemLabel') and text()='{top}']").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(
        By.XPATH, f"//div[contains(@class,'lm-Menu-itemLabel') and text()='{item}']")).click()


def slider_area(driver):
    """The slider widget's box: the slider, then the diagram and the table it redraws."""
    return driver.find_element(By.CSS_SELECTOR, ".widget-vbox")


def ready(text: str) -> int | None:
    """The Deployment's ready replicas in the table under the diagram (`3/3` -> 3), once settled."""
    import re
    found = re.search(r"nginx-deployment\s+(\d+)/(\d+)", text)
    return int(found.group(1)) if found and found.group(1) == found.group(2) else None


def test_lesson_00_runs_in_a_browser_and_the_slider_scales_the_deployment(lab, browser):
    try:
        story(lab, browser)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cells = browser.find_elements(By.XPATH, "//div[contains(@class,'jp-CodeCell')][.//*[contains(text(),"
                                                "'scale_widget')]]")
        if cells:
            browser.execute_script("arguments[0].scrollIntoView()", cells[0])
        browser.save_screenshot(str(ARTIFACTS / "00-failed-page.png"))   # what the browser showed
        (ARTIFACTS / "00-failed-page.html").write_text(browser.page_source)
        raise


def story(lab, browser):
    url, token = lab
    browser.get(f"{url}/lab/tree/{LESSON}?token={token}")
    wait = WebDriverWait(browser, 120, poll_frequency=0.5)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"))
    # JupyterLab may ask which kernel to start (a fresh profile has no preference): Python 3.
    try:
        WebDriverWait(browser, 20).until(lambda d: d.find_element(
            By.XPATH, "//div[contains(@class,'jp-Dialog')]//button[.//*[text()='Select'] or text()='Select']")).click()
    except Exception:
        pass
    wait.until(lambda d: d.find_elements(By.XPATH, "//*[contains(text(),'| Idle')]"))
    menu(browser, "Run", "Run All Cells")
    first_diagram = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".jp-RenderedSVG"))
    browser.execute_script("arguments[0].scrollIntoView()", first_diagram)
    shot(first_diagram, "00-first-diagram.png")
    # Widgets are drawn when their cell comes into view, as a reader scrolls down to it.
    scale_cell = wait.until(lambda d: d.find_element(
        By.XPATH, "//div[contains(@class,'jp-CodeCell')][.//*[contains(text(),'scale_widget')]]"))
    browser.execute_script("arguments[0].scrollIntoView()", scale_cell)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-vbox .widget-slider"))

    area = slider_area(browser)
    browser.execute_script("arguments[0].scrollIntoView()", area)
    wait.until(lambda d: ready(slider_area(d).text))
    replicas = ready(slider_area(browser).text)
    before_svg = slider_area(browser).find_element(By.CSS_SELECTOR, ".jp-RenderedSVG").get_attribute("innerHTML")
    shot(area, "00-slider-before.png")

    handle = area.find_element(By.CSS_SELECTOR, ".noUi-handle")
    handle.click()
    for _ in range(2):
        handle.send_keys(Keys.ARROW_RIGHT)
    wait.until(lambda d: ready(slider_area(d).text) == replicas + 2)
    after = slider_area(browser)
    shot(after, "00-slider-after.png")
    assert after.find_element(By.CSS_SELECTOR, ".jp-RenderedSVG").get_attribute("innerHTML") != before_svg


def has_diagram(lesson: str) -> bool:
    """Does the lesson's notebook store a drawn diagram (an SVG output)?"""
    cells = json.loads((ROOT / "notebooks" / lesson).read_text())["cells"]
    return any("image/svg+xml" in output.get("data", {}) for cell in cells for output in cell.get("outputs", []))


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_s_first_diagram_is_drawn_and_kept_as_a_screenshot(lab, browser, lesson):
    """Open the lesson (no kernel needed: the outputs are stored) and photograph its first
    diagram, or its first output when it draws none."""
    url, token = lab
    browser.set_window_size(2200, 1400)   # wide enough that a diagram is not cut by its scroll bar
    browser.get(f"{url}/lab/tree/{lesson}?token={token}")
    wait = WebDriverWait(browser, 120, poll_frequency=0.5)
    panel = ".jp-NotebookPanel:not(.lm-mod-hidden) "   # this lesson's tab, not one opened before
    wanted = panel + (".jp-RenderedSVG" if has_diagram(lesson) else ".jp-OutputArea-output")
    name = f"{lesson[:2]}-first-{'diagram' if has_diagram(lesson) else 'output'}.png"

    def photographed(driver) -> bool:
        # JupyterLab may draw an output again (as the kernel starts): find it afresh until the
        # photograph of a laid-out element succeeds.
        try:
            target = next(element for element in driver.find_elements(By.CSS_SELECTOR, wanted)
                          if element.size["height"] > 20 and element.size["width"] > 50)
            drawn = target.get_attribute("innerHTML")   # inline, or an <img> of the SVG
            assert not has_diagram(lesson) or "<svg" in drawn or "data:image/svg+xml" in drawn
            driver.execute_script("arguments[0].scrollIntoView()", target)
            shot(target, name)
            return True
        except (StopIteration, WebDriverException):
            return False

    wait.until(photographed)
    assert (ARTIFACTS / name).stat().st_size > 1000
