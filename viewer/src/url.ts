// The URL side of the view state: writes the state into the hash (debounced), and reloads the page when the hash is
// edited by hand or a link is pasted, so that the link's state is restored.
import { formatState } from "./state.js";
import { st } from "./store.js";

let urlTimer: number | undefined;

/** Writes the view state into the URL hash 100 ms after the last change (history.replaceState, no new entry). */
export function writeUrl(): void {
  window.clearTimeout(urlTimer);
  urlTimer = window.setTimeout(() => history.replaceState(null, "", `${location.pathname}${location.search}#${formatState(st)}`), 100);
}

/** Reloads the page when the hash changes by other means than {@link writeUrl} (a hash edited by hand). */
export function watchHash(): void {
  let lastWritten = location.hash;
  const origReplace = history.replaceState.bind(history);
  history.replaceState = (data: unknown, unused: string, u?: string | URL | null) => {
    origReplace(data, unused, u);
    lastWritten = location.hash;
  };
  window.addEventListener("hashchange", () => {
    if (location.hash !== lastWritten) location.reload();
  });
}
