// A lead that came from Partner Center: its badge with the sync state (cards, table rows, the
// detail), the detail's Partner Center part, and the words for a conflict in its timeline.
import { h, when } from "./dom.js";

export const SYNC = {
  synced: ["Synced", "Partner Center has this lead as it is here."],
  pending: ["Sync pending", "A change made here is on its way to Partner Center."],
  conflict: ["Conflict", "Partner Center had already closed this lead differently: its state was taken here."],
  failed: ["Sync failed", "A change made here could not be written to Partner Center."],
};
const MARK = { synced: "✓", pending: "↻", conflict: "!", failed: "×" };

export const fromPartnerCenter = (r) => r.source === "partnerCenter" && Boolean(r.partnerCenter);

// "Partner Center · Synced"; `compact` (the table) shows the state as a mark, its words for
// screen readers and in the tooltip.
export function partnerCenterBadge(r, { compact = false } = {}) {
  if (!fromPartnerCenter(r)) return null;
  const state = r.partnerCenter.syncState || "synced";
  const [label, meaning] = SYNC[state] || [state, ""];
  const title = `From Partner Center. ${label}: ${meaning}${r.partnerCenter.message ? ` ${r.partnerCenter.message}` : ""}`;
  return h("span", { class: `badge pc-badge pc-sync-${state}`, title },
    compact ? "PC" : "Partner Center",
    compact ? h("span", { class: "pc-mark", "aria-hidden": "true", text: ` ${MARK[state] || ""}` }) : null,
    h("span", { class: compact ? "visually-hidden" : "pc-sync", text: compact ? ` from Partner Center, ${label}` : ` · ${label}` }));
}

// The detail's "Partner Center" part: the link's state, with its message when it has one.
export function partnerCenterSection(r) {
  if (!fromPartnerCenter(r)) return null;
  const link = r.partnerCenter;
  const state = link.syncState || "synced";
  const [label, meaning] = SYNC[state] || [state, ""];
  const warn = state === "conflict" || state === "failed";
  return h("section", { class: "part pc-lead", "aria-labelledby": "pc-lead-title" },
    h("h3", { id: "pc-lead-title", text: "Partner Center" }),
    h("p", { class: "pc-lead-state" }, h("span", { class: `badge pc-badge pc-sync-${state}`, text: label }), ` ${meaning}`),
    link.message ? h("p", { class: `pc-message${warn ? " notice warning" : " muted"}`, text: link.message }) : null,
    h("dl", { class: "facts" },
      h("div", {}, h("dt", { text: "Partner Center id" }), h("dd", {}, h("code", { text: link.id }))),
      h("div", {}, h("dt", { text: "Last synced" }), h("dd", { text: when(link.lastSyncedDateTime) }))));
}

// The timeline's words for the conflict, under Partner Center's newest entry.
export function conflictNote(message) {
  return h("p", { class: "event-note conflict" }, h("strong", { text: "Conflict: " }),
    message || "Partner Center had already closed this lead differently; its state was taken here.");
}
