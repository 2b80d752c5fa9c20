/**
 * The contract of `guardrails impact` (issue 18): what every source reduces CloudTrail records to, and
 * what the decisions read. The reduction runs where the logs are (worker threads over a directory or an
 * S3 prefix, DuckDB, Athena); all of them produce the same ShapeRows for the same records and the same
 * Projection, so the decisions and the report never know which engine read the logs.
 *
 * Pipeline: source -> ShapeRow[] (reduced) -> EventActions per row (the reference's operations) ->
 * decided against the deployed and the compiled policies -> findings -> report.
 */

/**
 * Which of a record's optional fields a shape keeps. Everything else is dropped before shapes are
 * counted, so requests that differ only in what no policy before or after the change reads are one
 * shape. Computed from the condition keys and Resource patterns of both sides (projection.ts).
 */
export interface Projection {
  /** aws:SourceIp or aws:VpcSourceIp is read: keep `sourceIp`. */
  sourceIp: boolean;
  /** aws:SourceVpce, aws:VpceAccount, aws:VpceOrgID or aws:VpceOrgPaths is read: keep the VPC endpoint fields. */
  vpcEndpoint: boolean;
  /** aws:UserAgent is read: keep `userAgent`. */
  userAgent: boolean;
  /** aws:SecureTransport or s3:TlsVersion is read: keep `tlsVersion`. */
  tlsVersion: boolean;
  /** aws:MultiFactorAuthPresent is read: keep `mfaAuthenticated`. */
  mfa: boolean;
  /**
   * A Resource pattern looks inside an S3 bucket (arn:aws:s3:::bucket/prefix*): keep object keys.
   * Otherwise an object ARN `arn:aws:s3:::bucket/any/key` is kept as `arn:aws:s3:::bucket/*`.
   */
  objectKeys: boolean;
  /** aws:userid, aws:SourceIdentity or a pattern on a session name is read: keep the session (principalId, sessionArn). */
  session: boolean;
}

/**
 * One distinct request shape and how often it was seen. Strings are as the record gave them (untrusted:
 * escaped wherever printed); a field the record lacks, or the projection drops, is null. Two records are
 * the same shape when every field but the counting ones (events, firstSeen, lastSeen, exampleEventId)
 * is equal.
 */
export interface ShapeRow {
  eventSource: string;
  eventName: string;
  /** `AwsApiCall`, or null for records before eventVersion 1.02; other types are not authorization events and never become shapes. */
  eventType: string | null;
  /** `Management` or `Data` (null before eventCategory existed). */
  eventCategory: string | null;
  awsRegion: string;
  recipientAccountId: string;
  /** userIdentity.type: Root, IAMUser, AssumedRole, FederatedUser, AWSAccount, AWSService, ... */
  principalType: string;
  /** sessionContext.sessionIssuer.arn (a role's ARN, with its path), else userIdentity.arn; null for AWSAccount and AWSService. */
  principalArn: string | null;
  /** userIdentity.accountId. */
  principalAccount: string | null;
  /** userIdentity.principalId (kept only with projection.session). */
  principalId: string | null;
  /** userIdentity.arn when it is a session's (kept only with projection.session). */
  sessionArn: string | null;
  /** userIdentity.invokedBy (the service principal of an AWSService caller, or the service acting for the principal). */
  invokedBy: string | null;
  /** sourceIPAddress when an IP literal (a DNS name such as signin.amazonaws.com, or `AWS Internal`, gives null). */
  sourceIp: string | null;
  vpcEndpointId: string | null;
  vpcEndpointAccountId: string | null;
  /** tlsDetails.tlsVersion as `1.2` (from `TLSv1.2`); null when the record has no tlsDetails. */
  tlsVersion: string | null;
  userAgent: string | null;
  /** sessionContext.attributes.mfaAuthenticated, `true` or `false`. */
  mfaAuthenticated: string | null;
  /** resources[].ARN, sorted, de-duplicated, object keys erased unless projection.objectKeys. */
  resourceArns: string[];
  /** The account of the resource: resources[].accountId, else null. */
  resourceAccount: string | null;
  /** requestParameters.modelId (Amazon Bedrock), when a string. */
  modelId: string | null;
  /** additionalEventData.inferenceRegion (Bedrock cross-Region inference), when a string. */
  inferenceRegion: string | null;
  /** requestParameters.roleArn, else requestParameters.role, when a string starting `arn:` (the role a call passes: iam:PassRole). */
  passedRoleArn: string | null;
  /** errorCode as recorded (null when the call succeeded). */
  errorCode: string | null;
  /** Which organization policy type the errorMessage says denied the call (`with an explicit deny in a service control policy`). */
  deniedBy: 'scp' | 'rcp' | null;
  /** The policy id (`p-...`) the errorMessage names, when AWS named one. */
  deniedByPolicy: string | null;
  /** Counting fields: not part of the shape. */
  events: number;
  /** ISO 8601, the earliest and latest eventTime of the shape's records. */
  firstSeen: string;
  lastSeen: string;
  /** The smallest eventID of the shape's records (deterministic in every engine). */
  exampleEventId: string;
}

/** The shape's identity: every field of ShapeRow but the counting ones. */
export type ShapeKeyFields = Omit<ShapeRow, 'events' | 'firstSeen' | 'lastSeen' | 'exampleEventId'>;

/** What a source read besides the shapes, all counted, nothing dropped silently. */
export interface ReductionTotals {
  /** Records read (every entry of every `Records` array). */
  records: number;
  /** Records that became (part of) a shape. */
  authorizationEvents: number;
  /** Records whose eventType is not AwsApiCall (console sign-in, service events, Insights): counted, not decided. */
  notAuthorization: number;
  /** Records outside the window. */
  outsideWindow: number;
  /** Records too malformed to read (a field of the wrong type): counted per reason. */
  malformed: Record<string, number>;
  /** Log files (or objects) read. */
  files: number;
}

/** What a source returns. */
export interface Reduction {
  shapes: ShapeRow[];
  totals: ReductionTotals;
}

/** The IAM actions an event (eventSource, eventName) needed, from the reference's operations (operations.ts). */
export interface EventActions {
  /** The operation's own action(s): denying one of them denies the call. `service:Action`, canonical casing. */
  required: string[];
  /** Further actions the call may need (AuthorizedActions beyond the required): denying one gives "may deny". */
  conditional: { action: string; passedToService?: string[] }[];
  /** No action of the operation's own name: `required` is every action the operation lists from its own service. */
  approximate: boolean;
  /** Found as an action name where the service has no Operations in the reference (`s3express:CreateSession`). */
  byName: boolean;
}

/** An event no operation of the reference maps: reported per eventSource, never dropped. */
export interface UnmappedEvents {
  eventSource: string;
  events: number;
  eventNames: { name: string; events: number }[];
}
