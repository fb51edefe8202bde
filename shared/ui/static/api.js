// The API client: same origin, JSON, the contract's error envelope as ApiError; `download`
// fetches a file (e.g. the CSV export) with the same sign-in headers.
export const BASE = new URL("../", import.meta.url); // /api/ (this file is /api/ui/api.js)

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `The request failed (HTTP ${status}).`);
    this.status = status;
    this.code = error?.code || "httpError";
    this.target = error?.target ?? null;
    this.details = Array.isArray(error?.details) ? error.details : [];
  }
}

let authHeaders = async () => ({});
let onUnauthenticated = () => {};

export function configureAuth(headers, unauthenticated) {
  authHeaders = headers;
  onUnauthenticated = unauthenticated;
}

// Absolute or relative (e.g. a nextLink) -> a URL on this origin, so credentials never leave it.
export function sameOrigin(link) {
  const url = new URL(link, BASE);
  return new URL(url.pathname + url.search, location.origin);
}

function parse(text) {
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

// One round trip; a response that is not 2xx becomes an ApiError (401: signed out).
async function request(method, path, { body, ifMatch, accept = "application/json" } = {}) {
  const headers = { Accept: accept, ...(await authHeaders()) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  let resp;
  try {
    resp = await fetch(sameOrigin(path), {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "network", message: "The service cannot be reached. Check your connection and try again." });
  }
  if (!resp.ok) {
    const err = new ApiError(resp.status, parse(await resp.text())?.error);
    if (resp.status === 401) onUnauthenticated(err);
    throw err;
  }
  return resp;
}

export async function api(method, path, options = {}) {
  const resp = await request(method, path, options);
  return parse(await resp.text());
}

// A file answer: its bytes and the name Content-Disposition gives it.
export async function download(path, { accept = "*/*", fallbackName = "download" } = {}) {
  const resp = await request("GET", path, { accept });
  const disposition = resp.headers.get("Content-Disposition") || "";
  const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1] || fallbackName;
  return { blob: await resp.blob(), name };
}
