// The lead lists: three tabs (ARIA tabs), a stage filter, the finder's filters and sort, as
// cards or a dense table (remembered), "Load more" paging that follows nextLink, empty
// states, and the favorite heart on every lead.
import { api } from "./api.js";
import { card } from "./lead-cards.js";
import { header, row } from "./lead-table.js";

const PAGE = 20;
const FILL_ROUNDS = 5; // a search's pages may be short: follow nextLink up to this to fill one
const LAYOUT_KEY = "referrals.layout";
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
const MINE_HINT = "An admin makes you the owner of an accepted lead; it then appears here.";
const SEARCH_HINT = "Search finds the start of any word of the customer's or the deal's name, "
  + "or a whole CRM id or lead id.";

export function createLeads({ filters, onSelect, onChange, onError, onLayout, onQuery }) {
  const state = { view: "marketplace", stage: "received", next: null, selectedId: null, seq: 0, items: [], layout: "cards", invalid: false, loaded: false };
  const panel = document.getElementById("leads");
  const list = document.getElementById("lead-list");
  const table = document.getElementById("lead-table");
  const tableWrap = document.getElementById("lead-table-wrap");
  const empty = document.getElementById("empty");
  const more = document.getElementById("load-more");
  const status = document.getElementById("list-status");
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const layoutButtons = [...document.querySelectorAll("[data-layout]")];
  const hooks = {
    selected: (id) => id === state.selectedId,
    open: (id) => select(id, true),
    favorite: (r, button) => toggleFavorite(r, button),
  };
  const body = () => (state.layout === "table" ? table.tBodies[0] : list);
  const make = (r) => (state.layout === "table" ? row(r, hooks) : card(r, hooks));

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
    radio.addEventListener("change", () => { state.stage = radio.value; filters.setStage(radio.value); reload(); });
  }
  more.addEventListener("click", () => load(state.next, true));
  for (const button of layoutButtons) button.addEventListener("click", () => setLayout(button.dataset.layout, true));

  // ---- layout: cards or table ----------------------------------------------------------
  function setLayout(layout, remember = false) {
    state.layout = layout === "table" ? "table" : "cards";
    if (remember) {
      try { localStorage.setItem(LAYOUT_KEY, state.layout); } catch { /* private mode */ }
    }
    for (const b of layoutButtons) b.setAttribute("aria-pressed", String(b.dataset.layout === state.layout));
    list.hidden = state.layout !== "cards";
    list.replaceChildren();
    table.tBodies[0].replaceChildren();
    render();
    onLayout(state.layout);
  }

  function render() {
    header(table, query().get("orderBy") || "createdDateTime desc");
    body().replaceChildren(...state.items.map(make));
    refreshStates();
  }

  function matches(r) {
    const inView = state.view === "favorites" ? r.favorite : r.category === state.view;
    return inView && (!state.stage || r.stage === state.stage);
  }

  function refreshStates() {
    const count = state.items.length;
    const none = count === 0 && state.loaded;
    tableWrap.hidden = state.layout !== "table" || count === 0;
    empty.hidden = !none;
    if (none) {
      const { search, filtered } = filters.describe();
      const stageWord = state.stage ? `${state.stage} ` : "";
      const what = `${stageWord}${VIEW_NAMES[state.view]}`;
      let title = `No ${what}.`;
      let text = state.view === "favorites" ? VIEW_HINTS.favorites
        : `${VIEW_HINTS[state.view]} ${state.stage ? STAGE_HINTS[state.stage] : ""}`.trim();
      const { mine } = filters.describe();
      if (state.invalid) [title, text] = ["Check the marked filters.", "The list shows leads again once they are corrected."];
      else if (search) [title, text] = [`No ${what} match “${search}”.`, SEARCH_HINT];
      else if (mine) [title, text] = [`You own no ${what}.`, MINE_HINT];
      else if (filtered) [title, text] = [`No ${what} match these filters.`, "Change or clear the filters to see more."];
      document.getElementById("empty-title").textContent = title;
      document.getElementById("empty-text").textContent = text;
    }
    more.hidden = !state.next;
    if (!state.loaded) return;
    status.textContent = count === 0 ? "No leads." : `${count} leads shown${state.next ? "; more available" : ""}.`;
  }

  // A page, topped up from the following ones while it is short (searches) and more exist.
  async function fetchPage(url, mine) {
    const items = [];
    let next = url;
    for (let round = 0; next && round < FILL_ROUNDS && mine === state.seq; round++) {
      const page = await api("GET", next);
      items.push(...page.value);
      next = page.nextLink || null;
      if (items.length >= PAGE) break;
    }
    return { items, next };
  }

  function busy(on) {
    for (const el of [list, tableWrap]) {
      if (on) el.setAttribute("aria-busy", "true");
      else el.removeAttribute("aria-busy");
    }
    more.disabled = on;
  }

  async function load(url, append) {
    const mine = ++state.seq;
    busy(true);
    try {
      const { items, next } = await fetchPage(url, mine);
      if (mine !== state.seq) return;
      if (!append) {
        state.items = [];
        body().replaceChildren();
        filters.clearErrors();
      }
      state.invalid = false;
      state.loaded = true;
      state.items.push(...items);
      body().append(...items.map(make));
      state.next = next;
      refreshStates();
    } catch (err) {
      if (mine !== state.seq) return;
      if (err.status === 400) invalid(err);
      else onError(err);
    } finally {
      if (mine === state.seq) busy(false);
    }
  }

  // A 400: each bad filter's message next to it, the list emptied until they are fixed.
  function invalid(err) {
    const rest = filters.showErrors(err);
    state.items = [];
    state.next = null;
    state.invalid = true;
    state.loaded = true;
    body().replaceChildren();
    refreshStates();
    if (rest.length) onError({ message: rest.map((d) => (d.target ? `${d.target}: ${d.message}` : d.message)).join(" ") });
  }

  // view, stage and the filters: what the list shows, and what the CSV export downloads.
  function query() {
    const q = new URLSearchParams({ view: state.view });
    if (state.stage) q.set("stage", state.stage);
    for (const [key, value] of Object.entries(filters.params())) q.set(key, value);
    return q;
  }

  function reload() {
    onQuery();
    const q = query();
    header(table, q.get("orderBy") || "createdDateTime desc");
    q.set("top", String(PAGE));
    state.next = null;
    return load(`referrals?${q}`, false);
  }

  function select(id, fromList = false) {
    state.selectedId = id;
    for (const el of body().querySelectorAll("[data-id]")) {
      const on = el.dataset.id === id;
      const button = el.querySelector(".lead-open, .row-open");
      if (on) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
      if (el.tagName === "TR") el.classList.toggle("current", on);
    }
    if (fromList) onSelect(id);
  }

  // A changed referral: redraw it in place, or drop it when it left this list.
  function update(r) {
    const index = state.items.findIndex((item) => item.id === r.id);
    const old = body().querySelector(`[data-id="${CSS.escape(r.id)}"]`);
    if (index < 0 || !old) return;
    const focused = old.contains(document.activeElement) ? document.activeElement.className : null;
    const neighbour = old.nextElementSibling || old.previousElementSibling;
    if (matches(r)) {
      state.items[index] = r;
      const fresh = make(r);
      old.replaceWith(fresh);
      if (focused) fresh.querySelector(`.${focused.split(" ")[0]}`)?.focus();
    } else {
      state.items.splice(index, 1);
      old.remove();
      if (focused) (neighbour?.querySelector(".lead-open, .row-open") || panel.querySelector("input:checked"))?.focus();
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

  // "My leads": owners come with accepting, so a Received stage switches to Accepted.
  function preferStage(mine, { now = true } = {}) {
    if (!mine || state.stage !== "received") return;
    const accepted = panel.querySelector('input[name="stage"][value="accepted"]');
    accepted.checked = true;
    state.stage = "accepted";
    filters.setStage("accepted");
    if (now) reload();
  }

  // Owners of the leads on the list, for the owner picker.
  function owners() {
    return state.items.map((r) => r.owner).filter(Boolean);
  }

  function focusSelected() {
    body().querySelector('[aria-current="true"]')?.focus();
  }

  let saved = null;
  try { saved = localStorage.getItem(LAYOUT_KEY); } catch { /* private mode */ }
  setLayout(saved);

  return { reload, update, select, toggleFavorite, focusSelected, query, preferStage, owners, state };
}
