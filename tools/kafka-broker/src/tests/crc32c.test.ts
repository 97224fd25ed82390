import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../protocol/crc32c';

test(
  'crc32c matches the Castagnoli check value and handles odd lengths and offsets',
  { timeout: 30000 },
  () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    const padded = Buffer.from('xx123456789yy');
    assert.equal(crc32c(padded, 2, 11), 0xe3069283);
    // Slicing-by-8 and the byte loop agree for every tail length.
    const data = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff));
    for (let len = 0; len <= 64; len++) {
      let crc = 0xffffffff;
      for (let i = 0; i < len; i++) {
        crc ^= data[i]!;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      assert.equal(crc32c(data, 0, len), (crc ^ 0xffffffff) >>> 0, `length ${len}`);
    }
  },
);
