// The business profile's Marketplace leads card (admins): the lead URL that the partner's
// AppSource and Azure Marketplace offers send their leads to. Created or rotated with the URL
// shown once, here, and never again (only a hash of its key is stored); revoked; and when the
// last lead and the last test lead (MSFT_TEST, sent when an offer's destination is saved or
// published) arrived.
import { api } from "./api.js";
import { when } from "./dom.js";
import { confirmThen } from "./team-work.js";

const $ = (id) => document.getElementById(id);

let endpoint = null; // the profile's marketplaceEndpoint, or null
let hasProfile = false;

function render() {
  $("mp-create").textContent = endpoint ? "Rotate lead URL" : "Create lead URL";
  $("mp-create").disabled = !hasProfile;
  $("mp-revoke").disabled = !endpoint;
  $("mp-status").textContent = !hasProfile
    ? "Save your business profile first; then you can create a lead URL."
    : !endpoint
      ? "No lead URL yet: your offers' leads do not come here."
      : `Lead URL created ${when(endpoint.createdDateTime)}. `
        + `Last lead: ${endpoint.lastLeadDateTime ? when(endpoint.lastLeadDateTime) : "none yet"}. `
        + `Last test lead: ${endpoint.lastTestLeadDateTime ? when(endpoint.lastTestLeadDateTime) : "none yet"}.`;
}

function fail(err, what) {
  const box = $("mp-error");
  box.hidden = false;
  if (err.status === 503 && what === "create") {
    box.textContent = `This server cannot make lead URLs right now. It answered: “${err.message}” `
      + "Nothing was changed. Ask whoever runs the service to set PUBLIC_BASE_URL.";
  } else if (err.status === 409 || err.status === 404) {
    box.textContent = "Save your business profile first: the lead URL needs one.";
  } else {
    box.textContent = `${what === "create" ? "No lead URL was created" : "The lead URL was not revoked"}: ${err.message}`;
  }
  box.focus();
}

async function refresh() {
  try {
    endpoint = (await api("GET", "profile")).marketplaceEndpoint ?? null;
  } catch { /* keep what is shown */ }
  render();
}

async function create() {
  $("mp-error").hidden = true;
  $("mp-create").disabled = true;
  try {
    const { url } = await api("POST", "profile/marketplace-endpoint");
    $("mp-url-value").value = url;
    $("mp-copied").textContent = "";
    $("mp-url-box").hidden = false;
    await refresh();
    setTimeout(() => { // after a confirmation dialog has closed (and given focus back)
      $("mp-url-box").scrollIntoView({ block: "nearest" });
      $("mp-url-value").focus({ preventScroll: true });
      $("mp-url-value").select();
    });
  } catch (err) {
    fail(err, "create");
    render();
  }
}

function onCreate() {
  if (!endpoint) return create();
  return confirmThen({
    title: "Rotate the marketplace lead URL?", action: "Rotate lead URL", run: create,
    text: "A new URL replaces the current one at once: leads sent to the old URL are refused from now "
      + "on, so paste the new one into every offer's Customer leads setting straight away.",
  });
}

async function revoke() {
  $("mp-error").hidden = true;
  try {
    await api("DELETE", "profile/marketplace-endpoint");
    $("mp-url-value").value = "";
    $("mp-url-box").hidden = true;
    await refresh();
  } catch (err) {
    fail(err, "revoke");
  }
}

function onRevoke() {
  return confirmThen({
    title: "Revoke the marketplace lead URL?", action: "Revoke lead URL", run: revoke,
    text: "Leads your offers send to it are refused from now on, until you create a new URL and "
      + "paste it into the offers.",
  });
}

async function copyUrl() {
  const input = $("mp-url-value");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    $("mp-copied").textContent = "Copied to the clipboard.";
  } catch {
    $("mp-copied").textContent = "Copying was refused: the URL is selected, press Ctrl+C (or ⌘C).";
  }
}

// Each time the profile dialog opens: no URL on show, the saved profile's status.
export function resetMarketplaceTools(profile) {
  hasProfile = Boolean(profile);
  endpoint = profile?.marketplaceEndpoint ?? null;
  $("mp-url-value").value = "";
  $("mp-url-box").hidden = true;
  $("mp-error").hidden = true;
  render();
}

$("mp-create").addEventListener("click", onCreate);
$("mp-revoke").addEventListener("click", onRevoke);
$("mp-copy").addEventListener("click", copyUrl);
$("dlg-profile").addEventListener("close", () => {
  $("mp-url-value").value = ""; // shown once: not kept in the page either
  $("mp-url-box").hidden = true;
});
