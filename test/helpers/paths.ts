// Paths of the shared real data used by tests (never copied into the repo).
import { fileURLToPath } from "node:url";

/** Absolute path of /work/shared/data (…/shared/data/), with a trailing slash. */
export const SHARED_DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
/** Absolute path of the repo root, with a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The consolidated Zarr v2 cube of the shared data. */
export const ZARR_CUBE = `${SHARED_DATA}zarr/cube-1-250-250.zarr`;
