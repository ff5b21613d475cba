// The desk's only script. Templates carry no inline JavaScript (the Content-Security-Policy allows
// scripts from 'self' only); they mark elements with data- attributes that this file acts on:
//   a[data-lightbox]            click → show the full screenshot in the #lightbox dialog
//   select[data-autosubmit]     change → submit its form (language switcher)
//   [data-poll-url]             while classification (or the FAQ answer) is pending: poll the JSON URL every 2 s, reload when done
//   [data-width]                set the element's width in % (bars on the quality and ticket pages)
//   button[data-faq-insert]     operator's ticket page: put that suggested FAQ answer into the reply form
//                               (textarea + hidden faq_entry_id, so the reply counts as "inserted by an operator")
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

  function poll(url) {
    setTimeout(function () {
      fetch(url, {cache: "no-store", credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.classification_state !== "pending" && !data.answer_pending) { location.reload(); } else { poll(url); }
        })
        .catch(function () { poll(url); });
    }, 2000);
  }

  function init() {
    document.querySelectorAll("[data-width]").forEach(function (element) {
      var value = parseFloat(element.getAttribute("data-width"));
      if (!isNaN(value)) { element.style.width = Math.max(0, Math.min(100, value)) + "%"; }
    });
    var poller = document.querySelector("[data-poll-url]");
    if (poller) { poll(poller.getAttribute("data-poll-url")); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
