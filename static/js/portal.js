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
      if (table.scrollWidth > parent.clientWidth + 1) {
        var wrap = document.createElement("div");
        wrap.className = "table-wrap";
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
