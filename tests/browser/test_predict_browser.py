"""Predict, then reveal, in a real browser, with the keyboard only: open a question, choose an
answer, commit, see the answer (and that the choice stays out of the address bar)."""

from __future__ import annotations

from bench.browserlib import wait_for_app_idle
from derivs_app.i18n import t

LOAD_TIMEOUT = 90_000  # a first run on a busy 2-core machine imports numpy, scipy, sympy, plotly
CHANGE_TIMEOUT = 45_000
QUESTION = ".st-key-q_smx_rows"


def test_keyboard_only_choose_commit_and_see_the_answer(page, page_log, app_url):
    page.goto(f"{app_url}/softmax", wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    summary = page.locator(f"{QUESTION} summary")
    summary.wait_for(timeout=LOAD_TIMEOUT)
    assert t("q.smx_rows.title") in summary.inner_text()
    why = t("q.smx_rows.why")[:40]
    assert page.get_by_text(why).count() == 0

    summary.focus()  # the keyboard's starting point: the question's own line
    page.keyboard.press("Enter")  # opens the expander
    radios = page.locator(f"{QUESTION} input[type=radio]")
    radios.first.wait_for(state="attached", timeout=CHANGE_TIMEOUT)
    page.keyboard.press("Tab")  # into the radio group: nothing is chosen yet
    assert page.evaluate("() => document.activeElement.type") == "radio"
    page.keyboard.press("ArrowDown")  # "1"
    page.keyboard.press("ArrowUp")  # back to "0", the right answer
    assert radios.first.is_checked()
    page.wait_for_timeout(500)
    assert page.get_by_text(why).count() == 0  # choosing alone shows nothing

    page.keyboard.press("Tab")  # the Commit button, named by its plain-text label
    commit = page.get_by_role("button", name=t("q.commit"), exact=True)
    assert commit.evaluate("(b) => b === document.activeElement")
    page.keyboard.press("Enter")
    page.get_by_text(why).wait_for(timeout=CHANGE_TIMEOUT)
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    right = t("q.right", answer=t("q.smx_rows.opt.zero"))
    assert page.locator(f"{QUESTION} [data-testid=stAlert]", has_text=right).count() == 1
    assert page.locator(f"{QUESTION} .js-plotly-plot").count() == 1  # J, drawn for the answer
    assert "q_smx_rows" not in page.url and "choice" not in page.url
    assert page.locator("[data-testid=stException]").count() == 0
    page_log.assert_clean()
