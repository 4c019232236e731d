/** A command line the tool cannot run (exit code 2): unknown command, option or queue, malformed id. */
export class UsageError extends Error {}

/** A command that could not be carried out (exit code 1): unknown id, unreachable store, a replay refused. */
export class DlqError extends Error {}
