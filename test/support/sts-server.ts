/**
 * A local stand-in for STS's GetCallerIdentity on the real wire protocol (awsQuery: a form-encoded
 * POST, an XML reply), answering with the identity a test chooses: moto's STS always answers with the
 * management account, and a rollout run by a delegated administrator is what the lockout guard is for.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StsServer {
  url: string;
  /** The identity GetCallerIdentity returns from now on. */
  answer(identity: { account: string; arn: string; userId: string }): void;
  stop(): Promise<void>;
}

export async function startStsServer(): Promise<StsServer> {
  let identity = { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/test', userId: 'AIDATEST' };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action');
      if (action !== 'GetCallerIdentity') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action} is not served here</Message></Error><RequestId>stub</RequestId></ErrorResponse>`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${identity.arn}</Arn><UserId>${identity.userId}</UserId><Account>${identity.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>stub</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer: (i) => void (identity = i),
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
