/**
 * Throw-away certificates for the TLS tests: a CA, a server certificate (temporal.test and 127.0.0.1) and a client
 * certificate, issued by that CA, plus a second client pair the CA never signed. Made with the openssl command
 * (node:crypto makes keys but not certificates); `openssl` is null where the command is missing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const openssl: string | null = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return 'openssl';
  } catch {
    return null;
  }
})();

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A self-signed client pair, not issued by the CA. */
  strangerCert: string;
  strangerKey: string;
  /** The name in the server's certificate. */
  serverName: string;
  remove(): void;
}

export function makeTestPki(): TestPki {
  if (!openssl) throw new Error('the openssl command is needed to make test certificates');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'centers-tls-'));
  const f = (name: string) => path.join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl!, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const serverName = 'temporal.test';

  run('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=centers test CA');
  const issue = (name: string, cn: string, ext: string) => {
    fs.writeFileSync(f(`${name}.ext`), ext);
    run('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    run('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', String(Date.now() + name.length),
      '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`));
  };
  issue('server', serverName, `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n`);
  issue('client', 'centers-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n');
  run('req', '-x509', ...ec, '-keyout', f('stranger.key'), '-out', f('stranger.pem'), '-days', '2', '-subj', '/CN=stranger');

  return {
    dir,
    caCert: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    strangerCert: f('stranger.pem'),
    strangerKey: f('stranger.key'),
    serverName,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
