"""A plan's page view: one page at a time, its image with the rows of each dataset outlined over it
(drawn by assets/pages.js from the data inlined here)."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.html import document, script_data
from pipeline.report.overlay import plan_overlay
from pipeline.report.plan_page import plan_nav

SKELETON = """\
<div class="pageview">
  <aside class="pagelist" id="pagelist" aria-label="pages"></aside>
  <div class="viewer">
    <div class="toolbar">
      <button id="prev" title="previous page (←)">◀</button>
      <label>page <input id="pageno" type="number" min="1" value="1"></label>
      <span id="pagecount"></span>
      <button id="next" title="next page (→)">▶</button>
      <span id="pageinfo" class="note"></span>
    </div>
    <div id="layers" class="layers" aria-label="datasets shown"></div>
    <div id="page" class="page"><img id="page-img" alt=""><div id="overlay"></div></div>
  </div>
  <aside class="details" id="details">
    <p class="note">Hover over an outline to see its row; click to keep it.</p>
  </aside>
</div>
"""


def render(out: Path, plan_id: str, images: dict[int, str], assets: str) -> str:
    data = plan_overlay(out, plan_id, images)
    body = SKELETON + script_data("PLAN", data)
    return document(f"{plan_id}: pages", body, assets, scripts=["pages.js"], nav=plan_nav(plan_id))
