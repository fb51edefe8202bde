// One lead as a card of the list: name, stage, needs, kind, age, deadline, contact alert and
// the favorite heart, the fit score (its reasons on hover and focus), the owner, and where it came
// from when that is Partner Center (with its sync state). `hooks`: { selected(id), open(id), favorite(r, button) }.
import { KINDS, ago, alertBanner, daysLeft, daysLeftText, h, icon, need, stageLabel, when } from "./dom.js";
import { fitBadge } from "./fit.js";
import { doNotContactBadge, marketplaceBadge } from "./marketplace-lead.js";
import { partnerCenterBadge } from "./partner-center-lead.js";

export function heart(r, hooks) {
  return h("button", {
    type: "button", class: "heart", "aria-pressed": String(Boolean(r.favorite)),
    "aria-label": `Favorite: ${r.customerProfile.name}`,
    title: r.favorite ? "Remove from favorites" : "Add to favorites",
    onclick: (event) => hooks.favorite(r, event.currentTarget),
  }, icon("heart"));
}

export function card(r, hooks) {
  const days = daysLeft(r);
  const fit = fitBadge(r, { prefix: "card-fit" });
  const open = h("button", {
    type: "button", class: "lead-open", "aria-controls": "detail", "aria-describedby": fit?.tipId,
    "aria-current": hooks.selected(r.id) ? "true" : null,
    onclick: () => hooks.open(r.id),
  },
  h("span", { class: "lead-head" },
    h("span", { class: "lead-name", text: r.customerProfile.name }),
    h("span", { class: `badge stage-${r.stage} sub-${r.substatus.toLowerCase()}`, text: stageLabel(r) }),
    fit?.badge, partnerCenterBadge(r), marketplaceBadge(r), doNotContactBadge(r)),
  h("span", { class: "lead-need", text: need(r) }),
  h("span", { class: "lead-meta" },
    h("span", { class: "kind", text: KINDS[r.qualification] || r.qualification }),
    h("time", { datetime: r.createdDateTime, title: when(r.createdDateTime), text: `Arrived ${ago(r.createdDateTime)}` }),
    days !== null ? h("span", { class: days <= 2 ? "due soon" : "due", text: daysLeftText(days) }) : null,
    r.owner ? h("span", { class: "lead-owner", text: `Owner: ${r.owner.name}` }) : null),
  alertBanner(r, true));
  return h("li", { class: "lead", dataset: { id: r.id } }, open, heart(r, hooks));
}
