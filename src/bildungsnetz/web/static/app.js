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

// SDG review queue: a decision is sent in the background and its result shown in its own row (no page jump);
// J / K move between suggestions, B confirms, A rejects. Without script the forms post and the page comes back.
function setupReview(table) {
  const rows = Array.from(table.querySelectorAll("tbody tr"));
  const counter = document.querySelector("[data-open]");
  const decide = async (form) => {
    const row = form.closest("tr");
    const note = row.querySelector(".saved");
    const status = form.elements.status.value;
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const answer = await response.json();
      const template = status === "bestaetigt" ? note.dataset.savedConfirm : note.dataset.savedReject;
      note.textContent = template.replace("{by}", answer.result.by);
      row.classList.add("done");
      row.querySelectorAll("form").forEach((f) => f.remove());
      if (counter && !row.dataset.counted) {
        row.dataset.counted = "1";
        counter.textContent = String(Math.max(0, Number(counter.textContent) - 1));
      }
    } catch (error) {
      note.textContent = note.dataset.failed;
      row.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  };
  table.querySelectorAll("form[data-decide]").forEach((form) => {
    form.addEventListener("submit", (event) => { event.preventDefault(); decide(form); });
  });
  const current = () => rows.indexOf(document.activeElement.closest ? document.activeElement.closest("tr") : null);
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
    const key = event.key.toLowerCase();
    let at = current();
    if (key === "j" || key === "k") {
      at = key === "j" ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1);
      rows[at].focus();
      event.preventDefault();
    } else if ((key === "b" || key === "a") && at >= 0) {
      const form = rows[at].querySelector(`form[data-decide] button[data-status="${key === "b" ? "bestaetigt" : "abgelehnt"}"]`);
      if (form) { decide(form.form); event.preventDefault(); }
      const next = rows.slice(at + 1).find((r) => !r.classList.contains("done"));
      if (next) next.focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const queue = document.querySelector("table[data-queue]");
  if (queue) setupReview(queue);
});
