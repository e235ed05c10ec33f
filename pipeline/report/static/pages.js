// The page view: draws window.PLAN (pages, layers, rows, boxes) over the page images.
(function () {
  "use strict";
  const D = window.PLAN;
  const byNumber = new Map(D.pages.map((p) => [p.page, p]));
  const on = new Set(D.layers.filter((l) => l.on).map((l) => l.name));
  let current = D.pages.length ? D.pages[0].page : 1;
  let pinned = null;
  const $ = (id) => document.getElementById(id);

  function boxesOf(page) {
    return D.boxes[String(page)] || [];
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function formatValue(v) {
    if (v === null || v === undefined) return "";
    if (Array.isArray(v)) return "[" + v.map(formatValue).join(", ") + "]";
    return String(v);
  }

  function showDetails(li, ri) {
    const layer = D.layers[li];
    const row = D.rows[layer.name][ri];
    const box = $("details");
    box.replaceChildren();
    box.appendChild(el("h3", {}, layer.name + " (" + layer.label + ")"));
    const table = el("table", { class: "row" });
    layer.columns.forEach((c, i) => {
      const tr = el("tr");
      tr.appendChild(el("td", {}, c));
      tr.appendChild(el("td", { "data-column": c }, formatValue(row[i])));
      table.appendChild(tr);
    });
    box.appendChild(table);
    box.appendChild(el("p", { class: "note" }, pinned ? "Click the outline again (or press Esc) to let go." : "Click to keep."));
  }

  function clearDetails() {
    $("details").replaceChildren(el("p", { class: "note" }, "Hover over an outline to see its row; click to keep it."));
  }

  function unpin() {
    if (pinned) pinned.classList.remove("pinned");
    pinned = null;
  }

  function onBoxClick(ev) {
    const b = ev.currentTarget;
    if (pinned === b) {
      unpin();
      clearDetails();
      return;
    }
    unpin();
    pinned = b;
    b.classList.add("pinned");
    showDetails(Number(b.dataset.li), Number(b.dataset.ri));
  }

  function drawBoxes(page) {
    const overlay = $("overlay");
    overlay.replaceChildren();
    unpin();
    const found = boxesOf(page.page).filter((b) => on.has(D.layers[b[0]].name));
    // larger boxes first, so that the cells inside a table stay on top and clickable
    found.sort((a, b) => (b[4] - b[2]) * (b[5] - b[3]) - (a[4] - a[2]) * (a[5] - a[3]));
    for (const [li, ri, x0, top, x1, bottom] of found) {
      const layer = D.layers[li];
      const b = el("div", {
        class: "box",
        "data-layer": layer.name,
        "data-li": String(li),
        "data-ri": String(ri),
        title: layer.label + ": " + layer.summaries[ri],
      });
      b.style.left = (100 * x0) / page.w + "%";
      b.style.top = (100 * top) / page.h + "%";
      b.style.width = (100 * (x1 - x0)) / page.w + "%";
      b.style.height = (100 * (bottom - top)) / page.h + "%";
      b.style.borderColor = layer.colour;
      b.addEventListener("mouseenter", () => { if (!pinned) showDetails(li, ri); });
      b.addEventListener("click", onBoxClick);
      overlay.appendChild(b);
    }
  }

  function drawLayerCounts(page) {
    const counts = new Map();
    for (const b of boxesOf(page.page)) counts.set(b[0], (counts.get(b[0]) || 0) + 1);
    D.layers.forEach((l, i) => {
      const n = document.querySelector('.layers label[data-layer="' + l.name + '"] .n');
      if (n) n.textContent = String(counts.get(i) || 0);
    });
  }

  function show(number) {
    const page = byNumber.get(number) || D.pages[0];
    if (!page) return;
    current = page.page;
    const img = $("page-img");
    const holder = $("page");
    holder.style.aspectRatio = page.w + " / " + page.h;
    if (page.img) {
      holder.classList.remove("noimg");
      img.src = page.img;
      img.alt = "page " + page.page;
    } else {
      holder.classList.add("noimg");
      img.removeAttribute("src");
    }
    $("pageno").value = String(page.page);
    const printed = page.printed ? ", printed " + page.printed : "";
    $("pageinfo").textContent = (page.kind || "") + printed;
    drawBoxes(page);
    drawLayerCounts(page);
    for (const a of document.querySelectorAll(".pagelist a")) {
      a.classList.toggle("current", a.dataset.page === String(page.page));
    }
    const cur = document.querySelector(".pagelist a.current");
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: "nearest" });
    if (location.hash !== "#p=" + page.page) history.replaceState(null, "", "#p=" + page.page);
    clearDetails();
  }

  function buildLayers() {
    const box = $("layers");
    D.layers.forEach((l) => {
      const label = el("label", { "data-layer": l.name });
      const cb = el("input", { type: "checkbox", value: l.name });
      cb.checked = on.has(l.name);
      cb.addEventListener("change", () => {
        if (cb.checked) on.add(l.name); else on.delete(l.name);
        show(current);
      });
      const swatch = el("span", { class: "swatch" });
      swatch.style.borderColor = l.colour;
      label.append(cb, swatch, document.createTextNode(l.label + " "), el("span", { class: "n" }, "0"));
      box.appendChild(label);
    });
  }

  function marks(page) {
    const names = new Set(boxesOf(page).map((b) => D.layers[b[0]].name));
    return (names.has("sidebars") ? "S" : "") + (names.has("tables") || names.has("table_cells") ? "T" : "");
  }

  function buildPageList() {
    const list = $("pagelist");
    for (const p of D.pages) {
      const a = el("a", { href: "#p=" + p.page, "data-page": String(p.page) }, "p." + p.page);
      if (p.kind && p.kind !== "body") a.appendChild(el("span", { class: "marks" }, p.kind));
      const m = marks(p.page);
      if (m) a.appendChild(el("span", { class: "marks", title: "S: sidebar, T: table" }, m));
      list.appendChild(a);
    }
  }

  function fromHash() {
    const m = /p=(\d+)/.exec(location.hash);
    return m ? Number(m[1]) : current;
  }

  buildLayers();
  buildPageList();
  $("pagecount").textContent = "of " + D.pages.length;
  $("prev").addEventListener("click", () => show(current - 1));
  $("next").addEventListener("click", () => show(current + 1));
  $("pageno").addEventListener("change", (e) => show(Number(e.target.value)));
  window.addEventListener("hashchange", () => show(fromHash()));
  document.addEventListener("keydown", (e) => {
    if (e.target && e.target.tagName === "INPUT") return;
    if (e.key === "ArrowLeft") show(current - 1);
    else if (e.key === "ArrowRight") show(current + 1);
    else if (e.key === "Escape") { unpin(); clearDetails(); }
  });
  show(fromHash());
})();
