// The lead's history (GET /referrals/{id}/history, oldest first) as a timeline: who, when,
// what, and each changed field as old → new in words. Loaded again after every action. A
// Partner Center conflict is explained under Partner Center's newest entry (its old values are
// the change made here that lost).
import { api, sameOrigin } from "./api.js";
import { DECLINE_REASONS, LOST_REASONS, day, h, money, person, when } from "./dom.js";
import { conflictNote } from "./partner-center-lead.js";

export const ACTIONS = {
  received: "Lead arrived", accepted: "Accepted the lead", declined: "Declined the lead",
  edited: "Edited the deal", assigned: "Assigned an owner", teamMemberAdded: "Added to the team",
  teamMemberRemoved: "Removed from the team", favorited: "Added to favorites",
  unfavorited: "Removed from favorites", won: "Marked the deal as won",
  lost: "Marked the deal as lost", expired: "Expired without a response",
};
export const FIELDS = {
  substatus: "Stage", statusReason: "Reason", closingNotes: "Closing notes", name: "Deal name",
  dealValue: "Deal value", currency: "Currency", closingDate: "Closing date", notes: "Notes",
  externalReferenceId: "CRM id", campaignId: "Campaign id", owner: "Owner", team: "Team",
};
// Said by the action itself, or internal: not listed as changes.
const QUIET = new Set(["status", "favorite"]);
const LONG = 120;
const PARTNER_CENTER = "partner-center"; // the actor of changes made in Partner Center

function value(field, v, changes) {
  if (v === null || v === undefined || v === "") return "—";
  if (field === "dealValue") return money(v, changes.currency?.new || changes.currency?.old);
  if (field === "closingDate") return day(v);
  if (field === "statusReason") return DECLINE_REASONS[v] || LOST_REASONS[v] || v;
  if (field === "owner") return `${v.name} (${v.email})`;
  const text = String(v);
  return text.length > LONG ? `${text.slice(0, LONG - 1)}…` : text;
}

const emailOf = (m) => (m.email || "").toLowerCase();

// Team changes as who joined and who left, not two lists.
function teamChanges({ old, new: now }) {
  const before = new Map((old || []).map((m) => [emailOf(m), m]));
  const after = new Map((now || []).map((m) => [emailOf(m), m]));
  const rows = [];
  for (const [email, m] of after) if (!before.has(email)) rows.push(`${person(m)} (${m.email}) joined`);
  for (const [email, m] of before) if (!after.has(email)) rows.push(`${person(m)} (${m.email}) left`);
  return rows.map((text) => h("li", {}, h("span", { class: "field", text: "Team: " }), text));
}

function changeList(entry) {
  if (entry.action === "received") return null; // everything is new on arrival
  const rows = [];
  for (const [field, change] of Object.entries(entry.changes || {})) {
    if (QUIET.has(field)) continue;
    if (field === "team") { rows.push(...teamChanges(change)); continue; }
    const old = value(field, change.old, entry.changes);
    const now = value(field, change.new, entry.changes);
    rows.push(h("li", {}, h("span", { class: "field", text: `${FIELDS[field] || field}: ` }),
      h("span", { class: "old", title: change.old ? String(change.old.name || change.old) : null, text: old }),
      h("span", { class: "arrow", "aria-hidden": "true", text: " → " }),
      h("span", { class: "visually-hidden", text: " changed to " }),
      h("span", { class: "new", text: now })));
  }
  return rows.length ? h("ul", { class: "changes" }, rows) : null;
}

function label(entry) {
  if (entry.action === "assigned" && !entry.changes?.owner?.new) return "Removed the owner";
  if (entry.action === "expired" && entry.actor?.id === PARTNER_CENTER) return "Expired"; // its own window, not ours
  return ACTIONS[entry.action] || entry.action;
}

// "by Ada", "by System"; what happened in Partner Center says so ("Declined the lead in Partner Center").
function byWhom(entry) {
  if (entry.actor?.id === PARTNER_CENTER) return entry.action === "received" ? " from Partner Center" : " in Partner Center";
  return ` by ${entry.actor?.id === "system" ? "System" : entry.actor?.name || entry.actor?.id || "Someone"}`;
}

function item(entry) {
  return h("li", { class: `event event-${entry.action}${entry.actor?.id === PARTNER_CENTER ? " by-partner-center" : ""}` },
    h("p", { class: "event-head" },
      h("span", { class: "event-what", text: label(entry) }),
      h("span", { class: "event-who", text: byWhom(entry) }),
      h("time", { datetime: entry.at, text: when(entry.at) })),
    changeList(entry));
}

export function createTimeline() {
  const list = h("ol", { class: "timeline", "aria-label": "History of the lead" });
  const more = h("button", { type: "button", class: "link", hidden: true }, "Show more history");
  const status = h("p", { class: "muted", text: "Loading the history…" });
  const box = h("section", { class: "part", "aria-labelledby": "timeline-title", "aria-busy": "true" },
    h("h3", { id: "timeline-title", text: "Activity" }), status, list, more);
  let entries = [];
  let next = null;
  let seq = 0;
  let shownId = null;
  let conflict = null; // the lead's Partner Center conflict message, when it has one

  function markConflict() {
    list.querySelector(".event-note.conflict")?.remove();
    if (conflict === null) return;
    const i = entries.findLastIndex((e) => e.actor?.id === PARTNER_CENTER);
    if (i >= 0) list.children[i].append(conflictNote(conflict));
  }

  async function fetchPage(url, append) {
    const mine = ++seq;
    box.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", url);
      if (mine !== seq) return;
      if (!append) { entries = []; list.replaceChildren(); }
      entries.push(...page.value);
      list.append(...page.value.map(item));
      markConflict();
      next = page.nextLink ? sameOrigin(page.nextLink).href : null;
      status.hidden = entries.length > 0;
      status.textContent = "Nothing has happened yet.";
    } catch (err) {
      if (mine !== seq) return;
      entries = [];
      list.replaceChildren();
      status.hidden = false;
      status.textContent = `The history is unavailable: ${err.message}`;
    } finally {
      if (mine === seq) box.removeAttribute("aria-busy");
      more.hidden = !next;
    }
  }
  more.addEventListener("click", () => fetchPage(next, true));

  return {
    element: box,
    // `conflictMessage`: the lead's partnerCenter.message while its syncState is "conflict".
    load(id, { conflictMessage = null } = {}) {
      conflict = conflictMessage;
      if (id !== shownId) { // another lead: never show the last one's history meanwhile
        shownId = id;
        entries = [];
        list.replaceChildren();
        status.hidden = false;
        status.textContent = "Loading the history…";
      }
      return fetchPage(`referrals/${encodeURIComponent(id)}/history?top=50`, false);
    },
    // Owners seen in this lead's history (old and new), for the owner picker.
    owners: () => entries.flatMap((e) => [e.changes?.owner?.old, e.changes?.owner?.new]).filter(Boolean),
  };
}
