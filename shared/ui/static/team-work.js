// Who works a lead: its owner (assign from the people seen on the team or as earlier owners,
// or typed in; unassign) and its team (each member removable after a confirmation).
import { api } from "./api.js";
import { localObjectId } from "./auth.js";
import { h, person } from "./dom.js";
import { openDialog } from "./forms.js";

const key = (p) => (p.email || "").trim().toLowerCase();

// Everyone the picker offers, once each by e-mail: you, the team, earlier and other owners.
export function candidates(r, { me = null, owners = [] } = {}) {
  const seen = new Map();
  const add = (p, note) => {
    if (!p?.email || seen.has(key(p)) || key(p) === key(r.owner || {})) return;
    seen.set(key(p), { ...p, note });
  };
  if (me) add(me, "you");
  for (const m of r.team || []) add({ id: null, name: person(m), email: m.email }, "team");
  for (const o of owners) add(o, "owner before");
  return [...seen.values()];
}

// A person from the dialog's fields; the id is derived from the e-mail when left empty.
function typedOwner(form) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const owner = { name: value("owner.name"), email: value("owner.email"), id: value("owner.id") };
  const missing = ["name", "email"].filter((k) => !owner[k]);
  if (missing.length) {
    const err = new Error("Please fill in the marked fields.");
    err.details = missing.map((k) => ({ code: "required", target: `owner.${k}`, message: "required" }));
    throw err;
  }
  owner.id ||= localObjectId(owner.email);
  return owner;
}

export function openAssign(r, people, submit) {
  openDialog("dlg-assign", {
    fill: (form) => {
      const select = form.elements.namedItem("person");
      select.replaceChildren(h("option", { value: "" }, people.length ? "Someone else (type below)" : "No one yet: type below"),
        ...people.map((p, i) => h("option", { value: String(i) }, `${p.name} · ${p.email}${p.note === "you" ? " (you)" : ""}`)));
      select.onchange = () => {
        const p = people[Number(select.value)];
        form.elements.namedItem("owner.name").value = p?.name || "";
        form.elements.namedItem("owner.email").value = p?.email || "";
        form.elements.namedItem("owner.id").value = p?.id || "";
      };
      select.closest("form").querySelector('label[for="as-person"]').hidden = !people.length;
      select.hidden = !people.length;
    },
    submit: (form) => submit({ owner: typedOwner(form) }),
  });
}

export function confirmThen({ title, text, action, run }) {
  openDialog("dlg-confirm", {
    fill: (form) => {
      form.querySelector("#dlg-confirm-title").textContent = title;
      form.querySelector("#dlg-confirm-text").textContent = text;
      form.querySelector("button[type=submit]").textContent = action;
    },
    submit: run,
  });
}

// The Owner part of the detail: who, and (admins, accepted leads) change or unassign.
export function ownerSection(r, { canAssign, onAssign, onUnassign }) {
  const o = r.owner;
  if (!o && r.stage !== "accepted") return null; // owners come with accepting
  const describe = o
    ? h("p", { class: "owner" }, h("span", { class: "person", text: o.name }), h("a", { href: `mailto:${o.email}`, text: o.email }))
    : h("p", { class: "muted owner", text: r.stage === "accepted" ? "No owner yet." : "No owner." });
  const tools = canAssign && r.stage === "accepted"
    ? h("div", { class: "owner-tools" },
      h("button", { type: "button", onclick: onAssign }, o ? "Change owner" : "Assign an owner"),
      o ? h("button", { type: "button", onclick: onUnassign, "aria-label": `Unassign ${o.name}` }, "Unassign") : null)
    : null;
  return h("section", { class: "part owner-part", "aria-labelledby": "owner-title" },
    h("h3", { id: "owner-title", text: "Owner" }), h("div", { class: "owner-row" }, describe, tools));
}

// The team, each member with a Remove button while the lead is being worked.
export function teamSection(r, { canEdit, onRemove }) {
  const team = r.team || [];
  const body = team.length
    ? h("ul", { class: "people team" }, team.map((m) => h("li", {},
      h("span", { class: "person", text: person(m) }),
      m.email ? h("a", { href: `mailto:${m.email}`, text: m.email }) : null,
      m.phoneNumber ? h("a", { href: `tel:${m.phoneNumber.replace(/[^\d+]/g, "")}`, text: m.phoneNumber }) : null,
      canEdit ? h("button", { type: "button", class: "remove-member", "aria-label": `Remove ${person(m)} from the team`,
        onclick: () => onRemove(m) }, "Remove") : null)))
    : h("p", { class: "muted", text: "No one from your company yet." });
  return h("section", { class: "part", "aria-labelledby": "team-title" },
    h("h3", { id: "team-title", tabindex: "-1", text: "Team" }), body);
}

export function removeMember(r, m) {
  return api("DELETE", `referrals/${encodeURIComponent(r.id)}/team/${encodeURIComponent(m.email)}`);
}

export function assign(r, body) {
  return api("POST", `referrals/${encodeURIComponent(r.id)}/assign`, { body });
}
