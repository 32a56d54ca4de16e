// GCMD keyword URLs of variables: the keyword viewer's address and the check of a given URL.

/** Where GCMD science keywords are shown; a variable's `gcmd_keyword_url` is a page under it. */
export const GCMD_KEYWORD_VIEWER = "https://gcmd.earthdata.nasa.gov/KeywordViewer/";

/** What is wrong with a GCMD keyword URL: `error` (unusable) or `warning` (usable, but not a GCMD page). */
export interface GcmdUrlProblem {
  level: "error" | "warning";
  /** Why, as a sentence fragment naming the URL. */
  reason: string;
}

/**
 * Checks a variable's GCMD keyword URL: it must be a web URL (http or https, with a host, no spaces):
 * `error` otherwise; it should be a page of the GCMD keyword viewer over https ({@link GCMD_KEYWORD_VIEWER}…):
 * `warning` otherwise (the OSC links it as the variable's "Description"; a few real variables link elsewhere).
 * @returns undefined when the URL is a GCMD keyword viewer page.
 */
export function checkGcmdUrl(url: string): GcmdUrlProblem | undefined {
  let u: URL | undefined;
  try {
    u = /\s/.test(url) ? undefined : new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== "https:" && u.protocol !== "http:") || !u.hostname) {
    return { level: "error", reason: `${JSON.stringify(url)} is not a web URL (https://…)` };
  }
  const viewer = new URL(GCMD_KEYWORD_VIEWER);
  if (
    u.protocol !== "https:" ||
    u.hostname !== viewer.hostname ||
    !u.pathname.startsWith(viewer.pathname) ||
    u.pathname === viewer.pathname
  ) {
    return { level: "warning", reason: `${url} is not a GCMD keyword viewer page (${GCMD_KEYWORD_VIEWER}…)` };
  }
  return undefined;
}
