// The operators' desk (issue 12): live counters in the header and keyboard shortcuts. Loaded on operators' pages
// only (templates/operator/_header_desk.html); no inline script anywhere (the CSP allows 'self' only).
//   [data-desk-counters]      the JSON URL polled for {"unread", "mine", "poll_seconds"}; fills [data-counter=unread|mine]
//                             and prefixes the page title with the unread count. Paused while the tab is hidden.
//   dialog#kbd-help           the shortcuts of this page (data-kbd-page: "list" or "ticket"); "?" opens it
//   [data-kbd-help-open]      a button that opens it too (for mouse and screen-reader users)
// Shortcuts never fire while typing in a field, with Ctrl/Alt/Meta held, or while a dialog is open.
(function () {
  "use strict";

  var LIST_KEY = "desk.list";
  var baseTitle = document.title;

  // --- Counters ---------------------------------------------------------------------------------------------
  var counters = document.querySelector("[data-desk-counters]");
  var pollTimer = null;
  var pollSeconds = 30;

  function showCount(name, value) {
    var element = document.querySelector("[data-counter=" + name + "]");
    if (!element) { return; }
    element.textContent = value > 99 ? "99+" : String(value);
    element.hidden = !value;
  }

  function schedule() {
    clearTimeout(pollTimer);
    if (!document.hidden) { pollTimer = setTimeout(refresh, pollSeconds * 1000); }
  }

  function refresh() {
    fetch(counters.getAttribute("data-desk-counters"), {cache: "no-store", credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) { throw new Error("not the counters"); }
        return response.json();
      })
      .then(function (data) {
        showCount("unread", data.unread);
        showCount("mine", data.mine);
        document.title = (data.unread ? "(" + data.unread + ") " : "") + baseTitle;
        if (data.poll_seconds) { pollSeconds = data.poll_seconds; }
        schedule();
      })
      .catch(function () {
        // Logged out or offline: try again later, less often.
        pollSeconds = Math.min(pollSeconds * 2, 300);
        schedule();
      });
  }

  if (counters) {
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refresh(); } else { clearTimeout(pollTimer); }
    });
    refresh();
  }

  // --- Keyboard shortcuts -----------------------------------------------------------------------------------
  var help = document.getElementById("kbd-help");
  var page = help ? help.getAttribute("data-kbd-page") : "";
  var rows = Array.prototype.slice.call(document.querySelectorAll("#tickets tbody tr[data-ticket]"));
  var selected = -1;

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function openHelp() {
    if (help && !help.open) { help.showModal(); }
  }

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (selected >= 0 && rows[selected]) { rows[selected].classList.remove("kbd-selected"); }
    selected = index;
    var row = rows[selected];
    row.classList.add("kbd-selected");
    var link = row.querySelector("a[href]");
    if (link) { link.focus(); }
  }

  function selectedId() {
    return selected >= 0 ? rows[selected].getAttribute("data-ticket") : null;
  }

  function submitForm(form) {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function takeSelected() {
    var id = selectedId();
    var form = document.getElementById("kbd-take-form");
    var template = help && help.getAttribute("data-take-url");
    if (!id || !form || !template) { return; }
    form.action = template.replace("/0/", "/" + id + "/");
    submitForm(form);
  }

  function rememberList() {
    // The ticket page's j/k walk this list (the page of the queue, search or "My tickets" the operator came from).
    try {
      sessionStorage.setItem(LIST_KEY, JSON.stringify({url: location.pathname + location.search, ids: rows.map(function (row) { return row.getAttribute("data-ticket"); })}));
    } catch (error) { /* storage disabled: j/k on the ticket page do nothing */ }
  }

  function storedList() {
    try { return JSON.parse(sessionStorage.getItem(LIST_KEY) || "null"); } catch (error) { return null; }
  }

  function neighbour(step) {
    var list = storedList();
    var match = location.pathname.match(/\/tickets\/(\d+)\//);
    if (!list || !match) { return; }
    var index = list.ids.indexOf(match[1]);
    var next = index >= 0 ? list.ids[index + step] : null;
    if (next) { location.href = location.pathname.replace("/tickets/" + match[1] + "/", "/tickets/" + next + "/"); }
  }

  function focusField(selector) {
    var field = document.querySelector(selector);
    if (!field) { return false; }
    field.focus();
    field.scrollIntoView({block: "center"});
    return true;
  }

  var LIST_KEYS = {
    j: function () { select(selected + 1); },
    k: function () { select(selected < 0 ? 0 : selected - 1); },
    o: function () { var row = rows[selected]; var link = row && row.querySelector("a[href]"); if (link) { location.href = link.href; } },
    a: takeSelected,
    "/": function () { focusField("#id_q") || focusField(".top-search input"); }
  };
  var TICKET_KEYS = {
    j: function () { neighbour(1); },
    k: function () { neighbour(-1); },
    r: function () { focusField("#reply-form textarea"); },
    n: function () { focusField("#note-form textarea"); },
    a: function () { var form = document.getElementById("take-form"); if (form) { submitForm(form); } },
    u: function () {
      var list = storedList();
      var home = document.querySelector("header a.brand");
      location.href = list ? list.url : (home ? home.href : "/");
    }
  };

  if (help) {
    var keys = page === "ticket" ? TICKET_KEYS : LIST_KEYS;
    if (page !== "ticket") { rememberList(); }
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
      if (document.querySelector("dialog[open]")) { return; }  // Esc closes it natively
      if (event.key === "?") {
        event.preventDefault();
        openHelp();
        return;
      }
      var action = keys[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-kbd-help-open]")) { openHelp(); }
    });
    // Tell assistive technology which keys act on which control.
    var hints = {"#reply-form textarea": "r", "#note-form textarea": "n", "#take-form button": "a"};
    Object.keys(hints).forEach(function (selector) {
      var element = document.querySelector(selector);
      if (element) { element.setAttribute("aria-keyshortcuts", hints[selector]); }
    });
  }
})();
