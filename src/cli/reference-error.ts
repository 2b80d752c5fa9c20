import { error, type Diagnostic } from '../diagnostics/index.js';
import type { CacheError } from '../reference/index.js';

/**
 * A cache that is not there is "no reference yet" (sync first); one that is there but fails its checks
 * (a file that does not match the manifest, one that leads out of the repository) keeps its own code, so
 * a reviewer sees that the pull request's cache was refused, not that a sync is missing. The copy shipped
 * with guardrails (`shippedWith`, its version) failing its checks is a broken installation, said as such.
 */
export function referenceError(e: CacheError, shippedWith?: string): Diagnostic {
  if (shippedWith !== undefined) {
    const code = e.code === 'no-cache' || e.code === 'no-snapshot' ? 'no-reference' : e.code;
    return error(code, `the service reference shipped with guardrails ${shippedWith} cannot be used: ${e.message}`, undefined, 'reinstall guardrails, or run guardrails sync to give the repository a cache of its own');
  }
  if (e.code === 'no-cache' || e.code === 'no-snapshot') return error('no-reference', `actions and services were not checked: ${e.message}`, undefined, 'run guardrails sync (see the README for offline mirrors)');
  return error(e.code, `the service-reference cache cannot be used: ${e.message}`);
}
