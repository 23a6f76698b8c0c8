// Type-ahead for a code box (input[data-suggest]): htmx fetches the suggestions into the
// list the box names in aria-controls; this sends what is typed as ?q=, and lets the
// keyboard choose: ↑ ↓ move, Enter takes one, Esc closes. Taking one fills the code and
// moves on to the box named in data-suggest-next (the quantity). Without it the box is a
// plain text box.
(function () {
  function setUp(input) {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    let active = -1;

    const options = () => Array.from(list.querySelectorAll('[role="option"]'));

    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) mark(-1);
    }

    function mark(index) {
      const all = options();
      active = index;
      all.forEach((option, i) => option.setAttribute("aria-selected", i === index ? "true" : "false"));
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(option) {
      input.value = option.dataset.code;
      show(false);
      list.replaceChildren();
      const next = document.getElementById(input.dataset.suggestNext || "");
      if (next) {
        next.focus();
        next.select();
      }
    }

    input.addEventListener("htmx:configRequest", (event) => {
      event.detail.parameters.q = input.value;
    });

    list.addEventListener("htmx:afterSwap", () => {
      // Only the answer to what is in the box now: a late one for older text is dropped.
      show(list.children.length > 0 && input === document.activeElement);
    });

    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!all.length) return;
        event.preventDefault();
        if (list.hidden) show(true);
        const step = event.key === "ArrowDown" ? 1 : -1;
        mark((active + step + all.length) % all.length);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0 && all[active]) {
          event.preventDefault();
          pick(all[active]);
        } else {
          show(false);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          show(false);
        }
      }
    });

    // mousedown, not click: picking must happen before the box loses focus.
    list.addEventListener("mousedown", (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) {
        event.preventDefault();
        pick(option);
      }
    });

    input.addEventListener("blur", () => show(false));
    input.addEventListener("focus", () => {
      if (options().length) show(true);
    });
  }

  document.querySelectorAll("input[data-suggest]").forEach(setUp);
})();
