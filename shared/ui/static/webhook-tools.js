// The business profile's webhook tools (admins): create or rotate the signing secret (shown
// once, here, and never again) and send a test event, then follow its delivery in the log.
import { api } from "./api.js";
import { h } from "./dom.js";
import { DESTINATIONS, notSent, stateBadge } from "./notifications.js";
import { confirmThen } from "./team-work.js";

const $ = (id) => document.getElementById(id);
const WAITS = 20; // look for the test event's delivery about once a second, this many times
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

let known = null; // has the organisation a secret? true, false, or null: cannot tell
let hasProfile = false;
let watch = 0; // bumped to stop following a test event (dialog closed or reopened)

// The API does not say whether a secret exists; the newest settled delivery to the
// organisation's webhook does (one that was signed and sent had a secret).
function secretFrom(log) {
  const tried = log.find((d) => d.destination === "partner" && d.state !== "pending" && d.attempts > 0);
  const error = tried?.lastError || "";
  if (!tried || /no webhookUrl/.test(error)) return null;
  return !/no webhook signing secret/.test(error);
}

function label() {
  $("wh-secret").textContent = known ? "Rotate secret" : "Create webhook secret";
}

function fail(err, what) {
  const box = $("wh-error");
  box.hidden = false;
  if (err.status === 503 && what === "secret") {
    box.textContent = `This server cannot create webhook secrets right now. It answered: “${err.message}” `
      + "Nothing was changed: an existing secret still works. Try again later, or ask whoever runs "
      + "the service to configure WEBHOOK_SECRETS_KEY.";
  } else if (err.status === 404) {
    box.textContent = "Save your business profile first: the webhook tools need one.";
  } else {
    box.textContent = `${what === "secret" ? "No secret was created" : "The test event was not sent"}: ${err.message}`;
  }
  box.focus();
}

async function createSecret() {
  $("wh-error").hidden = true;
  $("wh-secret").disabled = true;
  try {
    const { secret } = await api("POST", "profile/webhook/secret");
    known = true;
    label();
    $("wh-secret-value").value = secret;
    $("wh-copied").textContent = "";
    $("wh-secret-box").hidden = false;
    setTimeout(() => { // after a confirmation dialog has closed (and given focus back)
      $("wh-secret-box").scrollIntoView({ block: "nearest" });
      $("wh-secret-value").focus({ preventScroll: true });
      $("wh-secret-value").select();
    });
  } catch (err) {
    fail(err, "secret");
  } finally {
    $("wh-secret").disabled = !hasProfile;
  }
}

function onSecret() {
  if (!known) return createSecret();
  return confirmThen({
    title: "Rotate the webhook secret?", action: "Rotate secret", run: createSecret,
    text: "A new secret replaces the current one at once: webhooks signed from now on will not verify "
      + "with the old one, so give the new one to your receiver straight away.",
  });
}

async function copySecret() {
  const input = $("wh-secret-value");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    $("wh-copied").textContent = "Copied to the clipboard.";
  } catch {
    $("wh-copied").textContent = "Copying was refused: the secret is selected, press Ctrl+C (or ⌘C).";
  }
}

function showDelivery(eventId, d, waiting) {
  const line = d ? h("p", { class: "test-delivery" },
    `${DESTINATIONS[d.destination] || d.destination}${d.recipient ? ` (${d.recipient})` : ""}: `, stateBadge(d),
    ` after ${d.attempts} ${d.attempts === 1 ? "attempt" : "attempts"}`,
    d.lastError ? h("span", { class: notSent(d) ? "delivery-note" : "delivery-error", text: ` ${d.lastError}` }) : null) : null;
  $("wh-test-status").replaceChildren(
    h("p", {}, "Test event queued: ", h("code", { class: "event-id", text: eventId }), "."),
    ...[line, waiting ? h("p", { class: "hint", text: waiting }) : null].filter(Boolean));
}

async function sendTest() {
  const mine = ++watch;
  $("wh-error").hidden = true;
  $("wh-test").disabled = true;
  try {
    const { eventId } = await api("POST", "profile/webhook/test");
    showDelivery(eventId, null, "Waiting for its delivery…");
    $("wh-test-status").scrollIntoView({ block: "nearest" });
    let d = null;
    for (let i = 0; i < WAITS; i++) {
      await sleep(i ? 1000 : 300);
      d = (await api("GET", "notifications?top=100")).value.find((x) => x.eventId === eventId) || d;
      if (mine !== watch) return;
      if (d && d.state !== "pending") { showDelivery(eventId, d); return; }
      showDelivery(eventId, d, "Waiting for its delivery…");
    }
    showDelivery(eventId, d, "Still pending after about 20 seconds: the service keeps retrying it.");
  } catch (err) {
    if (mine === watch) fail(err, "test");
  } finally {
    $("wh-test").disabled = !hasProfile;
  }
}

// Each time the profile dialog opens: no secret on show, nothing followed, buttons only with a profile.
export function resetWebhookTools(profileExists) {
  watch++;
  hasProfile = profileExists;
  known = null;
  label();
  $("wh-secret-value").value = "";
  $("wh-secret-box").hidden = true;
  $("wh-error").hidden = true;
  $("wh-test-status").replaceChildren();
  $("wh-secret").disabled = $("wh-test").disabled = !profileExists;
  $("wh-hint").textContent = profileExists
    ? "Your webhooks are signed with your own secret (Standard Webhooks). Both buttons act on the saved "
      + "profile: save a changed webhook URL first."
    : "Save your business profile first; then you can create a signing secret and send a test event.";
  if (profileExists) {
    api("GET", "notifications?top=100").then((page) => { known ??= secretFrom(page.value); label(); }, () => {});
  }
}

$("wh-secret").addEventListener("click", onSecret);
$("wh-test").addEventListener("click", sendTest);
$("wh-copy").addEventListener("click", copySecret);
$("dlg-profile").addEventListener("close", () => {
  watch++;
  $("wh-secret-value").value = ""; // shown once: not kept in the page either
  $("wh-secret-box").hidden = true;
});
