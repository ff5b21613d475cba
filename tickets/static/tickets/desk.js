// The desk's only script. Templates carry no inline JavaScript (the Content-Security-Policy allows
// scripts from 'self' only); they mark elements with data- attributes that this file acts on:
//   a[data-lightbox]            click → show the full screenshot in the #lightbox dialog
//   select[data-autosubmit]     change → submit its form (language switcher)
//   [data-poll-url]             while classification (or the FAQ answer) is pending: poll the JSON URL every 2 s, reload when done
//   [data-width]                set the element's width in % (bars on the quality and ticket pages)
//   button[data-faq-insert]     operator's ticket page: put that suggested FAQ answer into the reply form
//                               (textarea + hidden faq_entry_id, so the reply counts as "inserted by an operator")
//   button[data-copy-target]    (hidden until this script shows it) copy the target's text, e.g. the secret link
//   form[data-submit-once]      a second submit while the first is on its way is dropped (a double click sends once)
// The student forms' screenshot field has its own script: screenshots.js.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-lightbox]");
    var box = document.getElementById("lightbox");
    if (link && box) {
      event.preventDefault();
      box.querySelector("img").src = link.href;
      box.showModal();
      return;
    }
    if (box && event.target.closest("#lightbox")) {
      box.close();
    }
    var copy = event.target.closest("button[data-copy-target]");
    if (copy) {
      copyText(copy);
      return;
    }
    var insert = event.target.closest("button[data-faq-insert]");
    var form = document.getElementById("reply-form");
    if (insert && form) {
      var holder = insert.closest("[data-faq-suggestion]");
      var template = holder && holder.querySelector("template[data-faq-answer]");
      var textarea = form.querySelector("textarea[name=body]");
      var entry = form.querySelector("input[name=faq_entry_id]");
      if (template && textarea) {
        textarea.value = template.content.textContent.trim();
        if (entry) { entry.value = insert.getAttribute("data-faq-insert"); }
        textarea.focus();
      }
    }
  });

  document.addEventListener("input", function (event) {
    // An emptied reply no longer comes from the suggestion.
    var textarea = event.target.closest("#reply-form textarea[name=body]");
    var entry = textarea && textarea.form.querySelector("input[name=faq_entry_id]");
    if (entry && !textarea.value.trim()) { entry.value = ""; }
  });

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-submit-once")) { return; }
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    // Disabled only after this event: the browser collects the fields (the clicked button's name and value
    // included) once the submit event is over, and a disabled button would be left out.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  // Back to a page from the browser's history: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = false; });
    });
  });

  function copyText(button) {
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var text = (target.value || target.textContent).trim();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") + " ✓";
      setTimeout(function () { button.textContent = label; }, 2500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
    } else {
      selectText(target);  // plain http: select it, the student copies with Ctrl+C
    }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Something the visitor typed or attached on this page (a reload would lose it).
  function pageHasInput() {
    return Array.prototype.some.call(document.querySelectorAll("form[data-submit-once] textarea"), function (area) {
      return area.value.trim() !== "";
    }) || document.querySelector("[data-attachments] [data-attachment]") !== null;
  }

  function poll(url) {
    setTimeout(function () {
      fetch(url, {cache: "no-store", credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.classification_state === "pending" || data.answer_pending) {
            poll(url);
          } else if (pageHasInput()) {
            var notice = document.querySelector("[data-updated-notice]");
            if (notice) { notice.hidden = false; }
          } else {
            location.reload();
          }
        })
        .catch(function () { poll(url); });
    }, 2000);
  }

  function init() {
    document.querySelectorAll("[data-width]").forEach(function (element) {
      var value = parseFloat(element.getAttribute("data-width"));
      if (!isNaN(value)) { element.style.width = Math.max(0, Math.min(100, value)) + "%"; }
    });
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) { button.hidden = false; });
    var poller = document.querySelector("[data-poll-url]");
    if (poller) { poll(poller.getAttribute("data-poll-url")); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
