// A lead that came from a marketplace offer: its badge with the customer's action (cards, table
// rows, the detail), the "do not contact" badge, and the detail's Marketplace part (the offer).
import { h } from "./dom.js";

export const ACTIONS = {
  PLT: ["Contact me", "The customer asked to be contacted (a partner-led trial)."],
  INS: ["Installed", "The customer got or bought the offer."],
  CREATE: ["Created", "The customer created the offer in the Azure portal."],
  STARTTESTDRIVE: ["Test drive", "The customer started a test drive."],
  DNC: ["Do not contact", "You were cross-listed on the offer; the customer does not want to be contacted."],
};
const SOURCES = { SPZA: "AppSource", AZUREMARKETPLACE: "Azure Marketplace", AZUREPORTAL: "Azure portal" };

export const fromMarketplace = (r) => r.source === "marketplace" && Boolean(r.marketplace);
const action = (m) => ACTIONS[(m.action || "").toUpperCase()] || (m.action ? [m.action, ""] : null);
const offer = (m) => m.offerTitle || m.offerId || "an offer";

// "Marketplace · Contact me"; `compact` (the table) shows "MP", its words for screen readers
// and in the tooltip.
export function marketplaceBadge(r, { compact = false } = {}) {
  if (!fromMarketplace(r)) return null;
  // A DNC lead's action is said by its own "Do not contact" badge.
  const [label] = r.doNotContact ? [""] : action(r.marketplace) || [""];
  const title = `From the marketplace: ${offer(r.marketplace)}${label ? ` (${label})` : ""}.`;
  return h("span", { class: "badge mp-badge", title },
    compact ? "MP" : "Marketplace",
    label ? h("span", { class: compact ? "visually-hidden" : "mp-action", text: compact ? ` marketplace, ${label}` : ` · ${label}` }) : null);
}

export function doNotContactBadge(r) {
  if (!r.doNotContact) return null;
  return h("span", { class: "badge dnc-badge", title: ACTIONS.DNC[1], text: "Do not contact" });
}

function fact(term, value) {
  return value ? h("div", {}, h("dt", { text: term }), h("dd", {}, value)) : null;
}

// The detail's "Marketplace" part: the offer, where and what the customer did.
export function marketplaceSection(r) {
  if (!fromMarketplace(r)) return null;
  const m = r.marketplace;
  const [label, meaning] = action(m) || ["", ""];
  return h("section", { class: "part mp-lead", "aria-labelledby": "mp-lead-title" },
    h("h3", { id: "mp-lead-title", text: "Marketplace" }),
    r.doNotContact ? h("p", { class: "notice warning", text: ACTIONS.DNC[1] }) : null,
    h("dl", { class: "facts" },
      fact("Offer", m.offerTitle), fact("Offer id", m.offerId ? h("code", { text: m.offerId }) : null),
      fact("Where", m.source ? SOURCES[m.source.toUpperCase()] || m.source : null),
      fact("Action", label ? `${label}${meaning ? `: ${meaning}` : ""}` : null),
      m.source ? null : fact("Lead source", m.leadSource)));
}
