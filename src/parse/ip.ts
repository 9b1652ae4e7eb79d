/** Small, dependency-free address checks for the parsers (full address maths lives with ip-address in the analysis). */
export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isIpv6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const groups = s.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1];
  const v4tail = last !== undefined && last.includes('.');
  if (v4tail && !isIpv4(last)) return false;
  const hex = v4tail ? groups.slice(0, -1) : groups;
  if (!hex.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = hex.length + (v4tail ? 2 : 0);
  return dbl.length === 2 ? count < 8 : count === 8;
}

export function isIpAddress(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}
