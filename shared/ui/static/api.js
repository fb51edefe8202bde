// The API client: same origin, JSON, the contract's error envelope as ApiError.
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

export async function api(method, path, { body, ifMatch } = {}) {
  const headers = { Accept: "application/json", ...(await authHeaders()) };
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
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) {
    const err = new ApiError(resp.status, data?.error);
    if (resp.status === 401) onUnauthenticated(err);
    throw err;
  }
  return data;
}
