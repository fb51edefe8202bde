// The lead's notifications (admins): who was told about it and how it went, from the delivery
// log filtered to this lead (GET /notifications?referralId=, newest first), with Redeliver on
// failed and undeliverable ones. One that was not sent because nothing is configured to send it
// to (no webhookUrl, no MICROSOFT_/CUSTOMER_NOTIFICATION_URL) is no failure: it shows as a plain
// note with what would enable it, and no Redeliver. A look reads at most PAGES pages of TOP (a
// lead has a few dozen at most); "Show older notifications" goes on from there.
import { api, sameOrigin } from "./api.js";
import { h, when } from "./dom.js";

const TOP = 100;
const PAGES = 5;
const POLLS = 6; // while something is pending, look again (every POLL_MS) this many times
const POLL_MS = 1500;

export const DESTINATIONS = {
  partner: "Your webhook", microsoft: "Microsoft", customer: "The customer",
  sender: "The referring partner", email: "E-mail to a location contact",
};
export const STATES = { pending: "Pending", delivered: "Delivered", failed: "Failed", undeliverable: "Undeliverable" };
const TYPES = {
  "referral.received": "New lead", "referral.reminder": "Reminder", "referral.accepted": "Accepted",
  "referral.updated": "Updated", "referral.declined": "Declined", "referral.expired": "Expired",
  "referral.won": "Won", "referral.lost": "Lost", "webhook.test": "Test event",
};
const REDELIVERABLE = new Set(["failed", "undeliverable"]);
// The server's reasons for "nowhere to send it" (shared/notifications/targets.py).
const NO_URL = /no webhookUrl|no webhook URL configured/;
export const notSent = (d) => d.state === "undeliverable" && NO_URL.test(d.lastError || "");
const ENABLE = {
  partner: "Your business profile has no Webhook URL: set one under Business profile to receive these.",
  microsoft: "This server has no MICROSOFT_NOTIFICATION_URL setting, so Microsoft is not told.",
  customer: "This server has no CUSTOMER_NOTIFICATION_URL setting, so the customer is not told.",
};

export const stateBadge = (d) => (notSent(d)
  ? h("span", { class: "delivery-state delivery-notsent", text: "Not sent" })
  : h("span", { class: `delivery-state delivery-${d.state}`, text: STATES[d.state] || d.state }));

// "Your webhook (hooks.example)": where a delivery went, for button names and notices.
const where = (d) => `${DESTINATIONS[d.destination] || d.destination}${d.recipient ? ` (${d.recipient})` : ""}`;

function item(d, onRedeliver) {
  if (notSent(d)) return noteItem(d);
  const to = d.recipient || (d.attempts ? "no recipient" : "not attempted yet");
  const time = d.lastAttemptDateTime || d.createdDateTime;
  return h("li", { class: `delivery delivery-item-${d.state}` },
    h("p", { class: "delivery-head" },
      h("span", { class: "delivery-dest", text: DESTINATIONS[d.destination] || d.destination }),
      h("span", { class: d.recipient ? "delivery-to" : "delivery-to none", text: to }),
      stateBadge(d)),
    h("p", { class: "delivery-meta" },
      h("span", {}, TYPES[d.type] || d.type, " ", h("code", { text: d.type })),
      h("span", { text: d.attempts === 1 ? "1 attempt" : `${d.attempts} attempts` }),
      h("span", {}, d.lastAttemptDateTime ? "Last attempt " : "Raised ", h("time", { datetime: time, text: when(time) }))),
    d.lastError ? h("p", { class: "delivery-error" }, h("span", { class: "label", text: "Last error: " }), d.lastError) : null,
    REDELIVERABLE.has(d.state) ? h("button", {
      type: "button", class: "redeliver", onclick: (event) => onRedeliver(d, event.currentTarget),
      "aria-label": `Redeliver ${TYPES[d.type] || d.type} to ${where(d)}`,
    }, "Redeliver") : null);
}

