// The Privacy page (admins): answer a person's request to see their data (look up an address:
// GET /privacy/people/{email}, shown and downloadable as JSON) or to be erased (POST
// /privacy/erasures, after a confirmation naming what will change), and the erasure log
// (GET /privacy/erasures). A Referrals user has no such page (the button is data-admin).
import { api } from "./api.js";
import { h } from "./dom.js";
import { heldPart, logTable, plural } from "./privacy-view.js";
import { confirmThen } from "./team-work.js";

const $ = (id) => document.getElementById(id);
let hooks = { onOpenLead: () => {}, onErased: () => {} };
let looked = null; // { address, held, subject } of the last look-up

function say(text, kind = "info") {
  const box = $("privacy-said");
  box.textContent = text;
  box.className = `notice ${kind}`;
  box.hidden = !text;
}

function fail(err, what) {
  const box = $("privacy-error");
  box.textContent = `${what}: ${err.message || err}`;
  box.hidden = false;
  box.focus();
}

// The log's subject for an address: SHA-256 of it lowercased (null where the page's origin
// offers no WebCrypto, e.g. plain http to another host; then no row is marked).
async function subjectOf(address) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(address.toLowerCase()));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function loadLog() {
  const { value } = await api("GET", "privacy/erasures");
  $("privacy-log").replaceChildren(logTable(value, looked?.subject));
}

function downloadButton(held) {
  return h("button", { type: "button", onclick: () => {
    const blob = new Blob([JSON.stringify(held, null, 2)], { type: "application/json" });
    const link = h("a", { href: URL.createObjectURL(blob), download: "personal-data.json" });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  } }, "Download as JSON");
}

function showHeld() {
  const { address, held } = looked;
  const erase = h("button", { type: "button", class: "danger-outline", onclick: onErase }, "Erase this person…");
  const tools = [held.referrals.length || held.historyEntries.length ? downloadButton(held) : null, erase];
  $("privacy-held").replaceChildren(heldPart(held, address, { onOpenLead: openLead, tools }));
}

function openLead(id) {
  $("dlg-privacy").close("lead");
  hooks.onOpenLead(id);
}

async function lookUp(address) {
  const held = await api("GET", `privacy/people/${encodeURIComponent(address)}`);
  looked = { address, held, subject: await subjectOf(address) };
  showHeld();
  await loadLog();
}

function confirmText({ referrals, historyEntries }) {
  const where = referrals.length || historyEntries.length
    ? `This removes them from ${plural(referrals.length, "referral")} and ${plural(historyEntries.length, "history entry", "history entries")}: `
      + "their name, phone and title go with the address. "
    : "No referral or history entry holds the address. ";
  return `${where}They leave your locations' contacts, e-mails still waiting for them are not sent, and the `
    + "delivery log forgets the address. The referrals stay (company, deal, stage and dates), so insights do not "
    + "change. This cannot be undone.";
}

function onErase() {
  const { address, held } = looked;
  confirmThen({
    title: `Erase ${address}?`, action: "Erase", text: confirmText(held),
    run: async () => {
      const done = await api("POST", "privacy/erasures", { body: { email: address } });
      say(`${address} was erased: removed from ${plural(done.referrals, "referral")} and `
        + `${plural(done.historyEntries, "history entry", "history entries")}, `
        + `${plural(done.deliveries, "delivery record")} rewritten.`, "success");
      hooks.onErased();
      await lookUp(address).catch((err) => fail(err, "The address cannot be looked up again"));
    },
  });
}

async function onSubmit(event) {
  event.preventDefault();
  const input = $("privacy-email");
  $("privacy-error").hidden = true;
  say("");
  if (!input.checkValidity() || !input.value.trim()) {
    fail({ message: "enter an e-mail address such as name@company.com." }, "Nothing looked up");
    input.focus();
    return;
  }
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    await lookUp(input.value.trim());
  } catch (err) {
    fail(err, "The address cannot be looked up");
  } finally {
    if (button) button.disabled = false;
  }
}

export async function openPrivacy() {
  const dlg = $("dlg-privacy");
  looked = null;
  $("privacy-form").reset();
  $("privacy-held").replaceChildren();
  $("privacy-error").hidden = true;
  say("");
  $("privacy-log").replaceChildren(h("p", { class: "muted", text: "Loading the log…" }));
  if (!dlg.open) dlg.showModal();
  $("privacy-email").focus();
  await loadLog().catch((err) => {
    $("privacy-log").replaceChildren();
    fail(err, "The erasure log cannot be shown");
  });
}

// onOpenLead(id): a referral's name opens that lead in the page's detail; onErased(): the
// lists and the open lead are read again (they may show the person who was just erased).
export function setupPrivacy({ onOpenLead, onErased }) {
  hooks = { onOpenLead, onErased };
  $("privacy-form").addEventListener("submit", onSubmit);
}
