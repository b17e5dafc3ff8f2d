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
