// bildungsnetz questionnaire: team-written, no libraries. Only adds comfort; every step works without it.
"use strict";

// Search over the whole roster: hides entries that do not match and opens the districts that hold a match.
function setupRosterSearch(box) {
  const input = box.querySelector("input[type=search]");
  const count = box.querySelector("[data-template]");
  const form = box.closest("form");
  const items = Array.from(form.querySelectorAll("ul.roster li"));
  const districts = Array.from(form.querySelectorAll("details.district"));
  box.hidden = false;
  const fold = (s) => s.toLocaleLowerCase("de").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/ß/g, "ss");
  const names = items.map((li) => fold(li.dataset.name || ""));
  let timer = null;
  const apply = () => {
    const words = fold(input.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    items.forEach((li, i) => {
      const hit = words.every((w) => names[i].includes(w));
      li.hidden = !hit;
      if (hit) shown += 1;
    });
    districts.forEach((d) => {
      const any = d.querySelector("ul.roster li:not([hidden])") !== null;
      d.hidden = !any;
      if (words.length) d.open = any;
    });
    count.textContent = words.length ? count.dataset.template.replace("{n}", String(shown)) : "";
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 120); });
  // Enter in the search box filters, it does not send the form
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); apply(); } });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-roster-search]").forEach(setupRosterSearch);
  // A confirmation after saving is read out and takes the focus, so keyboard users start from it.
  const message = document.querySelector("#befragung-message .message");
  if (message) document.getElementById("befragung-message").focus();
});
