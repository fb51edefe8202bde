// Finding leads: the search box (debounced; Enter searches at once), the kind, country and
// arrival-date filters, the sort order the current stage allows, and the API's errors shown
// next to the control they name (error.details[].target is the query parameter). "My leads"
// (owner=me) and a Referrals user's list come newest first only: no sort then.
import { isRestricted } from "./access.js";
import { h } from "./dom.js";

const DEBOUNCE_MS = 350;
const DEFAULT_ORDER = "createdDateTime desc";
// Orders only some stages have (the API refuses them with another stage).
const ORDER_STAGE = {
  "expirationDateTime asc": "received", "fit desc": "received", "closingDate asc": "accepted", "dealValue desc": "accepted",
};
const SORT_OFF = {
  search: "Sorting is off while searching: results keep the search's own order.",
  mine: "Your leads come newest first.",
};
const FILTERS = ["search", "qualification", "country", "createdFrom", "createdTo"];

export function createFilters({ onChange, onMine = () => {} }) {
  const form = document.getElementById("finder");
  const sort = document.getElementById("sort");
  const sortNote = document.getElementById("sort-note");
  const clear = document.getElementById("clear-filters");
  const toggle = document.getElementById("filters-toggle");
  const mine = document.getElementById("f-mine");
  const field = (name) => form.elements.namedItem(name);
  let stage = "received";
  let timer = null;
  let uid = 0;

  const searching = () => field("search").value.trim() !== "";
  const onlyMine = () => mine.checked && !isRestricted();

  // Reloads the list when the filters differ from what it shows (Enter and then leaving the
  // field is one change, not two).
  let shown = "{}";
  function changed() {
    clearTimeout(timer);
    timer = null;
    syncControls();
    const now = JSON.stringify(params());
    if (now === shown) return;
    shown = now;
    onChange();
  }

  function syncControls() {
    const off = searching() ? "search" : onlyMine() ? "mine" : null;
    sort.disabled = Boolean(off);
    sortNote.hidden = !off;
    if (off) sortNote.textContent = SORT_OFF[off];
    clear.hidden = !active();
    const set = FILTERS.slice(1).filter((name) => field(name).value.trim() !== "").length + (onlyMine() ? 1 : 0);
    toggle.textContent = set ? `Filters (${set})` : "Filters";
  }

  // Phones show the filters other than search on demand.
  function expand(open) {
    form.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }
  toggle.addEventListener("click", () => expand(!form.classList.contains("open")));

  // Enter applies at once (the form has no submit button, so it would not submit itself).
  form.addEventListener("submit", (event) => { event.preventDefault(); changed(); });
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    event.preventDefault();
    changed();
  });
  field("search").addEventListener("input", () => {
    clearError(field("search"));
    syncControls();
    clearTimeout(timer);
    if (!searching()) changed(); // cleared: the whole list again, at once
    else timer = setTimeout(changed, DEBOUNCE_MS);
  });
  field("country").addEventListener("input", (event) => {
    event.target.value = event.target.value.toUpperCase();
    clearError(event.target);
  });
  for (const name of FILTERS.slice(1)) {
    field(name).addEventListener("change", (event) => { clearError(event.target); changed(); });
  }
  sort.addEventListener("change", () => { clearError(sort); changed(); });
  mine.addEventListener("change", () => { onMine(mine.checked); changed(); });
  clear.addEventListener("click", () => {
    form.reset();
    clearErrors();
    changed();
    field("search").focus();
  });

  // Offer only the orders the API accepts with this stage; a chosen one that no longer fits
  // falls back to newest first.
  function setStage(value) {
    stage = value;
    for (const option of sort.options) {
      const only = ORDER_STAGE[option.value];
      const fits = !only || only === stage;
      option.hidden = !fits;
      option.disabled = !fits;
    }
    if (sort.selectedOptions[0]?.disabled) sort.value = DEFAULT_ORDER;
    shown = JSON.stringify(params()); // the list reloads for the stage itself
  }

  function active() {
    return onlyMine() || FILTERS.some((name) => field(name).value.trim() !== "");
  }

  // The filters as query parameters (view, stage and paging are the list's own).
  function params() {
    const out = {};
    for (const name of FILTERS) {
      const value = field(name).value.trim();
      if (value) out[name] = value;
    }
    if (onlyMine()) out.owner = "me";
    const order = sort.value;
    if (!out.search && !out.owner && !isRestricted() && order !== DEFAULT_ORDER && (!ORDER_STAGE[order] || ORDER_STAGE[order] === stage)) {
      out.orderBy = order;
    }
    return out;
  }

  function describe() {
    const search = field("search").value.trim();
    return { search, mine: onlyMine(), filtered: active() };
  }

  // ---- errors next to their controls --------------------------------------------------
  function control(target) {
    if (target === "orderBy") return sort;
    if (target === "owner") return mine;
    return FILTERS.includes(target) ? field(target) : null;
  }

  function clearError(el) {
    if (!el.hasAttribute("aria-invalid")) return;
    el.removeAttribute("aria-invalid");
    const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    for (const id of ids.filter((i) => i.startsWith("ferr-"))) document.getElementById(id)?.remove();
    const rest = ids.filter((i) => !i.startsWith("ferr-")).join(" ");
    if (rest) el.setAttribute("aria-describedby", rest);
    else el.removeAttribute("aria-describedby");
  }

  function clearErrors() {
    for (const el of [...FILTERS.map(field), sort, mine]) clearError(el);
  }

  function message(text) {
    const t = text || "This value is not valid.";
    return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
  }

  // Places each detail the filters own; answers the ones they do not (for the page notice).
  function showErrors(err) {
    clearErrors();
    const details = err.details?.length ? err.details : [{ message: err.message, target: err.target }];
    const rest = [];
    for (const detail of details) {
      const el = control(detail.target);
      if (!el) { rest.push(detail); continue; }
      const id = `ferr-${++uid}`;
      (el === sort ? document.getElementById("sort-messages") : el.closest(".filter")).append(h("p", { class: "field-error", id, role: "alert", text: el.dataset.invalid || message(detail.message) }));
      el.setAttribute("aria-invalid", "true");
      if (el !== sort && el !== field("search")) expand(true);
      const ids = el.getAttribute("aria-describedby");
      el.setAttribute("aria-describedby", ids ? `${ids} ${id}` : id);
    }
    return rest;
  }

  setStage(stage);
  syncControls();
  return { params, setStage, describe, showErrors, clearErrors, sync: syncControls };
}
