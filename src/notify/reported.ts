/**
 * Whether a notification was reported already: the issues (or messages) a workflow has opened, as
 * `gh issue list --json number,url,state,body` writes them, searched for the notification's key. The
 * key is the same for every run on the same two snapshots, so the weekly job that finds the changes
 * again until someone compiles opens one issue for them, not one a week, and the tool decides it
 * instead of a shell snippet in every workflow.
 *
 * The key has to be found whole (a longer snapshot id is another key). Whoever may write an issue body
 * can silence a notification by copying its key into one: a workflow lists only issues it labels
 * itself (labels need triage access), which the README's workflow does.
 */

export interface ReportedIssue {
  number?: number;
  url?: string;
  state?: string;
}

export type ReportedRead = { ok: true; issues: (ReportedIssue & { body: string })[] } | { ok: false; message: string };

/** The entries of `gh issue list --json ...`: a JSON list of objects, each with a string `body`. */
export function parseReported(text: string, file: string): ReportedRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${file} is not JSON: ${(e as Error).message}` };
  }
  if (!Array.isArray(value)) return { ok: false, message: `${file} is not a JSON list of issues (as gh issue list --json number,url,state,body writes)` };
  const issues: (ReportedIssue & { body: string })[] = [];
  for (const [i, entry] of value.entries()) {
    if (typeof entry !== 'object' || entry === null || typeof (entry as { body?: unknown }).body !== 'string') return { ok: false, message: `${file}: entry ${i} has no string "body"` };
    const e = entry as Record<string, unknown>;
    issues.push({
      body: e.body as string,
      ...(typeof e.number === 'number' && Number.isSafeInteger(e.number) ? { number: e.number } : {}),
      ...(typeof e.url === 'string' ? { url: e.url } : {}),
      ...(typeof e.state === 'string' ? { state: e.state } : {}),
    });
  }
  return { ok: true, issues };
}

/** The first issue whose body holds `key` whole. */
export function findReported(issues: readonly (ReportedIssue & { body: string })[], key: string): ReportedIssue | undefined {
  for (const issue of issues) {
    for (let at = issue.body.indexOf(key); at >= 0; at = issue.body.indexOf(key, at + 1)) {
      if (!/[0-9a-z]/i.test(issue.body[at + key.length] ?? '')) {
        const { body: _, ...rest } = issue;
        return rest;
      }
    }
  }
  return undefined;
}
