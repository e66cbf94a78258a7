// Progress bars take their width from data-width (no inline styles: the CSP forbids them).
// htmx.onLoad runs for the page and again for every swapped-in fragment (HTMX saves).
(function () {
  function widen(root) {
    root.querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
      bar.style.width = bar.dataset.width + "%";
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(widen);
  } else {
    widen(document);
  }
})();
