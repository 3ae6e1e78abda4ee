"""UI text in English and Chinese, one module per page, each key holding both languages.

Every module in this package defines ``TEXT = {key: (english, chinese)}``; keys are prefixed by
the page ("act.", "smx.", ...) so modules never collide. Keeping both languages on one line keeps
them in step: a test checks that each pair is complete and uses the same {placeholders}.
"""

from __future__ import annotations

import importlib
import pkgutil

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
