// Light progressive enhancement; every page works without it.
document.documentElement.classList.add("js");
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("[data-autosubmit]")) {
    target.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.submitting) { event.preventDefault(); return; }  // no double posts
  form.dataset.submitting = "1";
  var button = form.querySelector("button[type=submit]");
  if (button) { button.setAttribute("aria-busy", "true"); }
});
// A table wider than the screen scrolls inside itself (app.css); one with nothing focusable inside
// is made focusable so that keyboard users can scroll it too.
function keyboardScrollableTables() {
  document.querySelectorAll("table").forEach(function (table) {
    if (table.scrollWidth > table.clientWidth) { table.tabIndex = 0; } else { table.removeAttribute("tabindex"); }
  });
}
document.addEventListener("DOMContentLoaded", keyboardScrollableTables);
window.addEventListener("resize", keyboardScrollableTables);
