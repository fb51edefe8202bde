// "Download CSV": GET /referrals/export with the list's filters, fetched with the page's own
// sign-in headers (a plain link could not send them) and saved through an object URL.
import { download } from "./api.js";
import { h } from "./dom.js";

export function setupExport({ query, placeErrors, onError }) {
  const button = document.getElementById("export-csv");
  const note = document.getElementById("export-error");
  let pending = false;

  function problem(text) {
    note.textContent = text;
    note.hidden = !text;
    if (text) button.setAttribute("aria-describedby", note.id);
    else button.removeAttribute("aria-describedby");
  }

  // Not `disabled` while pending: that would drop the keyboard focus from the button.
  button.addEventListener("click", async () => {
    if (pending) return;
    pending = true;
    problem("");
    button.setAttribute("aria-busy", "true");
    try {
      const { blob, name } = await download(`referrals/export?${query()}`,
        { accept: "text/csv, application/json", fallbackName: "referrals.csv" });
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30_000);
    } catch (err) {
      if (err.status === 400) {
        // Errors about a filter sit next to it; the rest (e.g. too many rows) next to the button.
        const rest = placeErrors(err);
        if (rest.length) {
          const named = rest.filter((d) => d.target).map((d) => `${d.target}: ${d.message}`);
          problem([err.message, ...named].join(" "));
        }
      } else if (err.status !== 401) {
        onError(err);
      }
    } finally {
      pending = false;
      button.removeAttribute("aria-busy");
    }
  });

  return { clear: () => problem("") }; // the list's query changed: an old refusal is stale
}
