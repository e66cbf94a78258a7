// Expand or collapse every <details> of the criteria tree.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-tree-toggle]");
  if (!button) return;
  const open = button.dataset.treeToggle === "open";
  document.querySelectorAll(".criteria-tree details").forEach((el) => { el.open = open; });
});
