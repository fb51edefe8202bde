// The Partner Center panel (admins): connect the organisation's Partner Center account, see
// the connection's state, who holds Partner Center's events and the last sync, sync now,
// take the events over from another connector, reconnect and disconnect. The sign-in leaves
// the page (POST connect gives the URL) and comes back with ?partnerCenter=connected|failed.
import { api } from "./api.js";
import { h, when } from "./dom.js";
import { confirmThen } from "./team-work.js";

const $ = (id) => document.getElementById(id);
const POLLS = 30; // after Sync now or connecting: look for the finished sync about once a second
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// The callback's reasons (its `reason=`), in words; others are shown with their code.
const REASONS = {
  access_denied: "The sign-in to Partner Center was cancelled or refused.",
  invalid_state: "That sign-in was already used or does not belong to this page. Choose Connect again.",
  expired_state: "The sign-in took more than 10 minutes. Choose Connect again.",
  tenant_mismatch: "You signed in with an account of another organisation: sign in with one of this organisation's.",
  no_refresh_token: "Microsoft gave no lasting sign-in (offline access was not granted). Connect again, and accept every permission asked.",
  consent_required: "An administrator of your organisation must first consent to this app's access to Partner Center.",
  interaction_required: "Microsoft needs you to sign in again. Choose Connect again.",
  not_configured: "This server is not set up for Partner Center yet (see docs/partner-center.md).",
};

let hooks = { onSynced: () => {} }; // onSynced([message, kind]) when a followed sync is done
let shown = null; // the connection as last read
let follow = 0; // bumped to stop following a sync

export function returnMessage({ partnerCenter, reason }) {
  if (partnerCenter === "connected") {
    return ["Partner Center is connected. Its leads are being imported: they appear in your lists in a moment.", "success"];
  }
  const why = REASONS[reason] || `The sign-in did not complete (${reason || "no reason given"}). Choose Connect again.`;
  return [`Partner Center was not connected. ${why} Nothing was changed.`, "error"];
}

// ?partnerCenter=...&reason=... once, taken off the address so a reload does not say it again.
export function takeReturn() {
  const url = new URL(location.href);
  const outcome = url.searchParams.get("partnerCenter");
  if (!outcome) return null;
  const reason = url.searchParams.get("reason");
  url.searchParams.delete("partnerCenter");
  url.searchParams.delete("reason");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  return { partnerCenter: outcome, reason };
}

function say(text, kind = "info") {
  const box = $("pc-said");
  box.textContent = text;
  box.className = `notice ${kind}`;
  box.hidden = !text;
}

function fail(err, what) {
  const box = $("pc-error");
  const why = err.code === "partnerCenterNotConfigured"
    ? `This server is not set up for Partner Center yet; whoever runs it follows docs/partner-center.md. It said: “${err.message}”`
    : err.status === 503 ? `Microsoft's sign-in or Partner Center cannot be reached right now; try again in a few minutes. (${err.message})`
      : err.message;
  box.textContent = `${what}: ${why}`;
  box.hidden = false;
  box.focus();
}

