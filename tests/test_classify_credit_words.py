"""An advertorial word in a closing credit, and words that merely start like one.

"(advokasi/red)" (an advocacy desk) and "(adventure/red)" are newsroom credits, not paid
content: only "adv" alone, joined to digits, a government word or a place, or a misspelt
"advertorial" marks an advertorial."""

from __future__ import annotations

import pytest

from syndication.normalize import classify
from syndication.types import NormalizeContext
from tests.test_normalize_golden import build_ctx


@pytest.fixture(scope="module")
def ctx() -> NormalizeContext:
    return build_ctx()


def _advertorial(ctx: NormalizeContext, credit: str) -> bool:
    return classify("Rapat kerja", "Isi berita.", credit, None, (), (), None, ctx).advertorial


@pytest.mark.parametrize(
    "credit",
    ["(advokasi/red)", "(adventure/ed)", "(Advokat/Rdk)", "(advisor/ksm)"],
)
def test_a_word_starting_like_adv_is_no_advertorial(ctx: NormalizeContext, credit: str) -> None:
    assert _advertorial(ctx, credit) is False


@pytest.mark.parametrize(
    "credit",
    [
        "(adv)",
        "(*/adv)",
        "(adv/hms7)",
        "(Adv/KominfoKukar/Ksm)",
        "(adv1/red)",
        "(advkukar)",
        "(AdvDiskominfo/ed)",
        "(advetorial/red)",
        "(advertorial)",
        "(pariwara/red)",
        "(iklan/ksm)",
    ],
)
def test_an_advertorial_credit_still_marks_one(ctx: NormalizeContext, credit: str) -> None:
    assert _advertorial(ctx, credit) is True
