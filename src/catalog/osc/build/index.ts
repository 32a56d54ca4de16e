// The OSC publication builder: buildPublication and its options, split by entity (context, cube, product,
// variables, missions, records, project).
export { buildPublication, DEFAULT_PROJECT } from "./publication.js";
export type { BuildPublicationOptions } from "./context.js";
export { DEEPESDL_BUCKET, TEAM_BUCKET_ENV, deepEsdlAttempts, isDeepEsdlId, type CubeAttempt } from "./cube.js";
