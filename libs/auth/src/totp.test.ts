import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { base32Decode, base32Encode, hotp, matchTotp, timeStep, totpAt, type TotpAlgorithm } from './totp';

// RFC 6238 appendix B: the seeds are ASCII digits repeated to the hash's block size.
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: [number, string, TotpAlgorithm][] = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

test('produces the RFC 6238 appendix B test vectors for SHA-1, SHA-256 and SHA-512', () => {
  for (const [time, code, algorithm] of VECTORS) {
    assert.equal(
      totpAt(SEEDS[algorithm], time, { stepSeconds: 30, digits: 8, algorithm }),
      code,
      `${algorithm} @ ${time}`,
    );
  }
});

test('produces the RFC 4226 appendix D HOTP values', () => {
  const expected = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];
  expected.forEach((code, counter) => assert.equal(hotp(SEEDS.sha1, counter, 6, 'sha1'), code));
});

test('agrees with the otpauth package on 6-digit codes at arbitrary times', () => {
  const secret = new Secret({ size: 20 });
  const reference = new TOTP({ secret, algorithm: 'SHA1', digits: 6, period: 30 });
  const key = base32Decode(secret.base32);
  for (const time of [0, 29, 30, 1_700_000_000, 1_778_491_800, 4_102_444_799]) {
    assert.equal(totpAt(key, time), reference.generate({ timestamp: time * 1000 }), `t=${time}`);
  }
});

test('base32 round-trips and reads secrets as authenticator apps show them', () => {
  const bytes = Buffer.from('12345678901234567890');
  assert.equal(base32Encode(bytes), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.deepEqual(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), bytes);
  assert.deepEqual(
    base32Decode(base32Encode(Buffer.from([1, 2, 3, 4, 5, 6, 7]))),
    Buffer.from([1, 2, 3, 4, 5, 6, 7]),
  );
  assert.throws(() => base32Decode('ABC1'), { code: 'TOTP_SECRET_INVALID' });
});

test('accepts the code of the previous, current and next step and nothing further', () => {
  const key = SEEDS.sha1;
  const now = 1_778_491_815; // 15 s into its 30 s step
  const step = timeStep(now, 30);
  assert.equal(matchTotp(key, totpAt(key, now), now), step);
  assert.equal(matchTotp(key, totpAt(key, now - 30), now), step - 1);
  assert.equal(matchTotp(key, totpAt(key, now + 30), now), step + 1);
  assert.equal(matchTotp(key, totpAt(key, now - 60), now), null);
  assert.equal(matchTotp(key, totpAt(key, now + 60), now), null);
});

test('refuses codes of the wrong length or with non-digits', () => {
  const key = SEEDS.sha1;
  const code = totpAt(key, 1_000_000);
  assert.equal(matchTotp(key, code.slice(1), 1_000_000), null);
  assert.equal(matchTotp(key, `${code}0`, 1_000_000), null);
  assert.equal(matchTotp(key, 'abcdef', 1_000_000), null);
});
