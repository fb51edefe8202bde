// Sign-in. easyauth: the platform's cookie (same-origin fetch); entra: an MSAL bearer token;
// local (development only, and only when the server says so): a principal header built here.
import { BASE } from "./api.js";

const KEY = "referrals.localPrincipal";
export const ROLES = ["Referrals.Admin", "Partner.Admin", "Referrals.Intake", "Referrals.User"];
// A Referrals user works only the leads it owns or is on the team of: no accept, decline,
// assign, profile, insights or export.
export const USER_ROLE = "Referrals.User";

export async function loadConfig() {
  const resp = await fetch(new URL("ui/config", BASE), { cache: "no-store" });
  if (!resp.ok) throw new Error(`Configuration unavailable (HTTP ${resp.status})`);
  return resp.json();
}

// ---- local -------------------------------------------------------------------------------
export function localUser() {
  try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch { return null; }
}

export function setLocalUser(user) {
  if (user) localStorage.setItem(KEY, JSON.stringify(user));
  else localStorage.removeItem(KEY);
}

function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// A stable object id for a local person, from the e-mail address (or the name without one):
// the owner picker derives the same id, so a lead assigned to "ann@contoso.example" is that
// person's when she signs in locally with that address. FNV-1a, four seeds, as a UUID.
export function localObjectId(key) {
  const bytes = new TextEncoder().encode(`referrals-local:${String(key).trim().toLowerCase()}`);
  const words = [0x811c9dc5, 0x01000193, 0x2f6b1a3d, 0x5bd1e995].map((seed) => {
    let hash = seed >>> 0;
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, "0");
  }).join("");
  return `${words.slice(0, 8)}-${words.slice(8, 12)}-${words.slice(12, 16)}-${words.slice(16, 20)}-${words.slice(20, 32)}`;
}

// The signed-in local person as an owner ({id, name, email}), or null without an e-mail.
export function localPerson(user = localUser()) {
  if (!user?.email) return null;
  return { id: localObjectId(user.email), name: user.name, email: user.email };
}

export function principalHeader({ tenant, name, email, role }) {
  const claims = [
    { typ: "http://schemas.microsoft.com/identity/claims/tenantid", val: tenant },
    { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: localObjectId(email || name) },
    { typ: "name", val: name },
    { typ: "roles", val: role },
  ];
  if (email) claims.push({ typ: "preferred_username", val: email });
  return base64(JSON.stringify({ auth_typ: "aad", name_typ: "name", role_typ: "roles", claims }));
}

// ---- entra (MSAL.js; its browser bundle must be vendored next to this file) ---------------
let msalApp = null;
let account = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`Could not load ${src}`));
    document.head.append(script);
  });
}

export async function entraStart(entra) {
  if (!entra?.clientId || !entra.msalBundle) {
    throw new Error("Entra sign-in is not configured: the app needs its client id and the MSAL browser bundle (see the README).");
  }
  await loadScript(new URL(`ui/${entra.msalBundle}`, BASE));
  const redirectUri = new URL("ui", BASE).href;
  msalApp = new window.msal.PublicClientApplication({
    auth: { clientId: entra.clientId, authority: entra.authority, redirectUri },
    cache: { cacheLocation: "sessionStorage" },
  });
  await msalApp.initialize();
  const result = await msalApp.handleRedirectPromise();
  account = result?.account || msalApp.getAllAccounts()[0] || null;
  return account;
}

export function entraSignIn(entra) {
  return msalApp.loginRedirect({ scopes: entra.scopes });
}

export function entraSignOut() {
  return msalApp.logoutRedirect({ account });
}

export async function entraToken(entra) {
  if (!account) return null;
  try {
    const result = await msalApp.acquireTokenSilent({ scopes: entra.scopes, account });
    return result.accessToken;
  } catch {
    await msalApp.acquireTokenRedirect({ scopes: entra.scopes, account });
    return null;
  }
}

export function entraName() {
  return account?.name || account?.username || "";
}

// ---- one function the API client calls for every request ---------------------------------
export function headersFor(config) {
  if (config.authMode === "local" && config.localSignIn) {
    return async () => {
      const user = localUser();
      return user ? { "X-MS-CLIENT-PRINCIPAL": principalHeader(user) } : {};
    };
  }
  if (config.authMode === "entra") {
    return async () => {
      const token = await entraToken(config.entra);
      return token ? { Authorization: `Bearer ${token}` } : {};
    };
  }
  return async () => ({}); // easyauth: the platform cookie travels with same-origin fetch
}
