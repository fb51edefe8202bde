// Sign-in. easyauth: the platform's cookie (same-origin fetch); entra: an MSAL bearer token;
// local (development only, and only when the server says so): a principal header built here.
import { BASE } from "./api.js";

const KEY = "referrals.localPrincipal";
export const ROLES = ["Referrals.Admin", "Partner.Admin", "Referrals.Intake"];

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

export function principalHeader({ tenant, name, role }) {
  const claims = [
    { typ: "http://schemas.microsoft.com/identity/claims/tenantid", val: tenant },
    { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: `local-${name}` },
    { typ: "name", val: name },
    { typ: "roles", val: role },
  ];
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
