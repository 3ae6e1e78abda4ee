"""UI text in English and Chinese, one module per page, each key holding both languages.

Every module in this package defines ``TEXT = {key: (english, chinese)}``; keys are prefixed by
the page ("act.", "smx.", ...) so modules never collide. Keeping both languages on one line keeps
them in step: a test checks that each pair is complete and uses the same {placeholders}.
"""

from __future__ import annotations

import importlib
import pkgutil

from derivs.numeric import CheckResult, mismatches

LANGUAGES = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"


def _collect() -> dict[str, tuple[str, str]]:
    text: dict[str, tuple[str, str]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in module.TEXT.items():
            if key in text:
                raise KeyError(f"text key {key!r} is defined twice (again in {info.name})")
            text[key] = pair
    return text


TEXT = _collect()


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fmt) -> str:
    """The text for key in lang, formatted with fmt; an unknown key shows itself, loudly."""
    pair = TEXT.get(key)
    if pair is None:
        return f"⟦{key}⟧"
    s = pair[1] if lang == "zh" else pair[0]
    return s.format(**fmt) if fmt else s


def language_from_locale(locale: str | None) -> str:
    """'zh' for any Chinese browser locale (zh, zh-CN, zh-TW, ...), else English."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANGUAGE


# sympy writes the conditions of a Piecewise in English; these are the Chinese words for them.
_PIECEWISE_WORDS = {"zh": ((r"\text{for}\:", r"\text{当}\:"), (r"\text{otherwise}", r"\text{其他}"))}


def localized_latex(tex: str, lang: str) -> str:
    """tex with sympy's Piecewise words ("for", "otherwise") in the reader's language."""
    for english, local in _PIECEWISE_WORDS.get(lang, ()):
        tex = tex.replace(english, local)
    return tex


def check_report(result: CheckResult, lang: str = DEFAULT_LANGUAGE) -> str:
    """The gradient check's report in lang: the verdict, then up to 5 failing entries with
    numerical vs analytical side by side. In English it is ``CheckResult.message`` itself."""
    p, size = result.preset, result.analytical.size
    if result.ok:
        return t("check.agree", lang, preset=p.label, n=size)
    failed = mismatches(result, limit=None)
    lines = [t("check.mismatch", lang, preset=p.label, bad=len(failed), n=size)]
    lines += [t("check.entry", lang, index=m.index, numerical=f"{m.numerical:.10g}",
                analytical=f"{m.analytical:.10g}", rel=f"{m.rel_error:.2e}") for m in failed[:5]]
    if len(failed) > 5:
        lines.append(t("check.more", lang, more=len(failed) - 5))
    return "\n".join(lines)
