import { formatIp, inRange, parseIp, parseRange, type IpAddress } from '../../../lib/auth/ip-address.js';
import { InvalidRateLimitConfigError } from '../../../lib/errors/invalid-rate-limit-config.error.js';

const ip = (text: string): IpAddress => {
  const parsed = parseIp(text);
  if (parsed === undefined) throw new Error(`test address ${text} did not parse`);
  return parsed;
};
const v4 = (text: string) => formatIp(ip(text), 64);
const v6 = (text: string, prefix = 128) => formatIp(ip(text), prefix);

describe('parseIp', () => {
  it('parses IPv4, trimming spaces and a port', () => {
    expect(v4('203.0.113.7')).toBe('203.0.113.7');
    expect(v4('  203.0.113.7 ')).toBe('203.0.113.7');
    expect(v4('203.0.113.7:8080')).toBe('203.0.113.7');
    expect(v4('0.0.0.0')).toBe('0.0.0.0');
    expect(v4('255.255.255.255')).toBe('255.255.255.255');
  });

  it('treats IPv4-mapped IPv6 as IPv4, in dotted and hex spelling', () => {
    expect(ip('::ffff:1.2.3.4')).toEqual({ version: 4, v4: 0x01020304 });
    expect(v4('::FFFF:1.2.3.4')).toBe('1.2.3.4');
    expect(v4('::ffff:0102:0304')).toBe('1.2.3.4');
    expect(v4('[::ffff:1.2.3.4]:443')).toBe('1.2.3.4');
  });

  it('parses IPv6 in every spelling, with brackets, ports and zones', () => {
    expect(v6('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(v6('[2001:db8::1]')).toBe('2001:db8::1');
    expect(v6('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(v6('fe80::1%eth0')).toBe('fe80::1');
    expect(v6('::')).toBe('::');
    expect(v6('::1')).toBe('::1');
    expect(v6('1::')).toBe('1::');
    expect(v6('64:ff9b::1.2.3.4')).toBe('64:ff9b::102:304');
  });

  it.each([
    '',
    ' ',
    'unknown',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4:port',
    '1.2.3.4:123456',
    '1.2.3.4:65536',
    '[::1]:65536',
    '[1.2.3.4',
    '[::1]x',
    '2001:db8:::1',
    '2001:db8::g',
    '1.2.3.4, 5.6.7.8',
    '<script>',
  ])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('rejects undefined and very long input', () => {
    expect(parseIp(undefined)).toBeUndefined();
    expect(parseIp('1'.repeat(10_000))).toBeUndefined();
  });
});

describe('formatIp', () => {
  it('keeps the /64 prefix of an IPv6 address in canonical (RFC 5952) form', () => {
    expect(v6('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64)).toBe('2001:db8:1:2::/64');
    expect(v6('2001:0db8:0001:0002:0:0:0:1', 64)).toBe('2001:db8:1:2::/64');
    expect(v6('2001:db8::1', 64)).toBe('2001:db8::/64');
    expect(v6('2001:db8:ffff:ffff:1::', 48)).toBe('2001:db8:ffff::/48');
    expect(v6('2001:db8:abcd:ef12::', 52)).toBe('2001:db8:abcd:e000::/52');
    expect(v6('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1)).toBe('8000::/1');
  });

  it('compresses the longest run of zero groups, the first on a tie, never a single group', () => {
    expect(v6('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(v6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(v6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(v6('0:0:0:0:0:0:0:0')).toBe('::');
  });

  it('gives the same text for every address of one /64 and different texts across /64s', () => {
    const same = ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:9'];
    expect(new Set(same.map((text) => v6(text, 64)))).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(v6('2001:db8:1:3::1', 64)).not.toBe(v6('2001:db8:1:2::1', 64));
  });
});

describe('parseRange and inRange', () => {
  const within = (address: string, cidr: string) => inRange(ip(address), parseRange(cidr, 'test'));

  it('matches IPv4 ranges', () => {
    expect(within('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(within('11.0.0.0', '10.0.0.0/8')).toBe(false);
    expect(within('172.31.255.255', '172.16.0.0/12')).toBe(true);
    expect(within('172.32.0.0', '172.16.0.0/12')).toBe(false);
    expect(within('203.0.113.7', '203.0.113.7')).toBe(true);
    expect(within('203.0.113.8', '203.0.113.7/32')).toBe(false);
    expect(within('1.2.3.4', '0.0.0.0/0')).toBe(true);
  });

  it('matches IPv6 ranges, including prefixes that split a group', () => {
    expect(within('fd12:3456::1', 'fc00::/7')).toBe(true);
    expect(within('fe00::1', 'fc00::/7')).toBe(false);
    expect(within('fe80::abcd', 'fe80::/10')).toBe(true);
    expect(within('fec0::1', 'fe80::/10')).toBe(false);
    expect(within('::1', '::1/128')).toBe(true);
    expect(within('::2', '::1')).toBe(false);
    expect(within('2001:db8::1', '::/0')).toBe(true);
  });

  it('never matches across IP versions, but an IPv4-mapped range is IPv4', () => {
    expect(within('::ffff:10.0.0.1', '10.0.0.0/8')).toBe(true);
    expect(within('10.0.0.1', '::/0')).toBe(false);
    expect(within('::1', '0.0.0.0/0')).toBe(false);
    expect(within('10.9.9.9', '::ffff:10.0.0.0/104')).toBe(true);
    expect(within('11.0.0.0', '::ffff:10.0.0.0/104')).toBe(false);
  });

  it.each(['', 'localhost', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/abc'])(
    'rejects the CIDR %j with an error naming it',
    (cidr) => {
      expect(() => parseRange(cidr, 'option "x"')).toThrow(InvalidRateLimitConfigError);
      expect(() => parseRange(cidr, 'option "x"')).toThrow(`Invalid option "x": ${JSON.stringify(cidr)}`);
    },
  );
});