async function run(button, what, work) {
  $("pc-error").hidden = true;
  if (button) button.disabled = true;
  try {
    await work();
  } catch (err) {
    if (err.code === "partnerCenterNotConnected") await load();
    fail(err, what);
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

const button = (label, onclick, cls = "") => h("button", { type: "button", class: cls, onclick }, label);
const part = (title, ...content) => h("section", { class: "pc-part" }, h("h3", { text: title }), ...content);

function connectPart(c) {
  const state = {
    connected: ["Connected", "pc-ok"], reconnectRequired: ["Reconnect required", "pc-warn"],
    disconnected: ["Not connected", "pc-off"],
  }[c.state] || [c.state, "pc-off"];
  const by = c.connectedBy?.name || c.connectedBy?.id;
  const line = h("p", { class: "pc-state-line" }, h("span", { class: `pc-state pc-connection ${state[1]}`, text: state[0] }),
    c.state === "disconnected" ? null : h("span", { class: "muted", text: ` by ${by || "an admin"} on ${when(c.connectedDateTime)}` }));
  const connect = (label, cls) => button(label, (e) => run(e.currentTarget, "Not connected", startSignIn), cls);
  if (c.state === "disconnected") {
    return part("Connection", line,
      h("p", { class: "hint", text: "Sign in with a Partner Center account of this organisation that may manage its referrals. Its leads come in here, and the answers you give here go back to Partner Center." }),
      h("div", { class: "pc-buttons" }, connect("Connect to Partner Center", "primary")));
  }
  const prompt = c.state === "reconnectRequired" ? h("p", { class: "notice warning pc-reconnect", role: "alert" },
    "Partner Center no longer accepts this connection's sign-in (it was revoked or has expired). Nothing is lost: "
    + "answers given here wait and go to Partner Center once you reconnect.") : null;
  return part("Connection", line, prompt, h("div", { class: "pc-buttons" },
    c.state === "reconnectRequired" ? connect("Reconnect", "primary") : null,
    button("Disconnect", onDisconnect, "danger-outline")));
}

function webhookPart(c) {
  const { state, host } = c.webhook || {};
  const last = c.lastEventDateTime ? h("p", { class: "muted", text: `Last event received ${when(c.lastEventDateTime)}.` }) : null;
  if (state === "registered") {
    return part("Events", h("p", {}, h("span", { class: "pc-state pc-webhook pc-ok", text: "Registered" }),
      " Partner Center tells this app about new leads and changes as they happen."), last);
  }
  const held = state === "heldByAnother";
  return part("Events", h("p", {},
    h("span", { class: `pc-state pc-webhook ${held ? "pc-warn" : "pc-off"}`, text: held ? "Held by another connector" : "Not registered" }),
    held ? [" Partner Center sends this account's events to ", h("strong", { class: "pc-host", text: host || "another address" }),
      " (another connector, such as a CRM's). It was left alone."] : " Partner Center does not send events here."),
  h("p", { class: "hint", text: "Leads and changes still come in with every sync (every 15 minutes, or Sync now)." }),
  last, c.state === "connected" ? h("div", { class: "pc-buttons" },
    button(held ? "Take over" : "Register again", held ? onTakeOver : (e) => run(e.currentTarget, "Not registered", takeOver))) : null);
}

function syncPart(c) {
  const s = c.lastSync;
  const now = c.state === "connected" ? h("div", { class: "pc-buttons" }, button("Sync now", onSync)) : null;
  if (!s) return part("Last sync", h("p", { class: "muted", text: "No sync yet." }), now);
  const figure = (label, n) => h("div", {}, h("dt", { text: label }), h("dd", { text: String(n ?? 0) }));
  return part("Last sync",
    h("p", { class: "pc-sync-when" }, s.finishedDateTime ? `Finished ${when(s.finishedDateTime)}` : "Running…",
      h("span", { class: "muted", text: ` (started ${when(s.startedDateTime)})` })),
    h("dl", { class: "pc-counts", "aria-label": "Last sync" }, figure("Imported", s.imported), figure("Updated", s.updated),
      figure("Unchanged", s.unchanged), figure("Skipped", s.skipped), figure("Failed", s.failed)),
    h("p", { class: "hint", text: "Skipped: co-sell opportunities and other referrals that are not leads." }),
    s.error ? h("p", { class: "notice error pc-sync-error" }, h("strong", { text: "Error: " }), s.error) : null, now);
}

function render(c) {
  shown = c;
  const body = $("pc-body");
  const refocus = body.contains(document.activeElement) ? document.activeElement.textContent : null;
  body.replaceChildren(connectPart(c), ...(c.state === "disconnected" ? [] : [webhookPart(c), syncPart(c)]));
  if (refocus) [...body.querySelectorAll("button")].find((b) => b.textContent === refocus)?.focus();
}

async function load() {
  const c = await api("GET", "partner-center/connection");
  render(c);
  return c;
}

async function startSignIn() {
  const { authorizeUrl } = await api("POST", "partner-center/connect");
  say("Taking you to Microsoft's sign-in…");
  location.assign(authorizeUrl);
}

function takeOver() {
  return api("POST", "partner-center/connection/webhook").then((c) => {
    render(c);
    say(c.webhook?.state === "registered" ? "Partner Center now sends its events here." : "Partner Center did not take the registration; leads still come in with every sync.",
      c.webhook?.state === "registered" ? "success" : "error");
  });
}

function onTakeOver() {
  const host = shown?.webhook?.host || "the other connector";
  confirmThen({
    title: "Take Partner Center's events over?", action: "Take over",
    text: `Partner Center keeps one address for its events: ${host} will stop receiving them, and this app gets them instead.`,
    run: () => run(null, "Not taken over", takeOver),
  });
}

function onDisconnect() {
  confirmThen({
    title: "Disconnect Partner Center?", action: "Disconnect",
    text: "This app forgets the sign-in and stops all Partner Center work: no more leads come in, and answers given here no "
      + "longer reach Partner Center. The leads already here stay.",
    run: () => run(null, "Not disconnected", async () => {
      follow++;
      await api("DELETE", "partner-center/connection");
      await load();
      say("Partner Center is disconnected. The leads already here stay.", "success");
    }),
  });
}

function countsText(s) {
  return `${s.imported} imported, ${s.updated} updated, ${s.unchanged} unchanged, ${s.skipped} skipped, ${s.failed} failed`;
}

// Look for a sync that started after `since` (or any, when null) until it has finished; its
// outcome is said as `opening`: <counts>.
async function followSync(since, opening = "Partner Center sync finished") {
  const mine = ++follow;
  for (let i = 0; i < POLLS; i++) {
    await sleep(i ? 1000 : 300);
    const c = await api("GET", "partner-center/connection").catch(() => null);
    if (mine !== follow) return;
    if (!c) continue;
    if ($("dlg-partner-center").open) render(c);
    const s = c.lastSync;
    if (s?.finishedDateTime && (!since || s.startedDateTime > since)) {
      const said = s.error ? [`The Partner Center sync ended with an error: ${s.error}`, "error"]
        : [`${opening}: ${countsText(s)}.`, "success"];
      say(...said);
      hooks.onSynced(said);
      return;
    }
  }
  say("The sync is still running; the counts here show it when it is done.");
}

function onSync(event) {
  const since = shown?.lastSync?.startedDateTime || null;
  return run(event.currentTarget, "Not synced", async () => {
    await api("POST", "partner-center/sync");
    say("Sync requested: looking for new and changed leads in Partner Center…");
    followSync(since);
  });
}

// Open the panel; `said` (e.g. the sign-in's outcome) is shown at its top.
export async function openPartnerCenter({ said = null, following = false } = {}) {
  const dlg = $("dlg-partner-center");
  $("pc-error").hidden = true;
  say(said?.[0] || "", said?.[1]);
  $("pc-body").replaceChildren(h("p", { class: "muted", text: "Loading the connection…" }));
  if (!dlg.open) dlg.showModal();
  try {
    const c = await load();
    if (following && c.state === "connected") followSync(null, "Partner Center is connected. Its first sync finished");
  } catch (err) {
    $("pc-body").replaceChildren();
    fail(err, "The connection cannot be shown");
  }
}

// A sync followed goes on after the panel closes: the lists are reloaded when it is done.
export function setupPartnerCenter({ onSynced }) {
  hooks = { onSynced };
}
