// The publication plan: the files a publish writes into an OSC catalog, before anything touches disk or git.

/** One file of a publication, relative to the catalog root ('/'-separated, e.g. "products/my-cube/collection.json"). */
export interface PlannedFile {
  path: string;
  /** The full new content, exactly as it will be written (JSON with 2-space indent and a trailing newline, or YAML). */
  content: string;
  /** "create" for a new file, "update" for a patch of an existing one. */
  action: "create" | "update";
  /** The content before (for "update"), used for dry-run diffs and no-op detection. */
  previous?: string;
}

/** What `eocube publish` will do: the files of one product (and/or workflow) publication. */
export interface PublicationPlan {
  /** OSC product (collection) id, when a dataset is published. */
  collectionId?: string;
  /** OSC workflow id, when a workflow is published. */
  workflowId?: string;
  /** Files to write; unchanged files are left out, so an empty list means "nothing to do". */
  files: PlannedFile[];
  /** Non-fatal remarks (e.g. a missing optional field). */
  warnings: string[];
}
