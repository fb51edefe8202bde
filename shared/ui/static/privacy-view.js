// What the Privacy page shows: what the organisation holds about one address (the referrals
// where it is a contact, a team member or the owner, and the history entries naming it), and
// the erasure log. privacy.js fetches and acts; this file only builds the elements.
import { h, person, stageLabel, when } from "./dom.js";
import { ACTIONS, FIELDS } from "./timeline.js";

export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const same = (a, b) => (a || "").trim().toLowerCase() === (b || "").trim().toLowerCase();

// The person's places in one referral, in words: "Customer contact: Ada Jansen, +31 …".
function roles(r, address) {
  const found = [];
  for (const c of r.customerProfile?.contacts || []) {
    if (same(c.email, address)) found.push(["Customer contact", [person(c), c.title, c.phoneNumber].filter(Boolean).join(", ")]);
  }
  for (const m of r.team || []) {
    if (same(m.email, address)) found.push(["Team member", [person(m), m.phoneNumber].filter(Boolean).join(", ")]);
  }
  if (r.owner && same(r.owner.email, address)) found.push(["Owner", r.owner.name]);
  if (!found.length) found.push(["Named", "in its notes, reasons or deal name"]);
  return found;
}

function referralItem(r, address, onOpenLead) {
  return h("li", { class: "privacy-referral" },
    h("p", { class: "privacy-line" },
      h("button", { type: "button", class: "link", onclick: () => onOpenLead(r.id), text: r.customerProfile?.name || r.id }),
      h("span", { class: "muted", text: ` · ${stageLabel(r)} · arrived ${when(r.createdDateTime)}` })),
    h("ul", { class: "privacy-roles" }, roles(r, address).map(([role, what]) =>
      h("li", {}, h("span", { class: "field", text: `${role}: ` }), what))));
}

function entryItem(e, customers) {
  const fields = Object.keys(e.changes || {}).filter((f) => f !== "status").map((f) => FIELDS[f] || f);
  return h("li", {},
    h("span", { class: "privacy-when", text: when(e.at) }), " ",
    h("strong", { text: ACTIONS[e.action] || e.action }),
    h("span", { class: "muted", text: ` · ${customers.get(e.referralId) || e.referralId}${e.actor?.name ? ` · by ${e.actor.name}` : ""}` }),
    fields.length ? h("span", { class: "muted", text: ` · ${fields.join(", ")}` }) : null);
}

// `held` is GET /privacy/people/{email}'s answer; `tools` are the Download and Erase buttons.
export function heldPart(held, address, { onOpenLead, tools }) {
  const customers = new Map(held.referrals.map((r) => [r.id, r.customerProfile?.name || r.id]));
  const nothing = !held.referrals.length && !held.historyEntries.length;
  return h("section", { class: "privacy-part privacy-held", "aria-labelledby": "privacy-held-title" },
    h("h3", { id: "privacy-held-title", text: "What is held" }),
    h("p", { class: "privacy-summary" }, h("strong", { class: "privacy-address", text: address }),
      nothing ? ": no referral or history entry of your organisation holds this address."
        : `: ${plural(held.referrals.length, "referral")} and ${plural(held.historyEntries.length, "history entry", "history entries")}.`),
    held.referrals.length ? h("ul", { class: "privacy-list" }, held.referrals.map((r) => referralItem(r, address, onOpenLead))) : null,
    held.historyEntries.length ? [h("h4", { text: "History entries" }),
      h("ul", { class: "privacy-list privacy-history" }, held.historyEntries.map((e) => entryItem(e, customers)))] : null,
    nothing ? h("p", { class: "hint", text: "The address may still be one of your locations' contacts or in the e-mail delivery log: an erasure takes it out of those too." }) : null,
    h("div", { class: "pc-buttons" }, tools));
}

function logRow(e, mine) {
  return h("tr", { class: mine ? "privacy-mine" : null },
    h("td", { text: when(e.dateTime) }),
    h("td", {}, h("code", { class: "privacy-subject", title: e.subject, text: `${e.subject.slice(0, 10)}…` }),
      mine ? h("span", { class: "privacy-tag", text: "this address" }) : null),
    h("td", { class: "num", text: String(e.referrals) }),
    h("td", { class: "num", text: String(e.historyEntries) }),
    h("td", { class: "num", text: String(e.deliveries) }),
    h("td", {}, h("code", { class: "privacy-by", title: `Object id ${e.requestedBy}`, text: `${e.requestedBy.slice(0, 8)}…` })));
}

// The erasure log, newest first; rows whose subject is `mine` (the looked-up address's hash)
// are marked.
export function logTable(entries, mine) {
  if (!entries.length) return h("p", { class: "muted", text: "No erasure yet." });
  const head = ["When", "Person (SHA-256)", "Referrals", "History", "Deliveries", "By"];
  return h("div", { class: "privacy-log-wrap" }, h("table", { class: "privacy-log" },
    h("caption", { class: "visually-hidden", text: "Erasures, newest first" }),
    h("thead", {}, h("tr", {}, head.map((t, i) => h("th", { scope: "col", class: i > 1 && i < 5 ? "num" : null, text: t })))),
    h("tbody", {}, entries.map((e) => logRow(e, e.subject === mine)))));
}
