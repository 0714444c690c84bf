// The back-office (Django admin): accessibility fixes for what axe-core reports
// on its pages (tests/e2e/test_accessibility_every_page.py).
//
// Autocomplete fields (select2, vendored by Django) name their combobox after
// the selected value only: an empty one has no accessible name (axe:
// aria-input-field-name). Name it, and its inner textbox, after the field's
// label, followed by the value.
"use strict";
(function () {
  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const container = select.nextElementSibling;
      const label = select.id && document.querySelector('label[for="' + select.id + '"]');
      if (!container || !container.classList.contains("select2") || !label) {
        return;
      }
      if (!label.id) {
        label.id = select.id + "-label";
      }
      const rendered = container.querySelector(".select2-selection__rendered");
      const combobox = container.querySelector(".select2-selection[role=combobox]");
      if (rendered && rendered.id) {
        rendered.setAttribute("aria-labelledby", label.id);
      }
      if (combobox) {
        combobox.setAttribute(
          "aria-labelledby",
          rendered && rendered.id ? label.id + " " + rendered.id : label.id,
        );
      }
    });
  }
  // select2 sets its fields up in a jQuery ready handler, which may run after
  // the page's load event, and again for each row added to an inline: name
  // each combobox whenever select2 inserts one.
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node.nodeType === Node.ELEMENT_NODE && node.classList.contains("select2")) {
          nameAutocompletes(node.parentElement);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
