// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the filters start folded so the products come first.
  if (window.matchMedia("(max-width: 719px)").matches) {
    document.querySelectorAll("details.filters[open]").forEach((el) => el.removeAttribute("open"));
  }
});
