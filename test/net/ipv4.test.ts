import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Address4 } from 'ip-address';
import {
  cidrBounds,
  cidrOf,
  cidrsOverlap,
  formatCidr,
  formatIPv4,
  inCidr,
  isIPAddress,
  isIPv4,
  isIPv6,
  isNetworkOrBroadcast,
  notIPv4,
  parseCidr,
  parseIPv4,
  slash24,
} from '../../src/net/ipv4.js';

describe('ipv4 adapter', () => {
  it('isIPv4 accepts dotted quads only', () => {
    for (const ok of ['10.77.0.10', '0.0.0.0', '255.255.255.255', '192.168.2.204']) assert.ok(isIPv4(ok), ok);
    for (const bad of ['10.77.0.256', '10.77.0', '10.77.0.1/24', '010.1.1.1', '1.2.3.4.5', 'a.b.c.d', '', ' 1.2.3.4', '::1']) assert.ok(!isIPv4(bad), bad);
  });

  it('notIPv4 says what the value is and what to write instead', () => {
    assert.match(notIPv4('fd00::21').what, /IPv6 address: kubeha supports IPv4 only/);
    assert.match(notIPv4('[2001:db8::1]').what, /IPv6/);
    assert.match(notIPv4('master1.example.com').what, /host name/);
    assert.match(notIPv4('master1.example.com').hint, /never resolves names/);
    assert.match(notIPv4('10.0.0.1/24').hint, /without the prefix length: 10\.0\.0\.1/);
    assert.match(notIPv4('10.0.0.1:6443').hint, /without the port: 10\.0\.0\.1/);
    assert.match(notIPv4('010.1.1.1').hint, /leading zeros/);
    assert.match(notIPv4('10.77.0.256').hint, /0-255/);
    assert.equal(notIPv4('1.2.3').what, 'is not an IPv4 address');
  });

  it('parseCidr', () => {
    assert.deepEqual(parseCidr('10.244.0.0/16'), { network: '10.244.0.0', prefix: 16, hostBitsSet: false });
    assert.deepEqual(parseCidr('10.96.1.0/12'), { network: '10.96.0.0', prefix: 12, hostBitsSet: true });
    for (const bad of ['10.0.0.0/33', '10.0.0.0', '10.0.0/8', '10.0.0.0/', 'x/8']) assert.equal(parseCidr(bad), undefined, bad);
  });

  it('inCidr, slash24, overlap, network/broadcast', () => {
    assert.ok(inCidr('10.77.0.10', slash24('10.77.0.11')));
    assert.ok(!inCidr('10.77.1.10', slash24('10.77.0.11')));
    assert.ok(cidrsOverlap({ network: '10.0.0.0', prefix: 8 }, { network: '10.96.0.0', prefix: 12 }));
    assert.ok(!cidrsOverlap({ network: '10.244.0.0', prefix: 16 }, { network: '10.96.0.0', prefix: 12 }));
    assert.ok(isNetworkOrBroadcast('10.77.0.255', slash24('10.77.0.1')));
    assert.ok(isNetworkOrBroadcast('10.77.0.0', slash24('10.77.0.1')));
    assert.ok(!isNetworkOrBroadcast('10.77.0.10', slash24('10.77.0.1')));
  });

  it('parseIPv4 accepts dotted quads and rejects the rest', () => {
    assert.equal(parseIPv4('10.77.0.11'), (10 << 24) + (77 << 16) + 11);
    assert.equal(formatIPv4(parseIPv4('255.255.255.255') ?? 0), '255.255.255.255');
    for (const bad of ['10.77.0', '10.77.0.256', '010.1.1.1', 'a.b.c.d', '10.77.0.1/24', '']) assert.equal(parseIPv4(bad), undefined, bad);
  });

  it('parseCidr clears host bits; inCidr, broadcast and overlaps', () => {
    const c = parseCidr('10.77.0.5/24');
    assert.ok(c);
    assert.equal(formatCidr(c), '10.77.0.0/24');
    assert.equal(formatIPv4(cidrBounds(c).broadcast), '10.77.0.255');
    assert.equal(formatIPv4(cidrBounds(c).network), '10.77.0.0');
    assert.ok(inCidr('10.77.0.200', c));
    assert.ok(!inCidr('10.77.1.1', c));
    assert.ok(cidrsOverlap(c, parseCidr('10.0.0.0/8') ?? c));
    assert.ok(!cidrsOverlap(c, parseCidr('192.0.2.0/24') ?? c));
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.deepEqual(cidrOf('10.77.3.9', 16), { network: '10.77.0.0', prefix: 16 });
  });

  it('isIPv6 and isIPAddress: what the parsers take where either family may stand', () => {
    for (const ok of ['::1', 'fd00::21', '2001:db8:0:0:0:0:0:1', '::ffff:10.0.0.1']) assert.ok(isIPv6(ok) && isIPAddress(ok), ok);
    for (const bad of ['10.0.0.1', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fd00::1/64', '::ffff:10.0.0.256', 'g::1']) assert.ok(!isIPv6(bad), bad);
    assert.ok(isIPAddress('10.0.0.10'));
    // keepalived reads addresses with inet_pton, which refuses leading zeros.
    assert.ok(!isIPAddress('010.0.0.10'));
  });

  it('agrees with ip-address on validity and subnet membership (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }), (octets, prefix) => {
        const addr = octets.join('.');
        assert.equal(isIPv4(addr), octets.every((o) => o <= 255));
        if (!isIPv4(addr)) return;
        assert.equal(isIPv4(addr), Address4.isValid(addr));
        const cidr = parseCidr(`10.77.0.0/${prefix}`);
        if (cidr) assert.equal(inCidr(addr, cidr), new Address4(addr).isInSubnet(new Address4(`${cidr.network}/${cidr.prefix}`)));
      }),
    );
  });
});
