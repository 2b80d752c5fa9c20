/**
 * Where an action is documented. The service reference names each service's file by its prefix
 * (service-list.json: `https://servicereference.us-east-1.amazonaws.com/v1/<prefix>/<prefix>.json`, for
 * every service of both snapshots in ../shared), and that file is AWS's own statement of the service's
 * actions: access level, resource types, condition keys. The Service Authorization Reference's pages are
 * named after a service's display name instead (`list_awsidentityandaccessmanagementiam.html` for iam),
 * which the reference files do not hold, so a link to one would be a guess; its index is linked once.
 *
 * The link is built from the prefix, never taken from the (mirror-controlled) `url` field, and only for
 * a prefix of the characters IAM allows: no name can make it point anywhere else.
 */
import { AWS_REFERENCE_BASE } from '../reference/index.js';

/** The Service Authorization Reference's list of services, with descriptions of every action. */
export const SERVICE_AUTHORIZATION_INDEX = 'https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html';

const PREFIX = /^[a-z0-9][a-z0-9._-]*$/;

/** The service reference file of a service, or undefined for a prefix that is not one. */
export function serviceDocsUrl(service: string): string | undefined {
  if (!PREFIX.test(service) || service.includes('..')) return undefined;
  return `${AWS_REFERENCE_BASE}${service}/${service}.json`;
}

/** The documentation of `service:Name`: its service's reference file. */
export function actionDocsUrl(action: string): string | undefined {
  const at = action.indexOf(':');
  return at > 0 ? serviceDocsUrl(action.slice(0, at)) : undefined;
}
