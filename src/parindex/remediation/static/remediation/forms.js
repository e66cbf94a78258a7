// Give the remediation forms' inputs Bootstrap classes (no inline scripts: CSP).
document.querySelectorAll("form[data-testid$=form] input, form[data-testid$=form] select, form[data-testid$=form] textarea").forEach(function (el) {
  if (el.type === "hidden" || el.type === "checkbox" || el.type === "file") { if (el.type === "file") el.classList.add("form-control"); return; }
  el.classList.add(el.tagName === "SELECT" ? "form-select" : "form-control");
});
// Confirmation for buttons that carry data-confirm.
document.querySelectorAll("[data-confirm]").forEach(function (el) {
  el.addEventListener("click", function (event) { if (!window.confirm(el.dataset.confirm)) event.preventDefault(); });
});
