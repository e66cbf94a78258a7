// Score sheet: save a leaf (HTMX) when one of its fields changes — but only once the
// method's inputs are complete (or all cleared), so typing the numerator before the
// denominator does not save half a ratio. The Save button always submits.
(function () {
  function complete(form) {
    var fields = form.querySelectorAll("[data-method-input]");
    var filled = 0;
    fields.forEach(function (field) {
      if (field.value.trim() !== "") {
        filled += 1;
      }
    });
    return filled === 0 || filled === fields.length;
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form.leaf-form");
    if (!form || !window.htmx) {
      return;
    }
    if (complete(form)) {
      window.htmx.trigger(form, "leaf-save");
    }
  });
})();
