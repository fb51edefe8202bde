// The business profile form (GET/PUT /profile), with the webhook tools (webhook-tools.js).
import { api } from "./api.js";
import { addRows, openDialog, readForm, setValues } from "./forms.js";
import { resetMarketplaceTools } from "./marketplace-tools.js";
import { resetWebhookTools } from "./webhook-tools.js";

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
      resetWebhookTools(Boolean(profile));
      resetMarketplaceTools(profile);
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
