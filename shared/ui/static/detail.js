// The detail pane of one lead, and the actions its stage allows.
import { isRestricted } from "./access.js";
import { api } from "./api.js";
import { DECLINE_REASONS, KINDS, LOST_REASONS, SIZES, alertBanner, day, daysLeft, daysLeftText, h, icon, money, person, stageLabel, when } from "./dom.js";
import { fitSection } from "./fit.js";
import { openDialog, readForm, setValues } from "./forms.js";
import { assign, candidates, confirmThen, openAssign, ownerSection, removeMember, teamSection } from "./team-work.js";
import { createNotifications } from "./notifications.js";
import { createDetailNav } from "./detail-nav.js";
import { doNotContactBadge, marketplaceBadge, marketplaceSection } from "./marketplace-lead.js";
import { partnerCenterBadge, partnerCenterSection } from "./partner-center-lead.js";
import { createTimeline } from "./timeline.js";

const CONFLICT = "Someone else changed this lead while you were editing, so your changes were not saved. "
  + "The latest version is shown below; edit it again if needed.";

function facts(rows) {
  const items = rows.filter(([, value]) => value !== null && value !== undefined && value !== "");
  if (!items.length) return h("p", { class: "muted", text: "Nothing recorded." });
  return h("dl", { class: "facts" }, items.map(([term, value]) => h("div", {}, h("dt", { text: term }),
    h("dd", {}, value instanceof Node ? value : String(value)))));
}

function contactList(people, emptyText) {
  if (!people?.length) return h("p", { class: "muted", text: emptyText });
  return h("ul", { class: "people" }, people.map((p) => h("li", {},
    h("span", { class: "person", text: person(p) }),
    p.title ? h("span", { class: "muted", text: p.title }) : null,
    p.email ? h("a", { href: `mailto:${p.email}`, text: p.email }) : null,
    p.phoneNumber ? h("a", { href: `tel:${p.phoneNumber.replace(/[^\d+]/g, "")}`, text: p.phoneNumber }) : null)));
}

function section(title, ...content) {
  return h("section", { class: "part" }, h("h3", { text: title }), ...content);
}

function address(a) {
  if (!a) return null;
  return [a.addressLine1, [a.postalCode, a.city].filter(Boolean).join(" "), a.region, a.country].filter(Boolean).join(", ");
}

