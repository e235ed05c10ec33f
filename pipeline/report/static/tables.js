// The table views: a cell of the HTML table and its box on the page crop light up together;
// a click keeps it lit and shows what the cell holds.
(function () {
  "use strict";
  let pinned = null;

  function partners(el) {
    const section = el.closest(".tview");
    return section ? Array.from(section.querySelectorAll('[data-c="' + el.dataset.c + '"]')) : [el];
  }

  function light(el, cls, yes) {
    for (const p of partners(el)) p.classList.toggle(cls, yes);
  }

  function describe(el) {
    const section = el.closest(".tview");
    const cell = section.querySelector('.cell[data-c="' + el.dataset.c + '"]');
    const detail = section.querySelector(".detail");
    if (cell && detail) detail.textContent = (cell.getAttribute("title") || "").replace(/\n/g, " · ") + " · text: " + cell.textContent;
  }

  for (const el of document.querySelectorAll("[data-c]")) {
    el.addEventListener("mouseenter", () => light(el, "hl", true));
    el.addEventListener("mouseleave", () => light(el, "hl", false));
    el.addEventListener("click", () => {
      if (pinned) light(pinned, "pinned", false);
      pinned = pinned && pinned.dataset.c === el.dataset.c && pinned.closest(".tview") === el.closest(".tview") ? null : el;
      if (pinned) {
        light(pinned, "pinned", true);
        describe(pinned);
      }
    });
  }
})();
