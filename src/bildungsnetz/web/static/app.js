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
  const hidden = input.form ? input.form.elements[input.dataset.target || "akteur"] : null;
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

// Network pictures: zoom (wheel, + / −), pan (drag the background), drag a dot (its ties follow, and it stays
// there on the next visit of this page), find an actor by name, save the picture as SVG or PNG.
function svgPoint(svg, event) {
  const point = svg.createSVGPoint();
  point.x = event.clientX;
  point.y = event.clientY;
  return point.matrixTransform(svg.getScreenCTM().inverse());
}

function foldName(text) {
  return text.toLowerCase().replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue").replace(/ß/g, "ss");
}

function setupNetworkTools(figure) {
  const svg = figure.querySelector("svg.netsvg");
  const tools = figure.querySelector(".nettools");
  if (!svg || !tools) return;
  tools.hidden = false;
  const whole = svg.getAttribute("viewBox").split(" ").map(Number);
  let box = whole.slice();
  const show = () => svg.setAttribute("viewBox", box.map((v) => v.toFixed(1)).join(" "));
  const zoom = (factor, cx, cy) => {
    const w = Math.min(whole[2] * 4, Math.max(whole[2] / 20, box[2] * factor));
    const h = w * whole[3] / whole[2];
    const x = cx === undefined ? box[0] + box[2] / 2 : cx;
    const y = cy === undefined ? box[1] + box[3] / 2 : cy;
    box = [x - (x - box[0]) * w / box[2], y - (y - box[1]) * h / box[3], w, h];
    show();
  };
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const p = svgPoint(svg, event);
    zoom(event.deltaY > 0 ? 1.2 : 1 / 1.2, p.x, p.y);
  }, { passive: false });

  // Positions moved by hand, kept per page in this browser.
  const key = "bildungsnetz:positions:" + location.pathname;
  const moved = JSON.parse(localStorage.getItem(key) || "{}");
  const place = (node, px, py) => {
    const x = Math.round(px * 10) / 10;
    const y = Math.round(py * 10) / 10;
    const shape = node.querySelector("circle, rect");
    if (shape.tagName === "circle") { shape.setAttribute("cx", x); shape.setAttribute("cy", y); }
    else { shape.setAttribute("x", x - 6); shape.setAttribute("y", y - 6); }
    node.querySelectorAll("text").forEach((t) => {
      const dy = Number(t.dataset.dy || (t.dataset.dy = String(Number(t.getAttribute("y")) - centre(node).y)));
      t.setAttribute("x", x); t.setAttribute("y", y + dy);
    });
    svg.querySelectorAll(`.edges line[data-a="${CSS.escape(node.dataset.id)}"]`).forEach((l) => { l.setAttribute("x1", x); l.setAttribute("y1", y); });
    svg.querySelectorAll(`.edges line[data-b="${CSS.escape(node.dataset.id)}"]`).forEach((l) => { l.setAttribute("x2", x); l.setAttribute("y2", y); });
  };
  function centre(node) {
    const shape = node.querySelector("circle, rect");
    if (shape.tagName === "circle") return { x: Number(shape.getAttribute("cx")), y: Number(shape.getAttribute("cy")) };
    return { x: Number(shape.getAttribute("x")) + 6, y: Number(shape.getAttribute("y")) + 6 };
  }
  const nodes = Array.from(svg.querySelectorAll("a.node"));
  nodes.forEach((node) => {
    const at = moved[node.dataset.id];
    if (at) place(node, at[0], at[1]);
  });

  let drag = null;
  svg.addEventListener("dragstart", (event) => event.preventDefault()); // a dot's link is not dragged away
  svg.addEventListener("pointerdown", (event) => {
    const node = event.target.closest("a.node");
    const p = svgPoint(svg, event);
    drag = { node, start: p, box: box.slice(), moved: false, pointer: event.pointerId };
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const p = svgPoint(svg, event);
    if (drag.node) {
      if (!drag.moved && Math.hypot(p.x - drag.start.x, p.y - drag.start.y) < 3) return;
      if (!drag.moved) svg.setPointerCapture(drag.pointer); // only a drag takes the pointer: a click stays a click
      drag.moved = true;
      place(drag.node, p.x, p.y);
    } else {
      // pan: the point under the pointer stays under it
      const dx = (event.movementX || 0) * box[2] / svg.clientWidth;
      const dy = (event.movementY || 0) * box[3] / svg.clientHeight;
      box[0] -= dx; box[1] -= dy;
      drag.moved = true;
      show();
    }
  });
  const end = () => {
    if (drag && drag.node && drag.moved) {
      const c = centre(drag.node);
      moved[drag.node.dataset.id] = [Math.round(c.x * 10) / 10, Math.round(c.y * 10) / 10];
      localStorage.setItem(key, JSON.stringify(moved));
      const node = drag.node;
      node.addEventListener("click", (e) => e.preventDefault(), { once: true }); // a drag is not a click
    }
    drag = null;
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);

  const find = tools.querySelector("[data-find]");
  const found = tools.querySelector("[data-found]");
  find.addEventListener("input", () => {
    const q = foldName(find.value.trim());
    let n = 0;
    nodes.forEach((node) => {
      const hit = q.length > 1 && foldName(node.getAttribute("aria-label") || "").includes(q);
      node.classList.toggle("found", hit);
      if (hit) n += 1;
    });
    figure.classList.toggle("finding", q.length > 1);
    found.textContent = q.length > 1 ? found.dataset.template.replace("{n}", String(n)) : "";
  });
  find.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = nodes.find((n) => n.classList.contains("found"));
    if (!first) return;
    const c = centre(first);
    box = [c.x - whole[2] / 4, c.y - whole[3] / 4, whole[2] / 2, whole[3] / 2];
    show();
    first.focus();
  });

  const picture = () => {
    const copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("viewBox", whole.join(" "));
    copy.setAttribute("width", String(whole[2]));
    copy.setAttribute("height", String(whole[3]));
    // the page's styles do not travel with the file: write the drawn look onto each element
    const originals = svg.querySelectorAll("line, circle, rect, text");
    copy.querySelectorAll("line, circle, rect, text").forEach((el, i) => {
      const style = getComputedStyle(originals[i]);
      for (const prop of ["fill", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "opacity", "display", "font-size", "font-family", "font-weight", "text-anchor"]) {
        el.style.setProperty(prop, style.getPropertyValue(prop));
      }
    });
    return "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(copy));
  };
  const save = (href, name) => {
    const link = document.createElement("a");
    link.href = href;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  };
  const name = (document.title.split("–")[0].trim() || "netzwerk").replace(/[^\wäöüÄÖÜß-]+/g, "-");
  tools.addEventListener("click", (event) => {
    const act = event.target.closest("button") ? event.target.closest("button").dataset.act : "";
    if (act === "in") zoom(1 / 1.4);
    else if (act === "out") zoom(1.4);
    else if (act === "reset") { box = whole.slice(); show(); }
    else if (act === "svg") save(picture(), name + ".svg");
    else if (act === "png") {
      const image = new Image();
      image.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = whole[2] * 2;
        canvas.height = whole[3] * 2;
        const g = canvas.getContext("2d");
        g.fillStyle = "#fff";
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.drawImage(image, 0, 0, canvas.width, canvas.height);
        save(canvas.toDataURL("image/png"), name + ".png");
      };
      image.src = picture();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("figure[data-network]").forEach(setupNetworkTools);
});

// A page showing "wird berechnet" (data-reload="seconds") reloads itself until the figures are there, but
// never while someone is typing in one of its forms; without script its "reload now" link does the same.
document.addEventListener("DOMContentLoaded", () => {
  const note = document.querySelector("[data-reload]");
  if (!note) return;
  const wait = Math.max(1, Number(note.dataset.reload) || 4) * 1000;
  const later = () => {
    const busy = document.activeElement && document.activeElement.closest("form");
    if (busy) setTimeout(later, wait);
    else window.location.reload();
  };
  setTimeout(later, wait);
});
