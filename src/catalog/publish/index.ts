// catalog/publish: apply a publication plan to a catalog git repository, and publish it on GitHub.
export { applyPlan, branchTimestamp, changedFiles, checkPlannedPaths, commitSubject, NOTHING_TO_PUBLISH, publicationId, rollback, validatePlanInCopy } from "./apply.js";
export type { ApplyOptions, ApplyResult, PlanValidation } from "./apply.js";
export { configPlanBuilder } from "./builder.js";
export type { ConfigBuilderOptions, PublishMode } from "./builder.js";
export { planDiffs } from "./diff.js";
export { DEFAULT_IDENTITY, gitAuthEnv, identityArgs, runGit } from "./git.js";
export type { GitOptions, GitResult } from "./git.js";
export {
  createPullRequest,
  findPublicationPullRequest,
  gitHubError,
  githubEndpoints,
  gitRemoteUrl,
  openGitHubSession,
  updatePullRequest,
  UPSTREAMS,
} from "./github.js";
export type { ExistingPullRequest, GitHubEndpoints, GitHubSession, GitHubSessionOptions, PublishEnvironment, RepoRef } from "./github.js";
export { publish } from "./publish.js";
export type { PlanBuilder, PublishOptions, PublishResult, PublishedPullRequest } from "./publish.js";
export { REDACTED, redactSecrets } from "./redact.js";
export { branchExists, dirtyFiles, ensureClean, ensureRepository, headState, restoreHead } from "./repo.js";
export type { HeadState } from "./repo.js";
export { resolveGitHubToken } from "./token.js";
export type { GitHubCredentials, TokenOptions } from "./token.js";
export { formatProblem, loadDefaultValidator, reportErrors, reportWarnings, validationError } from "./validation.js";
export type { CatalogProblem, CatalogValidator } from "./validation.js";
