// The Insights panel (GET /insights): response times (median and 90th percentile), rates,
// the open pipeline, why leads were declined or lost, and the win rate by fit score band
// (whether the score means anything for this partner). A From/To range (the API's from/to:
// arrival dates, UTC) narrows every figure; a sentence says what they count: leads by where
// each is now, so a lead received and then won is one won, not one received.
import { api } from "./api.js";
import { DECLINE_REASONS, LOST_REASONS, h, money, percent } from "./dom.js";

function hours(value) {
  if (value === null || value === undefined) return "—";
  if (value < 1) return `${Math.max(1, Math.round(value * 60))} min`;
  return value < 48 ? `${value.toFixed(1)} h` : `${(value / 24).toFixed(1)} days`;
}

const figure = (term, value, ...notes) => h("div", {}, h("dt", { text: term }),
  h("dd", { class: value.includes("\n") ? "many" : null, text: value }),
  ...notes.filter(Boolean).map((note) => h("dd", { class: "note", text: note })));

// {reason: count} as a list, most frequent first, each with a bar of its share.
function reasonList(title, counts, label) {
  const rows = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  const id = `reasons-${title.toLowerCase()}`;
  return h("section", { class: "reason-group", "aria-labelledby": id },
    h("h3", { id, text: `${title} (${total})` }),
    rows.length
      ? h("ul", { class: "reason-list" }, rows.map(([reason, n]) => h("li", {},
        h("span", { class: "reason", text: label(reason) }),
        h("meter", { min: "0", max: String(total), value: String(n), "aria-hidden": "true" }),
        h("span", { class: "count", text: String(n) }))))
      : h("p", { class: "muted", text: "None yet." }));
}

// Each fit band: its win rate as a meter, with the won and lost counts behind it.
function calibration(bands) {
  const rows = [...(bands || [])].reverse(); // best fit first
  if (!rows.length) return [h("p", { class: "muted", text: "No fit scores yet." })];
  return [
    h("h3", { text: "Won of the decided leads, by fit score" }),
    h("ul", { class: "reason-list" }, rows.map((b) => h("li", {},
      h("span", { class: "reason", text: `Fit ${b.band.replace("-", "–")}` }),
      h("meter", { min: "0", max: "1", value: String(b.winRate ?? 0), "aria-hidden": "true" }),
      h("span", { class: "count", text: percent(b.winRate) }),
      h("span", { class: "band-counts", text: b.won + b.lost ? `${b.won} won · ${b.lost} lost` : "None decided yet" })))),
  ];
}

let last = {}; // the options of the last load, for a reload when the range changes
let range = null;
let seq = 0; // a newer load wins over an older answer arriving late

function scopeText(from, to) {
  const when = from && to ? `arrived from ${from} to ${to}` : from ? `arrived since ${from}`
    : to ? `arrived until ${to}` : "arrived at any time";
  return `Leads that ${when} (UTC), counted by where each is now: one received and then won counts as won.`;
}

// The From/To fields above the figures, made once (index.html has only the panel).
function rangeForm() {
  if (range) return range;
  const input = (name, label) => h("label", {}, label, h("input", { type: "date", name }));
  const form = h("form", { class: "insights-range", "aria-label": "Insights range" },
    input("from", "From"), input("to", "To"),
    h("button", { type: "reset", class: "link" }, "All time"));
  const scope = h("p", { id: "insights-scope", class: "insights-scope", text: scopeText("", "") });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("change", () => loadInsights(last));
  form.addEventListener("reset", () => setTimeout(() => loadInsights(last)));
  document.getElementById("insights-title").after(form, scope);
  range = { form, scope };
  return range;
}

// `onForbidden`: the caller's role may not see them (a Referrals user).
export async function loadInsights({ onForbidden = () => {} } = {}) {
  last = { onForbidden };
  const box = document.getElementById("insights");
  const reasons = document.getElementById("insight-reasons");
  const { form, scope } = rangeForm();
  const [from, to] = [form.elements.from.value, form.elements.to.value];
  const query = new URLSearchParams(Object.entries({ from, to }).filter(([, v]) => v));
  scope.textContent = scopeText(from, to);
  const mine = ++seq;
  box.setAttribute("aria-busy", "true");
  try {
    const data = await api("GET", `insights${query.toString() ? `?${query}` : ""}`);
    if (mine !== seq) return;
    const pipeline = data.openPipelineValue.map((p) => money(p.value, p.currency)).join("\n") || "—";
    const p90 = data.responseHoursPercentiles?.p90;
    box.replaceChildren(
      figure("Median response time", hours(data.responseHoursPercentiles?.p50 ?? data.medianResponseHours),
        p90 !== null && p90 !== undefined ? `90% within ${hours(p90)}` : null, `${data.received} waiting for a response`),
      figure("Acceptance rate", percent(data.acceptanceRate), `${data.declined} declined · ${data.expired} expired`),
      figure("Win rate", percent(data.winRate), `${data.won} won · ${data.lost} lost`),
      figure("Open pipeline", pipeline, `${data.accepted} accepted, still open`),
    );
    reasons.replaceChildren(
      reasonList("Declined", data.declineReasons, (r) => DECLINE_REASONS[r] || r),
      reasonList("Lost", data.lostReasons, (r) => LOST_REASONS[r] || r || "No reason given"));
    document.getElementById("insight-fit").replaceChildren(...calibration(data.fitCalibration));
  } catch (err) {
    if (mine !== seq) return;
    if (err.status === 403) onForbidden();
    box.replaceChildren(h("div", {}, h("dt", { text: "Insights" }), h("dd", { text: `Unavailable: ${err.message}` })));
  } finally {
    if (mine === seq) box.removeAttribute("aria-busy");
  }
}
