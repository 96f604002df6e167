// Fengqiao: small behaviours shared by every page.
// Forms with data-confirm ask before submitting; the text comes from a translated attribute, so no
// translation is ever spliced into script source.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);