export function createDetail({ onChange, onBack, onError, toggleFavorite, me, knownOwners }) {
  const pane = document.getElementById("detail");
  const timeline = createTimeline();
  const notifications = createNotifications(); // admins only: the delivery log is theirs
  const sectionNav = createDetailNav(pane);
  let current = null;

  async function show(id, { focus = false, notice = null } = {}) {
    pane.setAttribute("aria-busy", "true");
    try {
      render(await api("GET", `referrals/${encodeURIComponent(id)}`), { notice });
      if (focus) focusTitle();
    } catch (err) {
      onError(err);
    } finally {
      pane.removeAttribute("aria-busy");
    }
  }

  function focusTitle() {
    const title = document.getElementById("detail-title");
    title?.focus();
    if (matchMedia("(max-width: 899px)").matches) title?.scrollIntoView({ block: "start" });
  }

  // `figures`: the action changes what Insights shows (so they are fetched again).
  function act(path, body, message, figures = true) {
    return async (form) => {
      const changed = await api("POST", `referrals/${encodeURIComponent(current.id)}/${path}`, { body: body(form) });
      onChange(changed, message, { figures });
    };
  }

  function edit(form) {
    const body = readForm(form, { empty: null });
    const before = { name: current.name, dealValue: current.details.dealValue, currency: current.details.currency,
      closingDate: current.details.closingDate, notes: current.details.notes,
      externalReferenceId: current.externalReferenceId, campaignId: current.campaignId };
    const diff = Object.fromEntries(Object.entries(body).filter(([k, v]) => v !== (before[k] ?? null)));
    if (!Object.keys(diff).length) return Promise.resolve();
    return api("PATCH", `referrals/${encodeURIComponent(current.id)}`, { body: diff, ifMatch: current.eTag })
      .then((changed) => onChange(changed, "Changes saved.", { figures: "dealValue" in diff || "currency" in diff }))
      .catch(async (err) => {
        if (err.status !== 412) throw err;
        document.getElementById("dlg-edit").close("conflict");
        await show(current.id, { notice: CONFLICT });
        document.getElementById("detail-notice")?.focus();
        return true; // the dialog is closed already
      });
  }

  // Owner and team changes: the answer is the changed lead (no insights to refetch).
  const teamWork = (r) => ({
    canAssign: !isRestricted(),
    canEdit: r.stage === "accepted",
    onAssign: () => openAssign(r, candidates(r, { me: me(), owners: [...timeline.owners(), ...knownOwners()] }),
      async (body) => onChange(await assign(r, body), `${body.owner.name} now owns this lead.`)),
    onUnassign: () => assign(r, { owner: null })
      .then((changed) => onChange(changed, "The lead has no owner now."), onError),
    onRemove: (m) => confirmThen({
      title: "Remove from the team?", action: "Remove",
      text: `${person(m)} (${m.email}) will no longer be on this lead's team.${
        isRestricted() && m.email.toLowerCase() === me()?.email?.toLowerCase() ? " You will no longer see this lead." : ""}`,
      run: async () => {
        onChange(await removeMember(r, m), `${person(m)} removed from the team.`);
        setTimeout(() => document.getElementById("team-title")?.focus()); // its button is gone
      },
    }),
  });

  function actions(r) {
    const id = "detail-title";
    const button = (label, onclick, cls = "") => h("button", { type: "button", class: cls, onclick, "aria-describedby": id }, label);
    if (r.stage === "received" && isRestricted()) {
      return [h("p", { class: "muted", text: "An admin accepts or declines received leads." })];
    }
    if (r.stage === "received") {
      return [
        button("Accept", () => openDialog("dlg-accept", {
          // The API's accept notes replace the lead's notes: start from them.
          fill: (form) => setValues(form, { currency: "EUR", notes: r.details.notes }),
          submit: act("accept", (form) => readForm(form), "Lead accepted."),
        }), "primary"),
        button("Decline", () => openDialog("dlg-decline", {
          submit: act("decline", (form) => readForm(form), "Lead declined; the customer is told."),
        })),
      ];
    }
    if (r.stage === "accepted") {
      return [
        button("Edit", () => openDialog("dlg-edit", {
          fill: (form) => setValues(form, { name: r.name, dealValue: r.details.dealValue, currency: r.details.currency,
            closingDate: r.details.closingDate, notes: r.details.notes, externalReferenceId: r.externalReferenceId,
            campaignId: r.campaignId }),
          submit: edit,
        }), "primary"),
        button("Add your employees", () => openDialog("dlg-team", {
          submit: act("team", (form) => readForm(form), "Team member added.", false),
        })),
        button("Won", () => openDialog("dlg-win", { submit: act("win", (form) => readForm(form), "Marked as won.") })),
        button("Lost", () => openDialog("dlg-lose", { submit: act("lose", (form) => readForm(form), "Marked as lost.") })),
      ];
    }
    return [h("p", { class: "muted", text: `This lead is archived (${r.substatus}) and read-only.` })];
  }

  function render(r, { notice = null } = {}) {
    current = r;
    const days = daysLeft(r);
    const sender = r.invitedBy || {};
    const reasons = r.substatus === "Lost" ? LOST_REASONS : DECLINE_REASONS;
    const reason = reasons[r.statusReason] || r.statusReason;
    const heart = h("button", {
      type: "button", class: "heart", "aria-pressed": String(Boolean(r.favorite)),
      "aria-label": `Favorite: ${r.customerProfile.name}`,
      onclick: (event) => toggleFavorite(r, event.currentTarget),
    }, icon("heart"));
    const refocus = pane.contains(document.activeElement) && document.activeElement.classList.contains("heart");
    pane.replaceChildren(...[
      h("button", { type: "button", class: "back link", onclick: onBack }, h("span", { "aria-hidden": "true", text: "←\u00a0" }), "Back to the list"),
      h("header", { class: "detail-head" },
        h("div", {},
          h("h2", { id: "detail-title", tabindex: "-1", text: r.customerProfile.name }),
          h("p", { class: "badges" },
            h("span", { class: "kind", text: KINDS[r.qualification] || r.qualification }),
            h("span", { class: `badge stage-${r.stage} sub-${r.substatus.toLowerCase()}`, text: stageLabel(r) }),
            partnerCenterBadge(r), marketplaceBadge(r), doNotContactBadge(r),
            r.name ? h("span", { class: "deal-name", text: r.name }) : null)),
        heart),
      notice ? h("p", { id: "detail-notice", class: "notice warning", role: "alert", tabindex: "-1", text: notice }) : null,
      alertBanner(r),
      days !== null ? h("p", { class: days <= 2 ? "due soon" : "due", text: `${daysLeftText(days)} (by ${when(r.expirationDateTime)})` }) : null,
      h("div", { class: "detail-actions", role: "group", "aria-label": "Actions" }, actions(r)),
      ownerSection(r, teamWork(r)),
      fitSection(r),
      partnerCenterSection(r),
      marketplaceSection(r),
      section("Customer", facts([
        ["Company", r.customerProfile.name], ["Size", SIZES[r.customerProfile.size] || r.customerProfile.size],
        ["Address", address(r.customerProfile.address)]]),
      contactList(r.customerProfile.contacts, "No customer contacts given.")),
      section("Needs", facts([
        ["Notes", r.details.notes], ["Products", r.details.requirements?.products?.join(", ")],
        ["Services", r.details.requirements?.services?.join(", ")],
        ["Industries", r.details.requirements?.industries?.join(", ")],
        ["Asked to be contacted", r.details.customerRequestedContact ? "Yes" : "No"]])),
      section("Sent by", facts([
        ["Organisation", sender.organizationName],
        ["Organisation id", sender.organizationId === "msft" ? "Microsoft (msft)" : sender.organizationId]])),
      section("Deal", facts([
        ["Deal name", r.name], ["Estimated value", r.details.dealValue !== null ? money(r.details.dealValue, r.details.currency) : null],
        ["Estimated closing date", r.details.closingDate ? day(r.details.closingDate) : null],
        ["CRM id", r.externalReferenceId], ["Campaign id", r.campaignId],
        ["Outcome", r.stage === "archived" ? r.substatus : null], ["Reason", reason], ["Closing notes", r.closingNotes]])),
      teamSection(r, teamWork(r)),
      section("Dates", facts([
        ["Arrived", when(r.createdDateTime)],
        ["Respond by", r.expirationDateTime ? when(r.expirationDateTime) : null],
        ["Accepted", r.acceptedDateTime ? when(r.acceptedDateTime) : null],
        ["Closed", r.closedDateTime ? when(r.closedDateTime) : null],
        ["Last updated", when(r.updatedDateTime)]])),
      timeline.element,
      isRestricted() ? null : notifications.element,
    ].filter(Boolean));
    sectionNav.attach(pane.querySelector(".detail-actions"));
    timeline.load(r.id, { conflictMessage: r.partnerCenter?.syncState === "conflict" ? r.partnerCenter.message || "" : null });
    if (isRestricted()) notifications.stop();
    else notifications.load(r.id);
    if (refocus) pane.querySelector(".heart").focus();
  }

  function clear() {
    current = null;
    notifications.stop();
    pane.replaceChildren(h("p", { class: "placeholder", text: "Select a lead to see the customer, the deal and what you can do next." }));
  }

  return { show, render, clear, focusTitle, get current() { return current; } };
}

