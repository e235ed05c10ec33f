// Sortable tables: click a header to sort by it, again to reverse. Numeric columns sort as numbers
// (empty cells last), others as text.
(function () {
  "use strict";

  function key(td, numeric) {
    const t = td ? td.textContent.trim() : "";
    if (!numeric) return t;
    if (t === "") return null;
    const n = parseFloat(t.replace(/[,%]/g, ""));
    return Number.isNaN(n) ? null : n;
  }

  function compare(a, b, numeric) {
    if (!numeric) return a.localeCompare(b);
    if (a === null) return b === null ? 0 : 1;
    if (b === null) return -1;
    return a - b;
  }

  for (const table of document.querySelectorAll("table.sortable")) {
    const heads = Array.from(table.tHead.rows[0].cells);
    heads.forEach((th, col) => {
      th.addEventListener("click", () => {
        const numeric = th.classList.contains("num");
        const desc = th.classList.contains("asc");
        heads.forEach((h) => h.classList.remove("asc", "desc"));
        th.classList.add(desc ? "desc" : "asc");
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((r1, r2) => {
          const c = compare(key(r1.cells[col], numeric), key(r2.cells[col], numeric), numeric);
          return desc ? -c : c;
        });
        body.append(...rows);
      });
    });
  }
})();
