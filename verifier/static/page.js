// quoteproof page: send the draft to /v1/check and mark each quotation in place.
// Every piece of text from the draft or the corpus goes into the page through
// textContent / createTextNode, never as HTML.
"use strict";

(function () {
  const form = document.getElementById("form");
  const draft = document.getElementById("draft");
  const format = document.getElementById("format");
  const button = document.getElementById("check");
  const summary = document.getElementById("summary");
  const results = document.getElementById("results");
  const marked = document.getElementById("marked");
  const detail = document.getElementById("detail");
  const tokenRow = document.getElementById("token-row");
  const token = document.getElementById("token");
  let findings = [];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // Offsets in code points (as the server counts columns) of each line start.
  function lineStarts(chars) {
    const starts = [0];
    chars.forEach((ch, i) => { if (ch === "\n") starts.push(i + 1); });
    return starts;
  }

  function span(chars, starts, q) {
    const at = (line, column) => (starts[line - 1] ?? chars.length) + column - 1;
    return [at(q.line, q.column), at(q.end_line, q.end_column)];
  }

  // `text` with each of `parts` (in order) wrapped in <tag>.
  function highlighted(text, parts, tag) {
    const out = [];
    let pos = 0;
    for (const part of parts) {
      if (!part) continue;
      let i = text.indexOf(part, pos);
      if (i < 0) i = text.indexOf(part);
      if (i < pos) continue;
      if (i > pos) out.push(document.createTextNode(text.slice(pos, i)));
      out.push(el(tag, {}, part));
      pos = i + part.length;
    }
    if (pos < text.length) out.push(document.createTextNode(text.slice(pos)));
    return out;
  }

  function render(text, doc) {
    const file = doc.files[0];
    findings = file.quotes;
    const chars = Array.from(text.replace(/\r\n?/g, "\n"));
    const starts = lineStarts(chars);
    const spans = findings.map((q, i) => [...span(chars, starts, q), i]).sort((a, b) => a[0] - b[0]);
    marked.replaceChildren();
    let pos = 0;
    for (const [start, end, i] of spans) {
      if (start < pos || end <= start) continue; // nested inside one already marked
      marked.append(chars.slice(pos, start).join(""));
      const q = findings[i];
      marked.append(el("mark", {
        class: "q " + q.verdict, "data-index": String(i), "data-verdict": q.verdict,
        tabindex: "0", role: "button", "aria-pressed": "false", title: q.verdict,
      }, chars.slice(start, end).join("")));
      pos = end;
    }
    marked.append(chars.slice(pos).join(""));
    const s = doc.summary;
    summary.replaceChildren(
      `${s.quotes} quotation${s.quotes === 1 ? "" : "s"}: ${s.verified} verified, ${s.drift} drift, ` +
      `${s.misattributed} misattributed, ${s.unverified} unverified — decision `,
      el("span", { class: "decision " + doc.decision, id: "decision" }, doc.decision));
    detail.hidden = true;
    results.hidden = false;
  }

  function select(mark) {
    for (const m of marked.querySelectorAll("mark.selected")) {
      m.classList.remove("selected");
      m.setAttribute("aria-pressed", "false");
    }
    mark.classList.add("selected");
    mark.setAttribute("aria-pressed", "true");
    const q = findings[Number(mark.dataset.index)];
    const att = q.attribution;
    let credited = "no one";
    if (att) {
      credited = att.name || att.mention;
      if (att.name && att.mention && att.mention !== att.name) credited += ` (“${att.mention}”)`;
      credited += ` — ${att.cue}`;
    }
    let source = "—";
    if (q.source) {
      source = el("span", {}, `${q.source.publisher}, “${q.source.title}” (${q.source.date || "undated"})`);
      if (q.source.at) source.append(", at ", el("time", { id: "detail-at" }, q.source.at));
      if (q.source.url && /^https?:\/\//i.test(q.source.url)) {
        source.append(" ", el("a", { href: q.source.url, rel: "noreferrer noopener" }, "link"));
      }
    }
    const changes = q.drift.filter((c) => c.kind !== "elided" && c.kind !== "bracketed");
    const list = el("ul", { class: "changes" });
    for (const c of q.drift) {
      list.append(el("li", {}, `${c.kind}: “${c.draft}” → “${c.original}”`));
    }
    for (const note of q.notes) list.append(el("li", {}, note));
    detail.replaceChildren(
      el("dl", {},
        el("dt", {}, "Verdict"), el("dd", { id: "detail-verdict" }, `${q.verdict} (${q.severity})`),
        el("dt", {}, "Credited to"), el("dd", {}, credited),
        el("dt", {}, "Said by"), el("dd", { id: "detail-speaker" }, q.speaker || "not in the corpus"),
        el("dt", {}, "Source"), el("dd", { id: "detail-source" }, source),
        el("dt", {}, "Score"), el("dd", {}, String(q.score))),
      el("div", { class: "side" },
        el("div", { id: "side-draft" }, el("h3", {}, "Draft"),
          ...highlighted(q.text, changes.map((c) => c.draft), "del")),
        el("div", { id: "side-original" }, el("h3", {}, "Original"),
          ...(q.original === null ? ["—"] : highlighted(q.original, changes.map((c) => c.original), "ins")))),
      list.childElementCount ? list : null);
    detail.hidden = false;
  }

  async function check() {
    const text = draft.value;
    if (!text.trim()) {
      summary.className = "error";
      summary.textContent = "Paste a draft first.";
      return;
    }
    button.disabled = true;
    summary.className = "";
    summary.textContent = "Checking…";
    const headers = { "Content-Type": "application/json" };
    if (token.value) headers.Authorization = "Bearer " + token.value;
    try {
      const response = await fetch("/v1/check", {
        method: "POST", headers, body: JSON.stringify({ text, format: format.value }),
      });
      const doc = await response.json();
      if (!response.ok) {
        if (response.status === 401) tokenRow.hidden = false;
        summary.className = "error";
        summary.textContent = `${doc.title || response.status}: ${doc.detail || ""}`;
        return;
      }
      render(text, doc);
    } catch (err) {
      summary.className = "error";
      summary.textContent = "The check failed: " + err;
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); check(); });
  draft.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); check(); }
  });
  marked.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.q");
    if (mark) select(mark);
  });
  marked.addEventListener("keydown", (event) => {
    const mark = event.target.closest("mark.q");
    if (mark && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); select(mark); }
  });
})();
