// Small enhancements of the operator UI; every page works without them.
//
// - At a compressed clock (<body data-refresh="10">) the page reloads itself every few seconds,
//   but never while you are using a form: not when a field has focus, not once a field has been
//   changed, not while a <details> you opened is open, not when the tab is hidden.
// - "Show more" on the assignments list appends the next page in place (the link still works
//   without JavaScript: it opens that page).
// - The renewal form shows the new end date only when "renew" is chosen.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // ------------------------------------------------------------- self-refresh
  function setupRefresh() {
    var seconds = parseInt(document.body.getAttribute("data-refresh") || "", 10);
    if (!seconds || seconds < 2) return;
    var dirty = false;
    document.addEventListener("input", function () { dirty = true; }, true);
    document.addEventListener("change", function () { dirty = true; }, true);
    function busy() {
      if (dirty || document.hidden) return true;
      var active = document.activeElement;
      if (active && active.closest && active.closest("form") && active.matches("input, select, textarea")) return true;
      if (document.querySelector("details[open][data-user-opened]")) return true;
      return false;
    }
    document.addEventListener("toggle", function (event) {
      var el = event.target;
      if (el && el.tagName === "DETAILS" && el.open) el.setAttribute("data-user-opened", "");
    }, true);
    window.setInterval(function () {
      if (!busy()) window.location.reload();
    }, seconds * 1000);
  }

  // ------------------------------------------------------------- "show more"
  function setupMore() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-more]");
      if (!link) return;
      var list = document.getElementById(link.getAttribute("data-more"));
      if (!list || !window.fetch || !window.DOMParser) return;
      event.preventDefault();
      link.setAttribute("aria-busy", "true");
      fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var rows = doc.getElementById(list.id);
          var first = null;
          if (rows) {
            Array.prototype.slice.call(rows.children).forEach(function (row) {
              var imported = document.importNode(row, true);
              list.appendChild(imported);
              if (!first) first = imported;
            });
          }
          var pager = document.getElementById("pager");
          var next = doc.getElementById("pager");
          if (pager) {
            if (next) pager.replaceWith(document.importNode(next, true));
            else pager.remove();
          }
          var count = document.getElementById("shown-count");
          if (count) count.textContent = count.getAttribute("data-template").replace("{count}", String(list.children.length));
          if (first) {
            var target = first.querySelector("a");
            if (target) target.focus();
          }
        })
        .catch(function () { window.location.href = link.href; });
    });
  }

  // ---------------------------------------------------------- renewal form
  function setupDecision() {
    var form = document.querySelector("form[data-decision]");
    if (!form) return;
    var date = form.querySelector("[data-renew-only]");
    if (!date) return;
    function sync() {
      var chosen = form.querySelector("input[name=decision]:checked");
      date.hidden = !!chosen && chosen.value === "end";
    }
    form.addEventListener("change", sync);
    sync();
  }

  // ------------------------------------------------- a refused form's reason
  // A page re-rendered after a refused form post: move the focus to the reason, so that it is
  // read out and in view (the form's action already scrolls to its section without JS).
  function focusRefusal() {
    var alert = document.querySelector("[role=alert][tabindex='-1']");
    if (alert) alert.focus();
  }

  ready(function () {
    focusRefusal();
    setupRefresh();
    setupMore();
    setupDecision();
  });
})();
