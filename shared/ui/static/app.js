// The dashboard's entry point: sign-in by mode, then the finder, the lists, the detail pane,
// the CSV export and insights; a Referrals user gets the narrower page (access.js).
import { isRestricted, setRestricted } from "./access.js";
import { configureAuth } from "./api.js";
import { ROLES, USER_ROLE, entraName, entraSignIn, entraSignOut, entraStart, headersFor, loadConfig, localPerson, localUser, setLocalUser } from "./auth.js";
import { createDetail } from "./detail.js";
import { setupExport } from "./export.js";
import { createFilters } from "./filters.js";
import { openDialog, setValues, setupDialogs } from "./forms.js";
import { loadInsights } from "./insights.js";
import { createLeads } from "./leads.js";
import { openPartnerCenter, returnMessage, setupPartnerCenter, takeReturn } from "./partner-center.js";
import { openPrivacy, setupPrivacy } from "./privacy.js";
import { openProfile } from "./profile.js";

const $ = (id) => document.getElementById(id);
const DEMO_TENANT = "11111111-2222-3333-4444-555555555555";
let config = null;
// Back from the Partner Center sign-in (?partnerCenter=connected|failed&reason=): said once signed in.
let partnerCenterReturn = takeReturn();

function notify(message, kind = "info") {
  const box = $("notice");
  box.textContent = message;
  box.className = `notice ${kind}`;
  box.hidden = !message;
}

function showError(err) {
  if (err.status === 401) return; // handled by signedOut()
  if (err.status === 403 && isRestricted()) {
    notify("Only an admin may do that: a Referrals user works the leads it owns or is on the team of.", "error");
  } else if (err.status === 403) {
    notify("You are signed in, but your role may not see or change leads. Sign in with the Referrals.Admin, Partner.Admin or Referrals.User role.", "error");
  } else {
    notify(err.message || String(err), "error");
  }
}

const workspace = document.querySelector(".workspace");
const detail = createDetail({
  onChange: changed,
  toggleFavorite: (r, button) => leads.toggleFavorite(r, button),
  onBack: () => { workspace.classList.remove("showing-detail"); leads.focusSelected(); },
  onError: showError,
  me: () => (config?.authMode === "local" ? localPerson() : null),
  knownOwners: () => leads.owners(),
});
const filters = createFilters({ onChange: () => leads.reload(), onMine: (on) => leads.preferStage(on) });
const leads = createLeads({
  filters,
  onSelect: (id) => { workspace.classList.add("showing-detail"); detail.show(id, { focus: true }); },
  onChange: changed,
  onError: showError,
  // The table takes the page's width; a lead then opens in its place, as on a phone.
  onLayout: (layout) => {
    workspace.classList.toggle("table-mode", layout === "table");
    workspace.classList.remove("showing-detail");
  },
  onQuery: () => exporter.clear(),
});
const exporter = setupExport({ query: () => leads.query(), placeErrors: filters.showErrors, onError: showError });

// `figures`: only accept, decline, win, lose and edits of the deal's value or currency change
// what Insights shows; favorites, team members and other edits do not fetch it again.
function changed(referral, message, { figures = false } = {}) {
  leads.update(referral);
  if (detail.current?.id === referral.id) detail.render(referral);
  if (message) notify(message, "success");
  if (figures) refreshInsights();
}

// Insights are for admins; a 403 there means a Referrals user (outside local sign-in too).
function refreshInsights() {
  if (isRestricted()) return;
  loadInsights({ onForbidden: () => { setRestricted(true); filters.sync(); leads.reload(); } });
}

function signedOut(text) {
  $("app").hidden = true;
  $("open-profile").hidden = true;
  $("open-partner-center").hidden = true;
  $("open-privacy").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("signed-out").hidden = false;
  if (text) $("signed-out-text").textContent = text;
}

function start(who, restricted = false) {
  setRestricted(restricted);
  filters.sync();
  $("signed-out").hidden = true;
  $("app").hidden = false;
  $("open-profile").hidden = false;
  $("open-partner-center").hidden = false;
  $("open-privacy").hidden = false;
  $("sign-out").hidden = config.authMode === "easyauth" && !config.logoutUrl;
  $("who").textContent = who || "";
  notify("");
  detail.clear();
  workspace.classList.remove("showing-detail");
  refreshInsights();
  leads.preferStage(restricted, { now: false }); // a Referrals user's leads are accepted ones
  const loaded = leads.reload();
  if (partnerCenterReturn && !restricted) {
    const said = returnMessage(partnerCenterReturn);
    notify(...said);
    openPartnerCenter({ said, following: partnerCenterReturn.partnerCenter === "connected" });
  }
  partnerCenterReturn = null;
  return loaded;
}

