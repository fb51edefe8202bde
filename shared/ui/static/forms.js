// Dialog forms: open, fill, read as JSON, repeatable rows, and the API's field errors shown
// next to their fields (error.details[].target is the field's name, e.g. team.0.email).
import { ApiError } from "./api.js";
import { h } from "./dom.js";

let uid = 0;
const rowsOf = (list) => [...list.children].filter((c) => c.classList.contains("row"));

export function setupDialogs() {
  for (const dlg of document.querySelectorAll("dialog")) {
    dlg.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const form = button.closest("form");
      if (button.hasAttribute("data-close")) dlg.close("cancel");
      else if (button.dataset.add) addRow(form, button, button.dataset.add, {}, true);
      else if (button.hasAttribute("data-remove")) {
        const list = button.closest(".row").parentElement;
        button.closest(".row").remove();
        renumber(form);
        list.parentElement.querySelector(`[data-add="${list.dataset.list}"]`)?.focus();
      }
    });
    dlg.addEventListener("input", (event) => {
      const el = event.target;
      if (el.hasAttribute("data-upper")) el.value = el.value.toUpperCase();
      if (el.getAttribute("aria-invalid")) clearFieldError(el);
    });
  }
}

function addRow(form, anchor, name, values, focus = false) {
  const scope = anchor.closest(".row") || anchor.closest("fieldset") || form;
  const list = scope.querySelector(`[data-list="${name}"]`);
  const row = document.getElementById(`tpl-${name}`).content.firstElementChild.cloneNode(true);
  list.append(row);
  for (const input of row.querySelectorAll("[data-field]")) {
    if (input.closest(".row") === row && values[input.dataset.field] != null) {
      input.value = values[input.dataset.field];
    }
  }
  for (const inner of row.querySelectorAll("[data-list]")) {
    for (const item of values[inner.dataset.list] || []) addRow(form, inner, inner.dataset.list, item);
  }
  renumber(form);
  if (focus) row.querySelector("input")?.focus();
  return row;
}

export function addRows(form, name, items) {
  const list = form.querySelector(`[data-list="${name}"]`);
  for (const item of items || []) addRow(form, list, name, item);
}

function listPath(list) {
  const row = list.parentElement.closest(".row");
  if (!row) return list.dataset.list;
  return `${row.dataset.path}.${list.dataset.list}`;
}

// Give every repeated input its JSON path as name (locations.0.contacts.1.email).
export function renumber(form) {
  for (const list of form.querySelectorAll("[data-list]")) {
    const base = listPath(list);
    list.dataset.path = base;
    rowsOf(list).forEach((row, i) => {
      row.dataset.path = `${base}.${i}`;
      for (const input of row.querySelectorAll("[data-field]")) {
        if (input.closest(".row") === row) input.name = `${base}.${i}.${input.dataset.field}`;
      }
      const remove = [...row.querySelectorAll("[data-remove]")].find((b) => b.closest(".row") === row);
      const what = list.dataset.list === "locations" ? "location" : "contact";
      remove?.setAttribute("aria-label", `Remove ${what} ${i + 1}`);
      const legend = row.querySelector(":scope > legend");
      if (legend) legend.textContent = `Location ${i + 1}`;
    });
  }
}

function setPath(target, path, value) {
  const keys = path.split(".");
  let node = target;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    if (last) {
      if (value !== undefined) node[key] = value;
      return;
    }
    if (node[key] === undefined) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key];
  });
}

// The form as the API's JSON body. Empty optional fields are left out (or null: `empty`).
export function readForm(form, { empty } = {}) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.tagName === "BUTTON" || el.tagName === "FIELDSET") continue;
    const type = el.dataset.type;
    if (type === "set") {
      const path = el.name.split(".");
      const current = path.reduce((node, k) => node?.[k], out);
      if (!current) setPath(out, el.name, []);
      if (el.checked) path.reduce((node, k) => node[k], out).push(el.value);
      continue;
    }
    const raw = el.value.trim();
    let value = raw === "" ? empty : raw;
    if (type === "list") value = raw.split(",").map((s) => s.trim()).filter(Boolean);
    else if (type === "number" && raw !== "") value = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    setPath(out, el.name, value);
  }
  return out;
}

