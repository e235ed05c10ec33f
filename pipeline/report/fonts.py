"""Chinese labels in matplotlib plots: the Noto Sans CJK SC font that the `mplfonts` package ships (installed
from the package index with the project's test extra), registered with matplotlib and made the default.

Without it matplotlib draws each CJK character as an empty box and warns `Glyph … missing from font(s)`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

FONT_PACKAGE = "mplfonts"
FONT_FILE = "fonts/NotoSansCJKsc-Regular.otf"


def cjk_font_path() -> Path:
    """The font file inside the installed `mplfonts` package."""
    return Path(str(files(FONT_PACKAGE).joinpath(FONT_FILE)))


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib, make it the first sans-serif family; return its family name."""
    from matplotlib import font_manager, rcParams

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    name = str(font_manager.FontProperties(fname=str(path)).get_name())
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [name, *[f for f in rcParams["font.sans-serif"] if f != name]]
    rcParams["axes.unicode_minus"] = False  # the font's hyphen-minus, not U+2212
    return name
