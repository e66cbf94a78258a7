// Fast keyboard entry of paper forms: one letter per question, the cursor moves on by itself.
(function () {
  "use strict";
  var inputs = Array.prototype.slice.call(document.querySelectorAll(".key-input"));
  inputs.forEach(function (input, index) {
    input.addEventListener("input", function () {
      var value = input.value.toUpperCase();
      var allowed = input.getAttribute("data-keys") || "";
      input.value = value;
      if (value === "") { input.classList.remove("is-invalid"); return; }
      if (allowed.indexOf(value) === -1) {  // not an answer of this question: refuse it, stay here
        input.value = "";
        input.classList.add("is-invalid");
        return;
      }
      input.classList.remove("is-invalid");
      var next = inputs[index + 1] || document.querySelector("[data-testid=save-sheet]");
      if (next) { next.focus(); if (next.select) { next.select(); } }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Backspace" && input.value === "" && index > 0) {
        inputs[index - 1].focus();
        inputs[index - 1].select();
      }
    });
  });
}());
