// bildungsnetz web: team-written, no libraries. Network filters and highlighting; everything works without it.
"use strict";

function setupNetwork(section) {
  const figure = section.querySelector("figure[data-network]");
  if (!figure) return;
  const nodes = Array.from(figure.querySelectorAll("a.node"));
  const edges = Array.from(figure.querySelectorAll(".edges line"));
  const byId = new Map();
  edges.forEach((line) => {
    for (const end of [line.dataset.a, line.dataset.b]) {
      if (!byId.has(end)) byId.set(end, []);
      byId.get(end).push(line);
    }
  });
  // Hover or keyboard focus on a node lights up its ties.
  nodes.forEach((node) => {
    const on = () => (byId.get(node.dataset.id) || []).forEach((l) => l.classList.add("hot"));
    const off = () => (byId.get(node.dataset.id) || []).forEach((l) => l.classList.remove("hot"));
    node.addEventListener("mouseenter", on);
    node.addEventListener("mouseleave", off);
    node.addEventListener("focus", on);
    node.addEventListener("blur", off);
  });
  const form = section.querySelector("form[data-filters]");
  if (!form) return;
  const count = form.querySelector("[data-count]");
  const apply = () => {
    const kind = form.elements.kind ? form.elements.kind.value : "";
    const field = form.elements.field ? form.elements.field.value : "";
    const mark = form.elements.mark ? form.elements.mark.value : "";
    const visible = new Set();
    nodes.forEach((node) => {
      const fields = (node.dataset.fields || "").split(" ");
      const show = (!kind || node.dataset.kind === kind) && (!field || fields.includes(field));
      node.classList.toggle("off", !show);
      // hidden nodes leave the tab order too
      if (show) { node.removeAttribute("tabindex"); visible.add(node.dataset.id); } else { node.setAttribute("tabindex", "-1"); }
    });
    edges.forEach((l) => l.classList.toggle("off", !(visible.has(l.dataset.a) && visible.has(l.dataset.b))));
    figure.classList.toggle("mark-broker", mark === "broker");
    figure.classList.toggle("mark-isolated", mark === "isolated");
    if (count) count.textContent = count.dataset.template.replace("{n}", String(visible.size));
  };
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".netsection, section").forEach((section) => {
    if (section.querySelector(":scope figure[data-network]") && !section.dataset.ready) {
      section.dataset.ready = "1";
      setupNetwork(section);
    }
  });
});

// Partner finder: names as you type, from the site's own JSON route; the chosen actor's id goes in a hidden field.
function setupActorSuggest(input) {
  const list = document.getElementById(input.getAttribute("list"));
  const hidden = input.form ? input.form.elements.akteur : null;
  if (!list || !hidden) return;
  let timer = null;
  let asked = "";
  const pick = () => {
    const option = Array.from(list.options).find((o) => o.value === input.value);
    hidden.value = option ? option.dataset.id : "";
  };
  input.addEventListener("input", () => {
    pick();
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2 || q === asked) return;
    timer = setTimeout(async () => {
      asked = q;
      try {
        const response = await fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const found = await response.json();
        list.replaceChildren(...found.map((a) => {
          const option = document.createElement("option");
          option.value = a.label;
          option.dataset.id = a.id;
          option.textContent = a.id;
          return option;
        }));
        pick();
      } catch (error) {
        // no suggestions: the form still works, the server resolves the typed name
      }
    }, 200);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-suggest]").forEach(setupActorSuggest);
});
