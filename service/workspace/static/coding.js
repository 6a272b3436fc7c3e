// kfd-tagger Arbeitsplatz, Doppelcodierung: keys on the coding screen. A letter toggles a theme, a digit
// picks the sentiment, Enter saves. Typing into a field is left alone.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("coding-form");
  if (!form) return;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"))) return;
    // A focused link or button outside the form (navigation, sign-out) keeps its own Enter.
    if (target && target.closest && target.closest("a, button, select, summary") && !form.contains(target)) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (form.reportValidity()) form.submit();
      return;
    }
    var input = form.querySelector('input[data-key="' + event.key.toLowerCase() + '"]');
    if (!input) return;
    event.preventDefault();
    if (input.type === "checkbox") input.checked = !input.checked;
    else input.checked = true;
    input.focus();
  });
});
