// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // The error summary has autofocus (screen readers announce it at once, without
  // JavaScript too); this covers browsers that only honour autofocus on form fields.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
