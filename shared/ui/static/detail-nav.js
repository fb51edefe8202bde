// The detail pane's way around: a row of links to its sections (Customer ... Activity,
// Notifications), kept at the top of the pane where the pane scrolls by itself (laptop, cards),
// and a "More below" cue at its bottom edge naming the sections still out of sight, so nothing
// sits below the fold unannounced.
import { h } from "./dom.js";

const slug = (text) => `part-${text.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

// The pane scrolls itself (a sticky side pane) rather than with the page.
const scrollsItself = (pane) => getComputedStyle(pane).overflowY === "auto" && pane.scrollHeight > pane.clientHeight + 2;

function go(heading) {
  heading.scrollIntoView({ block: "start", behavior: "smooth" });
  heading.focus({ preventScroll: true });
}

export function createDetailNav(pane) {
  const nav = h("nav", { class: "detail-nav", "aria-label": "Sections of this lead" });
  const cue = h("button", { type: "button", class: "more-below", hidden: true });
  let below = [];

  function headings() {
    return [...pane.querySelectorAll("section.part > h3")].map((heading) => {
      if (!heading.id) heading.id = slug(heading.textContent);
      if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
      return heading;
    });
  }

  // Which sections start below the pane's visible bottom edge (none when the page scrolls).
  function update() {
    if (!pane.contains(cue)) return;
    const edge = pane.getBoundingClientRect().bottom - cue.offsetHeight;
    below = scrollsItself(pane) ? headings().filter((x) => x.getBoundingClientRect().top > edge) : [];
    cue.hidden = !below.length;
    cue.textContent = `More below: ${below.map((x) => x.textContent).join(", ")} ↓`;
  }
  cue.addEventListener("click", () => below[0] && go(below[0]));
  pane.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  // The activity and notifications arrive after the pane is drawn: look again as they do.
  new MutationObserver(() => requestAnimationFrame(update)).observe(pane, { childList: true, subtree: true });

  return {
    // After the detail is drawn: the links go after `anchor` (the actions), the cue at the end.
    attach(anchor) {
      // Links (in-page navigation), so they never share a button's name ("Partner Center").
      nav.replaceChildren(h("ul", {}, headings().map((x) => h("li", {},
        h("a", { href: `#${x.id}`, onclick: (event) => { event.preventDefault(); go(x); } }, x.textContent)))));
      anchor.after(nav);
      pane.append(cue);
      update();
    },
  };
}
