// Behaviour the templates ask for with data attributes, so that no page needs an inline
// script or event handler and the Content-Security-Policy can forbid them.
//
//   <form data-confirm="Cancel ASN 42?">   asks before submitting; "Cancel" keeps the page.
//   <select data-autosubmit>               submits its form when the choice changes.
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