export function setValues(form, values) {
  for (const [name, value] of Object.entries(values)) {
    const field = form.elements.namedItem(name);
    if (!field) continue;
    if (field instanceof RadioNodeList || field.type === "checkbox") {
      const boxes = field instanceof RadioNodeList ? [...field] : [field];
      for (const box of boxes) box.checked = (value || []).includes(box.value);
    } else if (field.dataset.type === "list") {
      field.value = (value || []).join(", ");
    } else {
      field.value = value ?? "";
    }
  }
}

// ---- errors ------------------------------------------------------------------------------
function clearFieldError(el) {
  el.removeAttribute("aria-invalid");
  const ids = (el.getAttribute("aria-describedby") || "").split(" ");
  for (const id of ids.filter((i) => i.startsWith("err-"))) document.getElementById(id)?.remove();
  const rest = ids.filter((i) => i && !i.startsWith("err-")).join(" ");
  if (rest) el.setAttribute("aria-describedby", rest);
  else el.removeAttribute("aria-describedby");
}

export function clearErrors(form) {
  form.querySelectorAll("[aria-invalid]").forEach(clearFieldError);
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  const box = form.querySelector(".form-error");
  box.hidden = true;
  box.textContent = "";
}

function findField(form, target) {
  if (!target) return null;
  const parts = target.split(".");
  for (let n = parts.length; n > 0; n--) {
    const name = parts.slice(0, n).join(".");
    const field = form.elements.namedItem(name);
    if (field) return field instanceof RadioNodeList ? field[0] : field;
    const list = form.querySelector(`[data-path="${CSS.escape(name)}"]`);
    if (list) return list;
  }
  return null;
}

function fieldMessage(detail, field) {
  if (detail.code === "required") return "This field is required.";
  if (field.dataset?.invalid) return field.dataset.invalid;
  const text = detail.message || "This value is not valid.";
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
}

function placeError(field, message) {
  const id = `err-${++uid}`;
  const note = h("p", { class: "field-error", id, text: message });
  const isInput = ["INPUT", "SELECT", "TEXTAREA"].includes(field.tagName);
  const anchor = field.type === "checkbox" ? field.closest("fieldset").lastElementChild
    : isInput && field.closest("label")?.contains(field) ? field.closest("label") : field;
  anchor.after(note);
  if (isInput) {
    field.setAttribute("aria-invalid", "true");
    const ids = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", ids ? `${ids} ${id}` : id);
  }
}

export function showErrors(form, err) {
  clearErrors(form);
  const details = err.details?.length ? err.details
    : [{ code: err.code, message: err.message, target: err.target }];
  const unplaced = [];
  let first = null;
  for (const detail of details) {
    const field = findField(form, detail.target);
    if (field) {
      placeError(field, fieldMessage(detail, field));
      first ||= field;
    } else {
      const text = detail.message || "";
      unplaced.push(detail.target ? `${detail.target}: ${text}` : text);
    }
  }
  const box = form.querySelector(".form-error");
  const lead = first || !unplaced.length ? "Please correct the fields marked below." : null;
  box.textContent = [lead, ...unplaced].filter(Boolean).join(" ");
  box.hidden = false;
  const focusable = first && ["INPUT", "SELECT", "TEXTAREA"].includes(first.tagName);
  (focusable ? first : box).focus?.();
}

// ---- one dialog round: fill, submit through `submit(form)`, show errors, close on success -
export function openDialog(id, { fill, submit }) {
  const dlg = document.getElementById(id);
  const form = dlg.querySelector("form");
  form.reset();
  form.querySelectorAll("[data-list]").forEach((list) => rowsOf(list).forEach((r) => r.remove()));
  clearErrors(form);
  fill?.(form);
  renumber(form);
  form.onsubmit = async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const keepOpen = await submit(form);
      if (!keepOpen) dlg.close("done");
    } catch (err) {
      showErrors(form, err instanceof ApiError || err.details ? err : { message: String(err.message || err), details: [] });
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  };
  dlg.showModal();
  return dlg;
}
