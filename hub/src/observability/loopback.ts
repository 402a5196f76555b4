// Whether a peer address is this machine (IPv4 127/8, IPv6 ::1, and IPv4-mapped IPv6 of 127/8).
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
  return /^127(\.\d{1,3}){3}$/.test(v4);
}