// ---- local sign-in (AUTH_MODE=local only; the server's config decides) --------------------
function localSignIn() {
  const user = localUser() || { tenant: DEMO_TENANT, name: "Ada Admin", email: "ada@contoso.example", role: ROLES[0] };
  openDialog("dlg-signin", {
    fill: (form) => setValues(form, user),
    submit: async (form) => {
      const values = { tenant: form.tenant.value.trim(), name: form.name.value.trim(),
        email: form.email.value.trim(), role: form.role.value };
      // A Referrals user's team leads are found by its e-mail address.
      const missing = ["tenant", "name", ...(values.role === USER_ROLE ? ["email"] : [])].filter((k) => !values[k]);
      const details = missing.map((target) => ({ code: "required", target, message: "required" }));
      if (values.email && !form.email.checkValidity()) details.push({ code: "invalid", target: "email", message: "invalid" });
      if (details.length) {
        const err = new Error("Please fill in the marked fields.");
        err.details = details;
        throw err;
      }
      setLocalUser(values);
      await start(`${values.name} · ${values.role}`, values.role === USER_ROLE);
    },
  });
}

function setupLocal() {
  $("open-signin").hidden = false;
  $("open-signin").addEventListener("click", localSignIn);
  $("signed-out-action").hidden = false;
  $("signed-out-action").textContent = "Local sign-in";
  $("signed-out-action").addEventListener("click", localSignIn);
  $("signed-out-text").textContent = "Local development: choose a tenant, a name and a role to act as.";
  $("sign-out").addEventListener("click", () => { setLocalUser(null); signedOut("You signed out."); });
  const user = localUser();
  if (user) start(`${user.name} · ${user.role}`, user.role === USER_ROLE);
  else signedOut();
}

function setupEasyAuth() {
  const link = $("signin-link");
  link.href = config.loginUrl;
  $("sign-out").addEventListener("click", () => { location.href = config.logoutUrl; });
  $("signed-out-text").textContent = "Sign in with your work account to see your organisation's leads.";
  const action = $("signed-out-action");
  action.hidden = false;
  action.addEventListener("click", () => { location.href = config.loginUrl; });
  start("");
}

async function setupEntra() {
  $("sign-out").addEventListener("click", () => entraSignOut());
  const action = $("signed-out-action");
  action.hidden = false;
  action.addEventListener("click", () => entraSignIn(config.entra));
  try {
    const account = await entraStart(config.entra);
    if (account) start(entraName());
    else signedOut("Sign in with your work account to see your organisation's leads.");
  } catch (err) {
    action.hidden = true;
    signedOut(err.message);
  }
}

async function main() {
  try {
    config = await loadConfig();
  } catch (err) {
    notify(`The dashboard cannot start: ${err.message}`, "error");
    return;
  }
  document.documentElement.dataset.authMode = config.authMode;
  configureAuth(headersFor(config), () => {
    signedOut();
    if (config.authMode === "easyauth") $("signin-link").hidden = false;
  });
  $("open-profile").addEventListener("click", () => openProfile({
    onSaved: (message) => notify(message, "success"), onError: showError,
  }));
  // A sync brings leads in or changes them: the list and the open lead are read again.
  setupPartnerCenter({ onSynced: ([message, kind]) => {
    notify(message, kind);
    leads.reload();
    if (detail.current) detail.show(detail.current.id);
    refreshInsights();
  } });
  $("open-partner-center").addEventListener("click", () => openPartnerCenter());
  setupPrivacy({
    onOpenLead: (id) => { workspace.classList.add("showing-detail"); detail.show(id, { focus: true }); },
    onErased: () => { leads.reload(); if (detail.current) detail.show(detail.current.id); },
  });
  $("open-privacy").addEventListener("click", () => openPrivacy());
  if (config.authMode === "local" && config.localSignIn) return setupLocal();
  $("dlg-signin").remove(); // the developer sign-in exists only in AUTH_MODE=local
  if (config.authMode === "entra") await setupEntra();
  else setupEasyAuth();
}

setupDialogs();
main();
