/**
 * Where a webhook may be sent. In production only `https://` to a public address: never a loopback, private,
 * link-local or otherwise internal address, neither named in the URL nor resolved from its host name at send time
 * (a name that resolves to 10.0.0.1 is refused too). Outside production, with WEBHOOK_ALLOW_HTTP, `http://` to a
 * loopback host is allowed too (a receiver on the developer's machine), and https may reach any address.
 */
import { BlockList, isIP } from 'node:net';

export const MAX_URL_LENGTH = 2048;

export interface TargetRules {
  /** `http://` to loopback and https to internal addresses (never in production). */
  allowLocal: boolean;
}

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  internal.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(net, bits, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** An IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries. */
function plain(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  const version = isIP(bare);
  return version === 0 ? null : { address: bare, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether an IP address is not on the public internet (loopback, private, link-local, reserved, multicast). */
export function isInternalAddress(address: string): boolean {
  const ip = plain(address);
  if (!ip) return false;
  // IPv4-mapped addresses of the other form (`::ffff:a00:1`) are refused whole.
  if (ip.family === 'ipv6' && /^::ffff:/i.test(ip.address)) return true;
  return internal.check(ip.address, ip.family);
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const ip = plain(host);
  return ip !== null && loopback.check(ip.address, ip.family);
}

/** Host names that only ever name something inside a network. */
function isInternalName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    !host.includes('.') ||
    /\.(localhost|local|internal|intranet|lan|home|corp|private|home\.arpa)$/.test(host) ||
    host === 'localhost'
  );
}

/** Why `value` may not be a brand's endpoint, or null when it may. */
export function targetProblem(value: string, { allowLocal }: TargetRules): string | null {
  if (value.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https:// URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.hash || value.includes('#')) return 'must not have a fragment (#…)';
  if (url.protocol === 'http:' && !(allowLocal && isLoopbackHost(url.hostname)))
    return allowLocal ? 'must be https:// (http:// only to a loopback address)' : 'must be an https:// URL';
  if (!allowLocal && (isInternalName(url.hostname) || isInternalAddress(url.hostname)))
    return 'must name a public host, not a loopback, private or internal address';
  return null;
}
