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
  const picker = document.getElementById("file");
  let findings = [];
  const SCORE_HELP = "how closely the words match the original: the words both have in the same order, out of "
    + "the quotation’s words plus any of the original’s it leaves out (100 is word for word; for an unverified "
    + "quotation, the closest quote in the corpus)";
  const TOKEN_NEEDED = "This checker is only for your newsroom: type the access token you were given in the "
    + "Token box, then press Check again.";
  const TOKEN_REFUSED = "That access token was not accepted. Check it for typing mistakes, or ask whoever runs "
    + "the checker for the current one, then press Check again.";
  // The key below the two panes: what each kind of marked word means.
  const CHANGE_KEY = el("p", { class: "change-key muted" }, "Marked: ",
    el("mark", { class: "changed" }, "changed"), " · ",
    el("ins", { class: "added" }, "added by the draft"), " · ",
    el("del", { class: "dropped" }, "left out of the draft"));
  let upload = null; // a Word document opened or dropped: {text: base64, format: "docx", path}

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

  // `text` with each of `parts` ({text, tag, cls, label}, in order) wrapped in its element.
  function highlighted(text, parts) {
    const out = [];
    let pos = 0;
    for (const part of parts) {
      if (!part.text) continue;
      // a whole word or words, in the order the changes come (not the "a" of "and"), as the text report marks
      const word = new RegExp(`(?<![\\p{L}\\p{N}_])${part.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}_])`, "gu");
      word.lastIndex = pos;
      let found = word.exec(text);
      if (!found) { word.lastIndex = 0; found = word.exec(text); }
      const i = found ? found.index : -1;
      if (i < pos) continue;
      if (i > pos) out.push(document.createTextNode(text.slice(pos, i)));
      out.push(el(part.tag, { class: part.cls, title: part.label }, part.text));
      pos = i + part.text.length;
    }
    if (pos < text.length) out.push(document.createTextNode(text.slice(pos)));
    return out;
  }

  // The words of one change, as the text report has them (report.describe_change): [label, phrase].
  function describeChange(c) {
    if (c.kind === "elided") return ["elided", `… stands for “${c.original}”`];
    if (c.kind === "bracketed") {
      return ["bracketed", `${c.draft} stands for ${c.original ? `“${c.original}”` : "nothing (a clarification)"}`];
    }
    if (c.kind === "inserted") return [c.kind, `“${c.draft}” is not in the original`];
    if (c.kind === "deleted") return [c.kind, `“${c.original}” left out, with no ellipsis`];
    if (c.kind === "moved") return [c.kind, `“${c.draft}” is in the original, in another place`];
    if (!c.draft) return [c.kind, `“${c.original}” left out`];
    if (!c.original) return [c.kind, `“${c.draft}” added`];
    return [c.kind, `“${c.draft}” where the original says “${c.original}”`];
  }

  // What the text report says of a finding an inline comment accepted (report.suppression_phrase).
  function suppressionPhrase(s) {
    return `accepted by the comment on line ${s.line} — ${s.reason || "no reason given"}`;
  }

  // How a finding reads in a word or two: "drift (error)", "misattributed (error)".
  function verdictLabel(q) {
    return `${q.verdict} (${q.severity})` + (q.suppressed ? ", accepted inline" : "");
  }

  // The parts of the draft and of the original to mark: a word changed in both, a word the draft added,
  // a word the draft left out (marked in the original as dropped, never as added).
  function markedParts(changes) {
    const draftParts = [];
    const originalParts = [];
    for (const c of changes) {
      const [label, phrase] = describeChange(c);
      const title = `${label}: ${phrase}`;
      if (c.draft && c.original) {
        draftParts.push({ text: c.draft, tag: "mark", cls: "changed", label: title });
        originalParts.push({ text: c.original, tag: "mark", cls: "changed", label: title });
      } else if (c.draft) {
        draftParts.push({ text: c.draft, tag: "ins", cls: "added", label: title });
      } else {
        originalParts.push({ text: c.original, tag: "del", cls: "dropped", label: title });
      }
    }
    return [draftParts, originalParts];
  }

  // A Word document's text stays on the server: list its quotations by paragraph, each marked by verdict.
  function renderParagraphs(quotes) {
    marked.replaceChildren();
    quotes.forEach((q, i) => {
      marked.append(el("div", { class: "para" }, el("span", { class: "muted" }, `paragraph ${q.line}: `),
        markFor(i, q.text)));
    });
  }

  // The <mark> for finding `i`, holding `text`; selecting it shows the finding.
  function markFor(i, text) {
    const q = findings[i];
    return el("mark", {
      class: `q ${q.verdict} sev-${q.severity}` + (q.suppressed ? " suppressed" : ""),
      "data-index": String(i), "data-verdict": q.verdict, "data-severity": q.severity,
      tabindex: "0", role: "button", "aria-pressed": "false", title: verdictLabel(q),
      "aria-label": `${verdictLabel(q)}: ${text}`,
    }, text);
  }

  function render(text, doc) {
    const file = doc.files[0];
    findings = file.quotes;
    showSummary(doc);
    if (upload) {
      renderParagraphs(findings);
      return;
    }
    const chars = Array.from(text.replace(/\r\n?/g, "\n"));
    const starts = lineStarts(chars);
    const spans = findings.map((q, i) => [...span(chars, starts, q), i]).sort((a, b) => a[0] - b[0]);
    marked.replaceChildren();
    let pos = 0;
    for (const [start, end, i] of spans) {
      if (start < pos || end <= start) continue; // nested inside one already marked
      marked.append(chars.slice(pos, start).join(""));
      marked.append(markFor(i, chars.slice(start, end).join("")));
      pos = end;
    }
    marked.append(chars.slice(pos).join(""));
  }

  function showSummary(doc) {
    const s = doc.summary;
    summary.replaceChildren(
      `${s.quotes} quotation${s.quotes === 1 ? "" : "s"}: ${s.verified} verified, ${s.drift} drift, ` +
      `${s.misattributed} misattributed, ${s.unverified} unverified`,
      el("span", { id: "suppressed-count" }, s.suppressed ? `, ${s.suppressed} suppressed` : ""),
      " — decision ",
      el("span", { class: "decision " + doc.decision, id: "decision" }, doc.decision),
      el("span", { class: "muted", id: "threshold" }, ` at --fail-on ${doc.fail_on}`));
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
    const [draftParts, originalParts] = markedParts(
      q.drift.filter((c) => c.kind !== "elided" && c.kind !== "bracketed"));
    const list = el("ul", { class: "changes" });
    for (const c of q.drift) {
      const [label, phrase] = describeChange(c);
      list.append(el("li", { class: "change " + c.kind }, el("span", { class: "kind" }, label + ":"), " " + phrase));
    }
    for (const note of q.notes) list.append(el("li", { class: "note" }, "note: " + note));
    const rows = [
      el("dt", {}, "Verdict"),
      el("dd", { id: "detail-verdict", class: `verdict ${q.verdict} sev-${q.severity}` }, `${q.verdict} (${q.severity})`),
      el("dt", {}, "Credited to"), el("dd", {}, credited),
      el("dt", {}, "Said by"), el("dd", { id: "detail-speaker" }, q.speaker || "not in the corpus"),
      el("dt", {}, "Source"), el("dd", { id: "detail-source" }, source),
      el("dt", {}, el("abbr", { title: SCORE_HELP }, "Score")),
      el("dd", { id: "detail-score", title: SCORE_HELP }, `${q.score} / 100`,
        el("span", { class: "muted" }, " — " + SCORE_HELP)),
    ];
    if (q.suppressed) {
      rows.push(el("dt", {}, "Suppressed"), el("dd", { id: "detail-suppressed" }, suppressionPhrase(q.suppressed)));
    }
    detail.replaceChildren(
      el("dl", {}, ...rows),
      el("div", { class: "side" },
        el("div", { id: "side-draft" }, el("h3", {}, "Draft"), ...highlighted(q.text, draftParts)),
        el("div", { id: "side-original" }, el("h3", {}, "Original"),
          ...(q.original === null ? ["—"] : highlighted(q.original, originalParts)))),
      draftParts.length + originalParts.length ? CHANGE_KEY.cloneNode(true) : null,
      list.childElementCount ? list : null);
    detail.hidden = false;
  }

  async function check() {
    const text = draft.value;
    if (!upload && !text.trim()) {
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
        method: "POST", headers, body: JSON.stringify(upload || { text, format: format.value }),
      });
      const doc = await response.json().catch(() => ({}));
      if (!response.ok) {
        summary.className = "error";
        if (response.status === 401) {
          tokenRow.hidden = false;
          summary.textContent = token.value ? TOKEN_REFUSED : TOKEN_NEEDED;
          token.focus();
          return;
        }
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

  function base64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  // A .docx goes to the server as it is (base64); a text file is put in the box with its format chosen.
  async function openFile(file) {
    const suffix = file.name.toLowerCase().split(".").pop();
    if (suffix === "docx") {
      upload = { text: base64(new Uint8Array(await file.arrayBuffer())), format: "docx", path: file.name };
      draft.value = "";
      draft.placeholder = `${file.name} (Word document): its quotations are listed by paragraph below.`;
    } else {
      upload = null;
      draft.value = await file.text();
      format.value = { md: "md", markdown: "md", html: "html", htm: "html" }[suffix] || "txt";
    }
    check();
  }

  picker.addEventListener("change", () => { if (picker.files.length) openFile(picker.files[0]); picker.value = ""; });
  for (const target of [draft, form]) {
    target.addEventListener("dragover", (event) => { event.preventDefault(); form.classList.add("dropping"); });
    target.addEventListener("dragleave", () => form.classList.remove("dropping"));
    target.addEventListener("drop", (event) => {
      event.preventDefault();
      event.stopPropagation();
      form.classList.remove("dropping");
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) openFile(file);
    });
  }
  draft.addEventListener("input", () => { upload = null; });
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
