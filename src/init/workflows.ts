/**
 * The GitHub Actions workflows init writes: one for pull requests, one scheduled for AWS's changes to
 * the service reference. They are the README's workflows (a test holds the two to the same text), with
 * one choice made for the project: how the runner gets guardrails. A project that declares guardrails
 * in its package.json installs what its lock file pins (npm ci); one that does not installs the
 * version that wrote the workflow.
 */

export const PULL_REQUEST_WORKFLOW = '.github/workflows/guardrails.yml';
export const NOTIFY_WORKFLOW = '.github/workflows/guardrails-notify.yml';

/** The shell command that makes `npx guardrails` the project's guardrails on the runner. */
export function installCommand(declared: boolean, version: string): string {
  return declared ? 'npm ci' : `npm install --no-save guardrails@${version}`;
}

export function pullRequestWorkflow(install: string): string {
  return `# guardrails on every pull request: compile (which validates first; out/ is committed with the intent, so a
# stale out/ fails), simulate, both as code-scanning results and annotations, and what the change does against
# the organization as deployed, as one comment updated on every push; a change that may allow something gets
# the label security-review. The diff runs once guardrails/org-snapshot.json is committed (guardrails org export
# --out guardrails/org-snapshot.json). The SARIF uploads need code scanning (public repositories, or GitHub
# Advanced Security).
name: guardrails
on: pull_request
permissions: { contents: read, pull-requests: write, security-events: write }
jobs:
  guardrails:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 22 }
      - run: ${install} && npx guardrails compile --format sarif > compile.sarif && git diff --exit-code out/
      - run: npx guardrails simulate --quiet --junit simulate.xml --format sarif > simulate.sarif
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with: { sarif_file: compile.sarif, category: guardrails-compile }
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with: { sarif_file: simulate.sarif, category: guardrails-simulate }
      - id: diff
        if: hashFiles('guardrails/org-snapshot.json') != ''
        run: |
          set +e
          npx guardrails diff --org guardrails/org-snapshot.json --markdown --step-summary --detailed-exitcode > diff.md
          code=$?
          echo "code=$code" >> "$GITHUB_OUTPUT"
          [ "$code" = 0 ] || [ "$code" = 3 ] || [ "$code" = 4 ]
      - if: steps.diff.outcome == 'success'
        env: { GH_TOKEN: "\${{ github.token }}", PR: "\${{ github.event.number }}" }
        run: |
          id=$(gh api "repos/$GITHUB_REPOSITORY/issues/$PR/comments" --paginate \\
            --jq '[.[] | select(.body | startswith("<!-- guardrails-diff -->"))][0].id // empty')
          if [ -n "$id" ]; then gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F body=@diff.md
          else gh pr comment "$PR" --body-file diff.md; fi
      - if: steps.diff.outputs.code == '4'
        env: { GH_TOKEN: "\${{ github.token }}" }
        run: gh pr edit \${{ github.event.number }} --add-label security-review
`;
}

export function notifyWorkflow(install: string): string {
  return `# Every Monday: sync AWS's service reference and tell what changed for these guardrails. When a change touches
# one, an issue labelled guardrails-notify is opened, one per pair of snapshots (the one out/ was compiled against
# and the synced one): the same findings come back every week until someone compiles against the new reference.
name: guardrails-notify
on: { schedule: [{ cron: "0 6 * * 1" }], workflow_dispatch: {} }
jobs:
  service-reference:
    runs-on: ubuntu-latest
    permissions: { contents: read, issues: write }
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 22 }
      - run: ${install} && npx guardrails sync
      - env: { GH_TOKEN: "\${{ github.token }}" }
        run: |
          gh label create guardrails-notify --color B60205 --description "guardrails notify" --force
          gh issue list --label guardrails-notify --state all --limit 1000 --json number,url,state,body > "$RUNNER_TEMP/reported.json"
          code=0; npx guardrails notify --format markdown --reported "$RUNNER_TEMP/reported.json" > "$RUNNER_TEMP/notify.md" || code=$?
          if [ "$code" -eq 1 ]; then
            gh issue create --label guardrails-notify --title "AWS service reference changes touch our guardrails" --body-file "$RUNNER_TEMP/notify.md"
          elif [ "$code" -ne 0 ]; then exit "$code"; fi
          cat "$RUNNER_TEMP/notify.md"
`;
}