// Not sent, nothing to retry: one quiet line per destination (the newest), naming the events
// and the setting that would change that.
function noteItem(d) {
  const events = d.types.map((t) => TYPES[t] || t).join(", ");
  return h("li", { class: "delivery delivery-item-notsent" },
    h("p", { class: "delivery-head" },
      h("span", { class: "delivery-dest", text: DESTINATIONS[d.destination] || d.destination }),
      stateBadge(d)),
    h("p", { class: "delivery-meta" },
      h("span", { text: d.types.length === 1 ? events : `${d.types.length} events: ${events}` }),
      h("span", {}, "Last raised ", h("time", { datetime: d.createdDateTime, text: when(d.createdDateTime) }))),
    h("p", { class: "delivery-note", text: ENABLE[d.destination] || d.lastError }));
}

// The not-sent deliveries folded into their destination's newest one (`types`: its events).
function fold(found) {
  const groups = new Map();
  const out = [];
  for (const d of found) {
    if (!notSent(d)) out.push(d);
    else if (groups.has(d.destination)) groups.get(d.destination).types.push(d.type);
    else {
      const group = { ...d, types: [d.type] };
      groups.set(d.destination, group);
      out.push(group);
    }
  }
  return out;
}

export function createNotifications() {
  const list = h("ul", { class: "deliveries", "aria-label": "Notifications about this lead" });
  const status = h("p", { class: "muted", text: "Loading the notifications…" });
  const said = h("p", { class: "delivery-notice notice", role: "status", hidden: true });
  const note = h("p", { class: "hint", hidden: true });
  const older = h("button", { type: "button", class: "link", hidden: true }, "Show older notifications");
  const box = h("section", { class: "part notifications-part", "aria-labelledby": "notifications-title", "aria-busy": "true" },
    h("h3", { id: "notifications-title", tabindex: "-1", text: "Notifications" }), said, status, list, note, older);
  let found = [];
  let next = null;
  let seq = 0;
  let shownId = null;
  let polls = 0;
  let timer = null;

  function draw() {
    list.replaceChildren(...fold(found).map((d) => item(d, redeliver)));
    status.hidden = found.length > 0;
    status.textContent = "No one has been notified about this lead yet.";
    note.hidden = !next;
    note.textContent = `The ${found.length} newest notifications about this lead are shown.`;
    older.hidden = !next;
  }

  // Up to PAGES pages of this lead's deliveries from `url`.
  async function scan(url, append) {
    const mine = ++seq;
    clearTimeout(timer);
    box.setAttribute("aria-busy", "true");
    const kept = append ? [...found] : [];
    let link = url;
    try {
      for (let i = 0; link && i < PAGES; i++) {
        const page = await api("GET", link);
        if (mine !== seq) return;
        kept.push(...page.value);
        link = page.nextLink ? sameOrigin(page.nextLink).href : null;
      }
      [found, next] = [kept, link];
      draw();
      if (found.some((d) => d.state === "pending") && polls++ < POLLS) timer = setTimeout(() => scan(first(), false), POLL_MS);
    } catch (err) {
      if (mine !== seq) return;
      [found, next] = [[], null];
      draw();
      status.textContent = `The notifications are unavailable: ${err.message}`;
    } finally {
      if (mine === seq) box.removeAttribute("aria-busy");
    }
  }
  const first = () => `notifications?referralId=${encodeURIComponent(shownId)}&top=${TOP}`;
  older.addEventListener("click", () => scan(next, true));

  async function redeliver(d, button) {
    button.disabled = true;
    try {
      await api("POST", `notifications/${encodeURIComponent(d.id)}/redeliver`);
      said.className = "delivery-notice notice success";
      said.hidden = false;
      said.textContent = `Queued again: ${TYPES[d.type] || d.type} to ${where(d)}.`;
    } catch (err) {
      said.className = "delivery-notice notice error";
      said.hidden = false;
      said.textContent = `Not redelivered: ${err.message}`;
    }
    polls = 0;
    await scan(first(), false);
    if (!box.contains(document.activeElement)) box.querySelector("h3").focus(); // its button is gone
  }

  return {
    element: box,
    load(id) {
      if (id !== shownId) { // another lead: never show the last one's notifications meanwhile
        [shownId, found, next] = [id, [], null];
        list.replaceChildren();
        said.textContent = "";
        said.hidden = true;
        status.hidden = false;
        status.textContent = "Loading the notifications…";
        note.hidden = older.hidden = true;
      }
      polls = 0;
      return scan(first(), false);
    },
    stop() { seq++; clearTimeout(timer); shownId = null; },
  };
}
