// The lead lists: three tabs (ARIA tabs), a stage filter, newest first, "Load more" paging
// that follows nextLink, empty states, and the favorite heart on every lead.
import { api } from "./api.js";
import { KINDS, ago, alertBanner, daysLeft, daysLeftText, h, icon, need, stageLabel, when } from "./dom.js";

const PAGE = 20;
const VIEW_NAMES = { marketplace: "marketplace leads", qualified: "qualified leads", favorites: "favorites" };
const VIEW_HINTS = {
  marketplace: "Customers who contact you from your marketplace listing appear here.",
  qualified: "Leads that Microsoft sellers and marketing send you appear here.",
  favorites: "Select the heart on a lead to keep it here.",
};
const STAGE_HINTS = {
  received: "Leads waiting for you to accept or decline them.",
  accepted: "Leads you accepted and are working on.",
  archived: "Won, lost, declined and expired leads.",
};

export function createLeads({ onSelect, onChange, onError }) {
  const state = { view: "marketplace", stage: "received", next: null, selectedId: null, seq: 0, count: 0 };
  const panel = document.getElementById("leads");
  const list = document.getElementById("lead-list");
  const empty = document.getElementById("empty");
  const more = document.getElementById("load-more");
  const status = document.getElementById("list-status");
  const tabs = [...document.querySelectorAll('[role="tab"]')];

  function activate(tab, focus = false) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", tab.id);
    if (focus) tab.focus();
    state.view = tab.dataset.view;
    reload();
  }

  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => activate(tab));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      activate(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
    });
  });
  for (const radio of panel.querySelectorAll('input[name="stage"]')) {
    radio.addEventListener("change", () => { state.stage = radio.value; reload(); });
  }
  more.addEventListener("click", () => load(state.next, true));

  function matches(r) {
    const inView = state.view === "favorites" ? r.favorite : r.category === state.view;
    return inView && (!state.stage || r.stage === state.stage);
  }

  function heart(r) {
    return h("button", {
      type: "button", class: "heart", "aria-pressed": String(Boolean(r.favorite)),
      "aria-label": `Favorite: ${r.customerProfile.name}`,
      title: r.favorite ? "Remove from favorites" : "Add to favorites",
      onclick: (event) => toggleFavorite(r, event.currentTarget),
    }, icon("heart"));
  }

  function item(r) {
    const days = daysLeft(r);
    const open = h("button", {
      type: "button", class: "lead-open", "aria-controls": "detail",
      "aria-current": r.id === state.selectedId ? "true" : null,
      onclick: () => select(r.id, true),
    },
    h("span", { class: "lead-head" },
      h("span", { class: "lead-name", text: r.customerProfile.name }),
      h("span", { class: `badge stage-${r.stage} sub-${r.substatus.toLowerCase()}`, text: stageLabel(r) })),
    h("span", { class: "lead-need", text: need(r) }),
    h("span", { class: "lead-meta" },
      h("span", { class: "kind", text: KINDS[r.qualification] || r.qualification }),
      h("time", { datetime: r.createdDateTime, title: when(r.createdDateTime), text: `Arrived ${ago(r.createdDateTime)}` }),
      days !== null ? h("span", { class: days <= 2 ? "due soon" : "due", text: daysLeftText(days) }) : null),
    alertBanner(r, true));
    return h("li", { class: "lead", dataset: { id: r.id } }, open, heart(r));
  }

  function refreshStates() {
    state.count = list.children.length;
    const none = state.count === 0;
    empty.hidden = !none;
    if (none) {
      const stageWord = state.stage ? `${state.stage} ` : "";
      document.getElementById("empty-title").textContent = `No ${stageWord}${VIEW_NAMES[state.view]}.`;
      document.getElementById("empty-text").textContent =
        state.view === "favorites" ? VIEW_HINTS.favorites
          : `${VIEW_HINTS[state.view]} ${state.stage ? STAGE_HINTS[state.stage] : ""}`.trim();
    }
    more.hidden = !state.next;
    status.textContent = none ? "No leads." : `${state.count} leads shown${state.next ? "; more available" : ""}.`;
  }

  async function load(url, append) {
    const mine = ++state.seq;
    list.setAttribute("aria-busy", "true");
    more.disabled = true;
    try {
      const page = await api("GET", url);
      if (mine !== state.seq) return;
      if (!append) list.replaceChildren();
      list.append(...page.value.map(item));
      state.next = page.nextLink || null;
      refreshStates();
    } catch (err) {
      if (mine === state.seq) onError(err);
    } finally {
      if (mine === state.seq) { list.removeAttribute("aria-busy"); more.disabled = false; }
    }
  }

  function reload() {
    const query = new URLSearchParams({ view: state.view, top: String(PAGE) });
    if (state.stage) query.set("stage", state.stage);
    state.next = null;
    return load(`referrals?${query}`, false);
  }

  function select(id, fromList = false) {
    state.selectedId = id;
    for (const button of list.querySelectorAll(".lead-open")) {
      const on = button.parentElement.dataset.id === id;
      if (on) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
    if (fromList) onSelect(id);
  }

  // A changed referral: redraw it in place, or drop it when it left this list.
  function update(r) {
    const old = list.querySelector(`li[data-id="${CSS.escape(r.id)}"]`);
    if (!old) return;
    const focused = old.contains(document.activeElement) ? document.activeElement.className : null;
    const neighbour = old.nextElementSibling || old.previousElementSibling;
    if (matches(r)) {
      const fresh = item(r);
      old.replaceWith(fresh);
      if (focused) fresh.querySelector(`.${focused.split(" ")[0]}`)?.focus();
    } else {
      old.remove();
      if (focused) (neighbour?.querySelector(".lead-open") || panel.querySelector("input:checked"))?.focus();
    }
    refreshStates();
  }

  // Not `disabled` while pending: that would drop the keyboard focus from the heart.
  const pending = new Set();
  async function toggleFavorite(r, button) {
    if (pending.has(r.id)) return;
    pending.add(r.id);
    button?.setAttribute("aria-busy", "true");
    try {
      onChange(await api(r.favorite ? "DELETE" : "PUT", `referrals/${encodeURIComponent(r.id)}/favorite`));
    } catch (err) {
      onError(err);
    } finally {
      pending.delete(r.id);
      button?.removeAttribute("aria-busy");
    }
  }

  function focusSelected() {
    list.querySelector('.lead-open[aria-current="true"]')?.focus();
  }

  return { reload, update, select, toggleFavorite, focusSelected, state };
}
