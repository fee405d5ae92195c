/**
 * How this service's processes reach Temporal: the one place that turns the `temporal` section into connection
 * options. The CLI and the API (Connection, @temporalio/client) and the worker (NativeConnection,
 * @temporalio/worker) take the same `address`, `tls` and `apiKey` options, so both are built here.
 */
import net from 'node:net';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { ConfigError, readTemporalTlsFiles, type AppConfig } from './index';

/** Where clients connect: the configured address, or the embedded dev server (wildcard binds via loopback). */
export function temporalAddress(cfg: AppConfig): string {
  if (cfg.temporal.address) return cfg.temporal.address;
  const ip = cfg.devServer.ip;
  const host = ip === '0.0.0.0' || ip === '' ? '127.0.0.1' : ip === '::' ? '[::1]' : net.isIPv6(ip) ? `[${ip}]` : ip;
  return `${host}:${cfg.devServer.port}`;
}

/** The options Connection.connect and NativeConnection.connect share. */
export interface TemporalConnectionOptions {
  address: string;
  /** undefined: plaintext. */
  tls: TLSConfig | undefined;
  apiKey: string | undefined;
}

/**
 * The connection options of the `temporal` section: tls false is plaintext, true is TLS with the system's CAs, an
 * object adds the server name, the root CA and the client's certificate pair (mTLS), read from their files now.
 * An API key is never sent in plaintext: with temporal.apiKey, TLS is on even if tls is false (as the SDK does).
 * Throws ConfigError if a file became unreadable or invalid since the configuration was loaded.
 */
export function temporalConnectionOptions(cfg: AppConfig, address: string = temporalAddress(cfg)): TemporalConnectionOptions {
  const { tls: setting, apiKey } = cfg.temporal;
  let tls: TLSConfig | undefined;
  if (typeof setting === 'object') {
    const { files, issues } = readTemporalTlsFiles(setting);
    if (issues.length) throw new ConfigError(issues, null, false);
    tls = {};
    if (setting.serverName) tls.serverNameOverride = setting.serverName;
    if (files.serverRootCACertificate) tls.serverRootCACertificate = files.serverRootCACertificate;
    if (files.clientCertificate && files.clientKey) tls.clientCertPair = { crt: files.clientCertificate, key: files.clientKey };
  } else if (setting || apiKey) {
    tls = {};
  }
  return { address, tls, apiKey: apiKey ?? undefined };
}

/** "mTLS (client certificate …)", "TLS", "plaintext", with "+ API key": for the start-up banner. */
export function describeTemporalSecurity(cfg: AppConfig, show: (file: string) => string = (f) => f): string {
  const { tls, apiKey } = cfg.temporal;
  let transport: string;
  if (typeof tls === 'object') {
    const ca = tls.serverRootCACertificate ? `CA ${show(tls.serverRootCACertificate)}` : "the system's CAs";
    transport = tls.clientCertificate
      ? `mTLS (client certificate ${show(tls.clientCertificate)}, server checked against ${ca})`
      : `TLS (server checked against ${ca})`;
    if (tls.serverName) transport += `, server name ${tls.serverName}`;
  } else {
    transport = tls || apiKey ? "TLS (server checked against the system's CAs)" : 'plaintext';
  }
  return apiKey ? `${transport} + API key` : transport;
}

/**
 * The `temporal` CLI's connection flags for the same server. The API key is never written out: the flags refer to
 * the TEMPORAL_API_KEY environment variable the operator sets themselves.
 */
export function temporalCliFlags(cfg: AppConfig, address: string, show: (file: string) => string = (f) => f): string[] {
  const { tls, apiKey, namespace } = cfg.temporal;
  const quote = (s: string) => (/^[\w./:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const flags = [`--address ${address}`];
  if (namespace !== 'default') flags.push(`--namespace ${quote(namespace)}`);
  if (typeof tls === 'object') {
    if (tls.serverRootCACertificate) flags.push(`--tls-ca-path ${quote(show(tls.serverRootCACertificate))}`);
    if (tls.clientCertificate) flags.push(`--tls-cert-path ${quote(show(tls.clientCertificate))}`);
    if (tls.clientKey) flags.push(`--tls-key-path ${quote(show(tls.clientKey))}`);
    if (tls.serverName) flags.push(`--tls-server-name ${quote(tls.serverName)}`);
    if (!tls.serverRootCACertificate && !tls.clientCertificate && !tls.serverName) flags.push('--tls');
  } else if (tls || apiKey) {
    flags.push('--tls');
  }
  if (apiKey) flags.push('--api-key "$TEMPORAL_API_KEY"');
  return flags;
}
