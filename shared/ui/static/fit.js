// How well a lead fits the partner: a small badge on cards and rows whose reasons show on
// hover and on keyboard focus (a tooltip the badge or the card's button is described by),
// and the score with its reasons in the detail.
import { SIZES, h } from "./dom.js";

export function fitBand(score) {
  if (score >= 70) return "high";
  return score >= 40 ? "mid" : "low";
}

// The API's message, with customer-size codes in words.
export function reasonText(reason) {
  let text = reason.message || reason.code;
  for (const [code, words] of Object.entries(SIZES)) text = text.replace(code, words.toLowerCase());
  return text;
}

const points = (n) => (n > 0 ? `+${n}` : String(n));

function tip(r, id) {
  const reasons = r.fit.reasons || [];
  return h("span", { class: "fit-tip", role: "tooltip", id },
    h("span", { class: "fit-tip-title", text: `Fit ${r.fit.score} of 100` }),
    reasons.length
      ? h("span", { class: "fit-tip-list" }, reasons.map((x) => h("span", { class: "fit-tip-row" },
        h("span", { class: "points", text: points(x.points) }), h("span", { text: reasonText(x) }))))
      : h("span", { text: "Nothing in your profile or history matched it." }));
}

// { badge, tipId } for a card (inside its button, which `tipId` describes), or a focusable
// badge for a table row. Null for old leads without a score.
export function fitBadge(r, { focusable = false, prefix = "fit" } = {}) {
  if (!r.fit) return null;
  const tipId = `${prefix}-${r.id}`;
  const badge = h("span", {
    class: `fit fit-${fitBand(r.fit.score)}`, tabindex: focusable ? "0" : null,
    "aria-describedby": focusable ? tipId : null,
  }, focusable ? h("span", { class: "visually-hidden", text: "Fit score " }) : "Fit ",
  h("span", { class: "fit-score", text: String(r.fit.score) }), tip(r, tipId));
  return { badge, tipId };
}

export function fitSection(r) {
  const box = h("section", { class: "part fit-detail", "aria-labelledby": "fit-title" },
    h("h3", { id: "fit-title", text: "Fit" }));
  if (!r.fit) {
    box.append(h("p", { class: "muted", text: "No fit score: this lead arrived before leads were scored." }));
    return box;
  }
  const band = fitBand(r.fit.score);
  box.append(
    h("p", { class: "fit-summary" },
      h("span", { class: `fit fit-${band}`, text: `Fit ${r.fit.score} of 100` }),
      h("meter", { min: "0", max: "100", low: "40", high: "70", optimum: "100", value: String(r.fit.score),
        "aria-label": "Fit score" })),
    r.fit.reasons?.length
      ? h("ul", { class: "fit-reasons" }, r.fit.reasons.map((x) => h("li", {},
        h("span", { class: "points", text: points(x.points) }), h("span", { text: reasonText(x) }))))
      : h("p", { class: "muted", text: "Nothing in your profile or history matched this lead." }));
  return box;
}
