/**
 * How the executor treats an error from an Organizations write (issue 12, "reconcile, never stop
 * blindly"). Organizations writes carry no idempotency token, so an answer lost after the write landed
 * comes back, on the retry, as one of the "already done" refusals; those are accepted only after a
 * read confirms them (executor.ts). Everything that means the organization is not what the plan was
 * computed from halts: the rollout reads again and plans again rather than forcing its way.
 */
import { quoteUntrusted } from '../diagnostics/index.js';
import type { OrgOperation } from '../org/index.js';
import type { ErrorClass } from './types.js';

export interface ClassifiedError {
  errorClass: ErrorClass;
  /** The AWS error code (`ConcurrentModificationException`), the network code (`ECONNRESET`) or `HTTP 503`. */
  code: string;
  /** One line: the code, AWS's message and, for a ConstraintViolation, its reason. */
  message: string;
  requestId?: string;
}

/** Organizations' "try again later" refusals, which the SDK does not retry by itself. */
const TRY_AGAIN_LATER = new Set(['ConcurrentModificationException', 'PolicyChangesInProgressException', 'PolicyTypeNotEnabledException']);

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded', 'SlowDown']);

/** Network failures: the request may or may not have reached Organizations, so the write may have landed. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError']);

/** The refusal each operation may meet when its own earlier attempt already landed. */
const ALREADY_DONE: Partial<Record<OrgOperation['op'], string>> = {
  attach: 'DuplicatePolicyAttachmentException',
  detach: 'PolicyNotAttachedException',
  delete: 'PolicyNotFoundException',
  create: 'DuplicatePolicyException',
};

interface AwsLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  Reason?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  cause?: unknown;
}

export function classifyOrgError(e: unknown, op: OrgOperation): ClassifiedError {
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as AwsLikeError;
  const requestId = err.$metadata?.requestId;
  const status = err.$metadata?.httpStatusCode;
  // The SDK names an error it cannot read (a 5xx without a body) Unknown: its status says more.
  const name = err.name && !['Error', 'Unknown', 'UnknownError'].includes(err.name) ? err.name : undefined;
  const networkCode = networkCodeOf(err);
  const code = networkCode ?? name ?? (status ? `HTTP ${status}` : undefined) ?? err.Code ?? err.code ?? 'Error';
  const reason = err.Reason ? ` (reason ${err.Reason})` : '';
  // What the server says is clipped and made inert: it goes to the journal and the CI log as it is.
  const message = `${quoteUntrusted(code, 80)}: ${quoteUntrusted(err.message ?? String(e), 300)}${quoteUntrusted(reason, 100)}`;
  const out = (errorClass: ErrorClass): ClassifiedError => ({ errorClass, code, message, ...(requestId ? { requestId } : {}) });

  if (networkCode || (name && NETWORK_NAMES.has(name))) return out('retry');
  if (THROTTLING.has(code) || status === 429) return out('retry');
  if (TRY_AGAIN_LATER.has(code)) return out('retry');
  if (ALREADY_DONE[op.op] === code) return out('already-done');
  // A 5xx that is not one of the named refusals above (ServiceException, an HTML 503 from a proxy).
  if (status !== undefined && status >= 500) return out('retry');
  return out('halt');
}

function networkCodeOf(err: AwsLikeError): string | undefined {
  for (let x: AwsLikeError | undefined = err, depth = 0; x && depth < 4; x = x.cause as AwsLikeError | undefined, depth++) {
    if (x.code && NETWORK_CODES.has(x.code)) return x.code;
    if (/socket hang up/i.test(x.message ?? '')) return 'ECONNRESET';
  }
  return undefined;
}
