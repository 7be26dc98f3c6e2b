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
