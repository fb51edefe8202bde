// The Insights panel (GET /insights) and the business profile form (GET/PUT /profile).
import { api } from "./api.js";
import { h, money, percent } from "./dom.js";
import { addRows, openDialog, readForm, setValues } from "./forms.js";

function hours(value) {
  if (value === null || value === undefined) return "—";
  if (value < 1) return `${Math.max(1, Math.round(value * 60))} min`;
  return value < 48 ? `${value.toFixed(1)} h` : `${(value / 24).toFixed(1)} days`;
}

export async function loadInsights() {
  const box = document.getElementById("insights");
  box.setAttribute("aria-busy", "true");
  try {
    const data = await api("GET", "insights");
    const pipeline = data.openPipelineValue.map((p) => money(p.value, p.currency)).join("\n") || "—";
    const figure = (term, value, note) => h("div", {}, h("dt", { text: term }),
      h("dd", { class: value.includes("\n") ? "many" : null, text: value }),
      note ? h("dd", { class: "note", text: note }) : null);
    box.replaceChildren(
      figure("Median response time", hours(data.medianResponseHours), `${data.received} waiting for a response`),
      figure("Acceptance rate", percent(data.acceptanceRate), `${data.declined} declined · ${data.expired} expired`),
      figure("Win rate", percent(data.winRate), `${data.won} won · ${data.lost} lost`),
      figure("Open pipeline", pipeline, `${data.accepted} accepted leads`),
    );
  } catch (err) {
    box.replaceChildren(h("div", {}, h("dt", { text: "Insights" }), h("dd", { text: `Unavailable: ${err.message}` })));
  } finally {
    box.removeAttribute("aria-busy");
  }
}

export async function openProfile({ onSaved, onError }) {
  let profile = null;
  try {
    profile = await api("GET", "profile");
  } catch (err) {
    if (err.status !== 404) { onError(err); return; }
  }
  const hint = document.getElementById("profile-hint");
  hint.classList.toggle("warning", !profile);
  openDialog("dlg-profile", {
    fill: (form) => {
      hint.textContent = profile
        ? "Your business profile. The contacts of each location are alerted about new leads."
        : "You have no business profile yet: you need one before you can receive referrals.";
      const p = profile || { companyName: "", keywords: [], customerSizes: [], locations: [{ contacts: [{}] }] };
      setValues(form, { companyName: p.companyName, keywords: p.keywords, customerSizes: p.customerSizes, webhookUrl: p.webhookUrl });
      addRows(form, "locations", p.locations);
    },
    submit: async (form) => {
      const body = readForm(form);
      body.locations ||= [];
      for (const location of body.locations) location.contacts ||= [];
      await api("PUT", "profile", { body });
      onSaved("Business profile saved.");
    },
  });
}
