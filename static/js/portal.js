// Behaviour the templates ask for with data attributes, so that no page needs an inline
// script or event handler and the Content-Security-Policy can forbid them.
//
//   <form data-confirm="Cancel ASN 42?">   asks before submitting; "Cancel" keeps the page.
//   <select data-autosubmit>               submits its form when the choice changes.
//
// And the page shell of _base.html: the "Menu" button of the navigation on small screens,
// its task menus (<details class="nav-group">: one open at a time, closed by Escape or a
// click elsewhere), and wide tables wrapped so they scroll inside themselves.
(function () {
  "use strict";

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || !field.hasAttribute || !field.hasAttribute("data-autosubmit")) {
      return;
    }
    if (typeof field.form.requestSubmit === "function") {
      field.form.requestSubmit();
    } else {
      field.form.submit();
    }
  });
})();

(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.add("js-nav");

  function closeMenus(except) {
    var open = document.querySelectorAll("details.nav-group[open]");
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== except) {
        open[i].removeAttribute("open");
      }
    }
  }

  function setNavOpen(toggle, open) {
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (nav) {
      nav.classList.toggle("open", open);
    }
  }

  // The table's caption, else the heading just before it, else a plain word.
  function tableName(table) {
    if (table.caption && table.caption.textContent.trim()) {
      return table.caption.textContent.trim();
    }
    var before = table.previousElementSibling;
    while (before && !/^H[1-6]$/.test(before.tagName)) {
      before = before.previousElementSibling;
    }
    return before ? before.textContent.trim() : "Table";
  }

  // A table wider than its column gets a scrolling wrapper, so the page never scrolls
  // sideways; narrower tables keep their full-width look.
  function wrapWideTables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("table-wrap")) {
        continue;
      }
      // On a phone the CSS makes a table a block that scrolls itself (the no-JavaScript
      // fallback): then its own widths tell, which can overflow by a pixel the +1 allows.
      if (table.scrollWidth > parent.clientWidth + 1 || table.scrollWidth > table.clientWidth) {
        var wrap = document.createElement("div");
        wrap.className = "table-wrap";
        // A region that scrolls must be reachable by keyboard (arrow keys scroll it once
        // focused), and a focusable region needs a role and a name (axe-core's
        // scrollable-region-focusable rule).
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", tableName(table));
        parent.insertBefore(wrap, table);
        wrap.appendChild(table);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        setNavOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
      });
    }
    wrapWideTables();
  });

  document.addEventListener("htmx:afterSettle", wrapWideTables);

  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details.nav-group");
    closeMenus(inside);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details.nav-group[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
      return;
    }
    var toggle = document.querySelector(".nav-toggle[aria-expanded='true']");
    if (toggle) {
      setNavOpen(toggle, false);
      toggle.focus();
    }
  });
})();
