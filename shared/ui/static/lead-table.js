// One lead as a row of the dense table: customer (the button that opens it), kind, stage,
// owner (the name; its address as a tooltip), fit (a focusable badge with its reasons as a
// tooltip), country, deal value, closing date,
// created, expires, favorite; a Partner Center lead's badge after its name. Up/Down move between rows.
import { KINDS, day, daysLeft, daysLeftText, h, icon, money, stageLabel, when } from "./dom.js";
import { fitBadge } from "./fit.js";
import { heart } from "./lead-cards.js";
import { doNotContactBadge, marketplaceBadge } from "./marketplace-lead.js";
import { partnerCenterBadge } from "./partner-center-lead.js";

export const COLUMNS = [
  ["customer", "Customer"], ["kind", "Kind"], ["stage", "Stage"], ["owner", "Owner"], ["fit", "Fit"],
  ["country", "Country"],
  ["value", "Deal value"], ["closing", "Closing date"], ["created", "Created"], ["expires", "Expires"],
  ["favorite", "Favorite"],
];
// The column a sort order sorts (aria-sort on its header).
export const SORTED_COLUMN = {
  "createdDateTime desc": ["created", "descending"], "createdDateTime asc": ["created", "ascending"],
  "expirationDateTime asc": ["expires", "ascending"], "closingDate asc": ["closing", "ascending"],
  "dealValue desc": ["value", "descending"], "fit desc": ["fit", "descending"],
};

const regions = (() => {
  try { return new Intl.DisplayNames(undefined, { type: "region" }); } catch { return null; }
})();
const shortDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function countryName(code) {
  if (!code) return "—";
  try { return regions?.of(code) || code; } catch { return code; }
}

function dateCell(iso, cls = null, title = null) {
  if (!iso) return h("td", { class: "none", text: "—" });
  return h("td", { class: cls }, h("time", { datetime: iso, title: title || when(iso), text: shortDate.format(new Date(iso)) }));
}

// The customer's "contact me" as an icon after the name (its words for screen readers).
function contactFlag(r) {
  const text = { urgent: "Customer asked to be contacted now", reminder: "Reminder: contact the customer" }[r.contactAlert];
  if (!text) return null;
  return h("span", { class: `row-alert ${r.contactAlert}`, title: text },
    icon(r.contactAlert === "urgent" ? "flame" : "bell"), h("span", { class: "visually-hidden", text }));
}

function moveFocus(event) {
  const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
  if (!step) return;
  const row = event.currentTarget.closest("tr");
  const next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
  const target = next?.querySelector(".row-open");
  if (!target) return;
  event.preventDefault();
  target.focus();
}

export function row(r, hooks) {
  const days = daysLeft(r);
  const country = r.customerProfile.address?.country;
  const open = h("button", {
    type: "button", class: "row-open link", "aria-controls": "detail",
    "aria-current": hooks.selected(r.id) ? "true" : null,
    onclick: () => hooks.open(r.id), onkeydown: moveFocus,
  }, r.customerProfile.name);
  return h("tr", {
    class: hooks.selected(r.id) ? "current" : null, dataset: { id: r.id },
    // A click anywhere on the row opens it too; the keyboard uses the name's button.
    onclick: (event) => { if (!event.target.closest("button, a")) hooks.open(r.id); },
  },
  h("th", { scope: "row", class: "customer" }, open,
    contactFlag(r), partnerCenterBadge(r, { compact: true }), marketplaceBadge(r, { compact: true }),
    doNotContactBadge(r)),
  h("td", { text: KINDS[r.qualification] || r.qualification }),
  h("td", {}, h("span", { class: `badge stage-${r.stage} sub-${r.substatus.toLowerCase()}`, text: stageLabel(r) })),
  r.owner ? h("td", { class: "owner-cell", title: r.owner.email || null, text: r.owner.name || r.owner.email })
    : h("td", { class: "none", text: "—" }),
  h("td", { class: "fit-cell" }, fitBadge(r, { focusable: true, prefix: "row-fit" })?.badge || h("span", { class: "none", text: "—" })),
  h("td", { title: country || null, text: countryName(country) }),
  h("td", { class: "num", text: r.details.dealValue !== null && r.details.dealValue !== undefined
    ? money(r.details.dealValue, r.details.currency) : "—" }),
  r.details.closingDate ? h("td", {}, h("time", { datetime: r.details.closingDate, text: day(r.details.closingDate) }))
    : h("td", { class: "none", text: "—" }),
  dateCell(r.createdDateTime),
  days !== null ? dateCell(r.expirationDateTime, days <= 2 ? "due soon" : null, daysLeftText(days))
    : h("td", { class: "none", text: "—" }),
  h("td", { class: "fav" }, heart(r, hooks)));
}

export function header(table, order) {
  const [column, direction] = SORTED_COLUMN[order] || [];
  const cells = COLUMNS.map(([key, label]) => h("th", {
    scope: "col", class: `col-${key}`, "aria-sort": key === column ? direction : null,
  }, key === "favorite" ? h("span", { class: "visually-hidden", text: label }) : label,
  key === column ? h("span", { class: "sort-mark", "aria-hidden": "true", text: direction === "ascending" ? " ↑" : " ↓" }) : null));
  table.tHead.replaceChildren(h("tr", {}, cells));
}
