// DOM building without innerHTML (no markup injection from data), icons and formatting.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
const PATHS = {
  heart: "M12 21s-7.5-4.6-9.6-9.2C1 8.6 3 5 6.6 5c2 0 3.4 1.1 4.4 2.5h2C14 6.1 15.4 5 17.4 5 21 5 23 8.6 21.6 11.8 19.5 16.4 12 21 12 21z",
  flame: "M12 2c1 3.5 5 5.9 5 11a5 5 0 0 1-10 0c0-2 1-3.7 2-4.6.2 1.6 1 2.6 2 3.1C10.5 8.6 11 5 12 2z",
  bell: "M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0z",
};

export function icon(name, cls = "icon") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", PATHS[name]);
  svg.append(path);
  return svg;
}

export const KINDS = {
  Direct: "Customer inquiry",
  MarketingQualified: "Marketing qualified",
  SalesQualified: "Sales qualified",
};

export const DECLINE_REASONS = {
  CustomerProblemUnclear: "The customer's problem is unclear",
  NextStepsUnclear: "The next steps are unclear",
  UnableToSupport: "We are unable to support it",
  DuplicateReferral: "Duplicate referral",
  NotAFit: "Not a fit for us",
  Other: "Other",
};

// The API's lost reasons; a reason it does not list is shown as it was written.
export const LOST_REASONS = {
  Price: "Price",
  ChoseCompetitor: "Chose a competitor",
  NoBudget: "No budget",
  NoDecision: "No decision was made",
  Timing: "Timing",
  TechnicalFit: "Not a technical fit",
  CustomerUnresponsive: "The customer stopped responding",
  Other: "Other",
};

export const SIZES = {
  "1to50employees": "1 to 50 employees",
  "51to500employees": "51 to 500 employees",
  Morethan500employees: "More than 500 employees",
};

export function stageLabel(r) {
  if (r.stage === "archived") return r.substatus;
  return r.stage === "received" ? "Received" : "Accepted";
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

export function day(isoDate) {
  return isoDate ? dateOnly.format(new Date(`${isoDate}T00:00:00Z`)) : "—";
}

export function ago(iso, now = Date.now()) {
  const minutes = Math.round((new Date(iso).getTime() - now) / 60000);
  if (Math.abs(minutes) < 60) return relative.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return relative.format(hours, "hour");
  return relative.format(Math.round(hours / 24), "day");
}

// Whole days left to respond, counting a started day; null when there is no deadline.
export function daysLeft(r, now = Date.now()) {
  if (r.stage !== "received" || !r.expirationDateTime) return null;
  const ms = new Date(r.expirationDateTime).getTime() - now;
  return ms <= 0 ? 0 : Math.ceil(ms / 86400000);
}

export function daysLeftText(days) {
  if (days === null) return "";
  if (days === 0) return "Response window has passed";
  return days === 1 ? "1 day left to respond" : `${days} days left to respond`;
}

export function money(value, currency) {
  if (value === null || value === undefined) return "—";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR" }).format(value);
  } catch {
    return `${value} ${currency || ""}`.trim();
  }
}

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`;
}

export function need(r) {
  const req = r.details?.requirements || {};
  const tags = [...(req.products || []), ...(req.services || []), ...(req.industries || [])];
  return [r.details?.notes, tags.join(", ")].filter(Boolean).join(" · ") || "No needs given";
}

export function person(p) {
  return [p.firstName, p.lastName].filter(Boolean).join(" ");
}

export function alertBanner(r, compact = false) {
  const tag = compact ? "span" : "p";
  if (r.contactAlert === "urgent") {
    return h(tag, { class: "alert urgent" }, icon("flame"),
      h("span", { text: compact ? "Customer asked to be contacted now" : "The customer asked to be contacted: reach out as soon as you can." }));
  }
  if (r.contactAlert === "reminder") {
    return h(tag, { class: "alert reminder" }, icon("bell"),
      h("span", { text: compact ? "Reminder: contact the customer" : "Reminder: the customer asked to be contacted." }));
  }
  return null;
}
