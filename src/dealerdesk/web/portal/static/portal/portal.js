// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // On a phone the filters start folded so the products come first.
  if (window.matchMedia("(max-width: 719px)").matches) {
    document.querySelectorAll("details.filters[open]").forEach((el) => el.removeAttribute("open"));
  }
});

// Checkout: the address fields show for deliveries that need one, the typed address for
// "Another address" only.
document.addEventListener("DOMContentLoaded", () => {
  const block = document.getElementById("address-block");
  if (!block) return;
  const typed = document.getElementById("new-address");
  const choice = document.getElementById("id_address_choice");
  const update = () => {
    const picked = document.querySelector('input[name="delivery_option"]:checked');
    block.hidden = !(picked && picked.hasAttribute("data-needs-address"));
    if (typed && choice) typed.hidden = choice.value !== "new";
  };
  document.querySelectorAll('input[name="delivery_option"]').forEach((el) =>
    el.addEventListener("change", update),
  );
  if (choice) choice.addEventListener("change", update);
  update();
});
