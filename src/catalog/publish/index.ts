// catalog/publish: apply a publication plan to a catalog git repository, and publish it on GitHub.
export {
  applyPlan,
  branchHolding,
  branchTimestamp,
  changedFiles,
  checkPlannedPaths,
  commitSubject,
  copyOfCommit,
  latestPublicationBranch,
  NOTHING_TO_PUBLISH,
  publicationBranchPattern,
  publicationId,
  validateInCopy,
} from "./apply.js";
export type { ApplyOptions, ApplyResult, BaseCopy, PlanValidation } from "./apply.js";
export { branchesUnder, commitFiles, commitTree, createBranch, deleteBranch, exportTree, writeTreeWith } from "./commit.js";
export type { CommitFile, CommitSpec, PlumbingOptions } from "./commit.js";
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
export {
  isProcessAlive,
  LOCK_NAME,
  lockCatalog,
  makeTempDir,
  reclaimTempDirs,
  releaseOwnedSync,
  removeTempDir,
  TEMP_PREFIX,
} from "./lock.js";
export type { CatalogLock, LockOwner } from "./lock.js";
export { branchExists, dirtyFiles, ensureClean, ensureRepository, headState } from "./repo.js";
export type { HeadState } from "./repo.js";
export { resolveGitHubToken } from "./token.js";
export type { GitHubCredentials, TokenOptions } from "./token.js";
export { formatProblem, loadDefaultValidator, reportErrors, reportWarnings, validationError } from "./validation.js";
export type { CatalogProblem, CatalogValidator } from "./validation.js";
