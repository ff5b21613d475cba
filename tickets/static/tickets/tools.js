// The desk's tools (issue 12, second half), progressive: every form works without this file.
//   form[data-bulk-form]     the queue list's bulk bar: only the chosen action's field is shown ([data-bulk-field]);
//                            [data-bulk-all] selects every row of the page; [data-bulk-count] says how many are selected;
//                            submitting with nothing selected is stopped with a message instead of a round trip.
//   [data-macro-insert]      a canned answer's button: inserts its rendered text (data-macro-text) into the reply box
//                            (data-target, a selector) at the cursor, then focuses it.
(function () {
  "use strict";

  var bulk = document.querySelector("form[data-bulk-form]");
  if (bulk) {
    var action = bulk.querySelector("select[name=action]");
    var boxes = function () { return document.querySelectorAll("input[type=checkbox][name=tickets][form=bulk-form]"); };
    var all = document.querySelector("[data-bulk-all]");
    var count = bulk.querySelector("[data-bulk-count]");
    var showField = function () {
      bulk.querySelectorAll("[data-bulk-field]").forEach(function (field) {
        field.hidden = field.getAttribute("data-bulk-field") !== action.value;
      });
    };
    var selected = function () {
      return Array.prototype.filter.call(boxes(), function (box) { return box.checked; }).length;
    };
    var showCount = function () {
      var n = selected();
      count.textContent = n ? (count.getAttribute("data-template") || "") + " " + n : "";
      count.hidden = !n;
      if (all) { all.checked = n > 0 && n === boxes().length; }
    };
    action.addEventListener("change", showField);
    showField();
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        showCount();
      });
    }
    document.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[name=tickets]")) { showCount(); }
    });
    bulk.addEventListener("submit", function (event) {
      if (!selected()) {
        event.preventDefault();
        count.textContent = bulk.getAttribute("data-empty-message") || "";
        count.hidden = false;
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-macro-insert]") : null;
    if (!button) { return; }
    var box = document.querySelector(button.getAttribute("data-target"));
    if (!box) { return; }
    event.preventDefault();
    var text = button.getAttribute("data-macro-text") || "";
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    var before = box.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    box.value = before + glue + text + box.value.slice(end);
    var caret = (before + glue + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
