// catalog/publish: apply a publication plan to a catalog git repository, and publish it on GitHub.
export { applyPlan, branchTimestamp, checkPlannedPaths, commitSubject, NOTHING_TO_PUBLISH, validatePlanInCopy } from "./apply.js";
export type { ApplyOptions, ApplyResult } from "./apply.js";
export { planDiffs } from "./diff.js";
export { gitAuthEnv, runGit } from "./git.js";
export { gitHubError, githubEndpoints, openGitHubSession, UPSTREAMS } from "./github.js";
export type { GitHubEndpoints, GitHubSession, GitHubSessionOptions, PublishEnvironment } from "./github.js";
export { publish } from "./publish.js";
export type { PlanBuilder, PublishOptions, PublishResult, PublishedPullRequest } from "./publish.js";
export { redactSecrets } from "./redact.js";
export { resolveGitHubToken } from "./token.js";
export type { GitHubCredentials, TokenOptions } from "./token.js";
export { reportErrors } from "./validation.js";
export type { CatalogProblem, CatalogValidator } from "./validation.js";
