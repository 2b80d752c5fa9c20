/** The identifier formats of the intent, with the diagnostic each failure gets. */

export interface Format {
  test: RegExp;
  code: string;
  what: string;
  hint?: string;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const ORG_ID = /^o-[a-z0-9]{10,32}$/;
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** arn:partition:service:region:account:resource, wildcards allowed; the account is digits or wildcards. */
export const ARN_PATTERN = /^arn:(?:aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?|aws-eusc|[*?]+):[a-z0-9*?-]*:[a-z0-9*?-]*:(?:\d{12}|[0-9*?]*|aws):.+$/;
export const PRINCIPAL_ARN_PATTERN = /^arn:(?:aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?|aws-eusc|[*?]+):(?:iam|sts|[*?]+)::(?:\d{12}|[0-9*?]+):.+$/;
export const REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;
/** 0, or amounts with a unit each, largest first: 30m, 1h, 1h30m, 2d (see duration.ts). */
export const DURATION = /^(?:0|(?=\d)(?:\d{1,6}d)?(?:\d{1,6}h)?(?:\d{1,6}m)?(?:\d{1,6}s)?)$/;

export const FORMATS: Record<string, Format> = {
  'account-id': { test: ACCOUNT_ID, code: 'bad-account-id', what: 'an AWS account id', hint: 'an account id is exactly 12 digits, quoted in YAML' },
  'org-id': { test: ORG_ID, code: 'bad-org-id', what: 'an organization id', hint: 'an organization id looks like o-a1b2c3d4e5' },
  'ou-or-root-id': { test: new RegExp(`${ROOT_ID.source}|${OU_ID.source}`), code: 'bad-ou-id', what: 'a root or OU id', hint: 'ids look like r-ab12 or ou-ab12-11111111' },
  'arn-pattern': { test: ARN_PATTERN, code: 'bad-arn', what: 'an ARN', hint: 'arn:aws:service:region:account:resource, wildcards * and ? allowed' },
  'principal-arn-pattern': { test: PRINCIPAL_ARN_PATTERN, code: 'bad-arn', what: 'an IAM principal ARN', hint: 'for example arn:aws:iam::*:role/BreakGlass' },
  duration: { test: DURATION, code: 'bad-duration', what: 'a duration', hint: 'a number and a unit: 90s, 30m, 1h30m, 2d (or 0)' },
  region: { test: REGION, code: 'bad-region', what: 'an AWS Region code', hint: 'for example us-east-1 or eu-central-1' },
};
