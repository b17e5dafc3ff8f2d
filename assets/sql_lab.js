/* SQL Lab: Ctrl+Enter runs, schema names insert at the cursor, and the clientside callbacks.
   Served from /assets (the CSP allows this origin's scripts; nothing inline). */
(function () {
  "use strict";
  const EDITOR = "sql_lab-editor";
  const RUN = "sql_lab-run";

  function token() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // Set a React-controlled textarea's value so Dash sees the change (a plain .value= is ignored).
  function setValue(el, value) {
    const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
    setter.call(el, value);
    el.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function insertAtCursor(el, text, raw) {
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    const before = el.value.slice(0, start);
    const after = el.value.slice(end);
    // A space between the name and a word it would otherwise run into.
    const lead = !raw && before && !/[\s(,.]$/.test(before) ? " " : "";
    const trail = !raw && after && !/^[\s),.;]/.test(after) ? " " : "";
    setValue(el, before + lead + text + trail + after);
    syncHighlight();
    const caret = (before + lead + text).length;
    el.focus();
    el.setSelectionRange(caret, caret);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest(".schema-name[data-insert]");
    if (!button) { return; }
    const editor = document.getElementById(button.getAttribute("data-editor") || EDITOR);
    if (editor) { insertAtCursor(editor, button.getAttribute("data-insert")); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.target.id !== EDITOR) { return; }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      const run = document.getElementById(RUN);
      if (run && !run.disabled) { run.click(); }
    } else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();  // indent rather than leave the editor
      insertAtCursor(event.target, "  ", true);
    }
  });

  // --- syntax highlighting: a <pre> of coloured tokens behind a transparent-text textarea ---
  const KEYWORDS = new Set(("select from where group by order having limit offset join inner left right full " +
    "outer cross on using as and or not in is null like between case when then else end distinct all union " +
    "intersect except with asc desc nulls first last over partition rows range unbounded preceding following " +
    "current row interval cast try_cast true false exists any some filter within values lateral unnest " +
    "date timestamp varchar bigint integer int double boolean tinyint smallint real decimal char array map " +
    "day hour minute second month year week quarter at zone fetch next only ilike escape").split(" "));
  const TOKEN = /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)(\s*\()?|([^\sA-Za-z0-9_'"-]+|-)/gi;
  const HIGHLIGHT = "sql_lab-highlight";
  let shown = null;

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(sql) {
    let out = "";
    let last = 0;
    TOKEN.lastIndex = 0;
    let m;
    while ((m = TOKEN.exec(sql)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out += escapeHtml(sql.slice(last, m.index));
      let cls = null;
      let text = m[0];
      let tail = "";
      if (m[1]) { cls = "com"; }
      else if (m[2]) { cls = "str"; }
      else if (m[3]) { cls = "ident"; }
      else if (m[4]) { cls = "num"; }
      else if (m[5]) {
        text = m[5];
        tail = m[6] || "";
        if (KEYWORDS.has(m[5].toLowerCase())) { cls = "kw"; }
        else if (tail) { cls = "fn"; }
      } else if (m[7]) { cls = "op"; }
      out += cls ? `<span class="tok-${cls}">${escapeHtml(text)}</span>` : escapeHtml(text);
      out += escapeHtml(tail);
      last = m.index + m[0].length;
    }
    out += escapeHtml(sql.slice(last));
    // A final newline needs a character after it, or the <pre> is a line shorter than the textarea.
    return out + (sql.endsWith("\n") || sql === "" ? " " : "");
  }

  function syncHighlight() {
    const editor = document.getElementById(EDITOR);
    const pre = document.getElementById(HIGHLIGHT);
    if (!editor || !pre) { shown = null; return; }
    if (editor.value !== shown || pre.childElementCount === 0 && editor.value) {
      pre.innerHTML = highlight(editor.value);
      shown = editor.value;
      editor.classList.add("sql-editor-highlighted");
    }
    pre.scrollTop = editor.scrollTop;
    pre.scrollLeft = editor.scrollLeft;
    pre.style.height = editor.offsetHeight + "px";
  }

  document.addEventListener("input", function (event) { if (event.target.id === EDITOR) { syncHighlight(); } });
  document.addEventListener("scroll", function (event) { if (event.target.id === EDITOR) { syncHighlight(); } }, true);
  // Values Dash sets (a saved query, a history row) and resizes arrive without an input event.
  setInterval(syncHighlight, 250);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    sqlLab: {
      newToken: function (clicks) {
        return {token: token(), clicks: clicks};
      },
      refreshGrid: function (result, gridId) {
        if (window.dash_ag_grid && window.dash_ag_grid.getApiAsync) {
          window.dash_ag_grid.getApiAsync(gridId).then(function (api) { api.purgeInfiniteCache(); });
        }
      },
    },
  });
})();
