/**
 * How much the tool reads of any one input. Each limit is far above any real input of its kind (the
 * figures in the comments) and far below what would exhaust the memory of a CI runner, so a hostile
 * file is refused with a message instead of growing until the process dies.
 */

const MiB = 1024 * 1024;

export const LIMITS = {
  /** An intent file (the example's largest is 5 KB; 300 controls take about 60 KB). */
  intentFile: 4 * MiB,
  /** A policy file named by an intent (`import file:`) or a template (`template:`); AWS's largest SCPs are 5 KB. */
  policyFile: 1 * MiB,
  /** What a template may render (a policy is at most 10,240 characters once minified). */
  renderedTemplate: 1 * MiB,
  /** A policy file given to `minimize` (the SCP pre-processor's example is 12 KB). */
  minimizeInput: 4 * MiB,
  /** An org snapshot (10,000 accounts and 1,000 policies take about 8 MB). */
  orgSnapshot: 256 * MiB,
  /** A saved plan (plan --save): the calls of a whole rollout with its expected states. */
  planFile: 256 * MiB,
  /** out/manifest.json and one compiled policy file of out/. */
  outManifest: 64 * MiB,
  outPolicy: 1 * MiB,
  /** All the files of out/ that compile carries into a new out/ (a README, a CODEOWNERS: a few KB). */
  outCarried: 64 * MiB,
  /** A notify template given on the command line. */
  template: 1 * MiB,
  /** The issues notify --reported reads (`gh issue list --json body`: a body holds at most 65,536 characters). */
  reportedIssues: 64 * MiB,
  /** One service file of the reference, on the wire, compressed in the cache and decompressed (ec2's is 620 KB). */
  serviceFile: 16 * MiB,
  /** The service list (54 KB for 466 services). */
  serviceList: 4 * MiB,
  /** All service files of one snapshot together (14 MB in 2026). */
  referenceSnapshot: 256 * MiB,
  /** The cache's manifest.json or one snapshots/<id>.json (120 KB with a history of a few snapshots). */
  cacheManifest: 16 * MiB,
} as const;

export type LimitName = keyof typeof LIMITS;

export function formatBytes(n: number): string {
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
