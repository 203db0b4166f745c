import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMailDate } from '../../../server/mail/headers/index.ts';

describe('parseMailDate', () => {
  it('reads RFC 5322 dates into ISO 8601 UTC', () => {
    assert.equal(parseMailDate('Thu, 22 Aug 2002 08:17:21 -0400'), '2002-08-22T12:17:21.000Z');
    assert.equal(parseMailDate('22 Aug 2002 14:17:21 +0200'), '2002-08-22T12:17:21.000Z');
  });
  it('accepts an out-of-range but well-formed zone (spam-1/00001: -1600)', () => {
    assert.equal(parseMailDate('Wed, 21 Aug 2002 20:31:57 -1600'), '2002-08-22T12:31:57.000Z');
  });
  it('reads named and obsolete zones; unknown ones and none mean UTC', () => {
    assert.equal(parseMailDate('Thu, 22 Aug 2002 08:17:21 EDT'), '2002-08-22T12:17:21.000Z');
    assert.equal(parseMailDate('Thu, 22 Aug 2002 12:17:21 GMT'), '2002-08-22T12:17:21.000Z');
    assert.equal(parseMailDate('Thu, 22 Aug 2002 12:17:21 XYZT'), '2002-08-22T12:17:21.000Z');
    assert.equal(parseMailDate('Thu, 22 Aug 2002 12:17:21'), '2002-08-22T12:17:21.000Z');
    assert.equal(parseMailDate('Thu, 22 Aug 2002 08:17:21 -0400 (EDT)'), '2002-08-22T12:17:21.000Z');
  });
  it('reads two-digit years and the Y2K "0102" year', () => {
    assert.equal(parseMailDate('22 Aug 02 12:17 +0000'), '2002-08-22T12:17:00.000Z');
    assert.equal(parseMailDate('22 Aug 99 12:17:00 +0000'), '1999-08-22T12:17:00.000Z');
    assert.equal(parseMailDate('Thu, 22 Aug 0102 12:07:35 +0800'), '2002-08-22T04:07:35.000Z');
  });
  it('reads spamware zones: "+-0500", unsigned "0530", "GMT+1"', () => {
    assert.equal(parseMailDate('Thu, 29 Aug 2002 15:36:58 +-0500'), '2002-08-29T20:36:58.000Z');
    assert.equal(parseMailDate('Fri, 02 Aug 2002 23:37:59 0530'), '2002-08-02T18:07:59.000Z');
    assert.equal(parseMailDate('Fri, 23 Aug 2002 22:46:34 GMT+1'), '2002-08-23T21:46:34.000Z');
  });
  it('reads asctime order, single-digit fields, slashed and ISO dates', () => {
    assert.equal(parseMailDate('Thu Aug 22 13:17:22 2002'), '2002-08-22T13:17:22.000Z');
    assert.equal(parseMailDate('Sat, 8 Jun 2002 1:5:13 +0000'), '2002-06-08T01:05:13.000Z');
    assert.equal(parseMailDate('2002/09/14 Sat 02:29:32 CDT'), '2002-09-14T07:29:32.000Z');
    assert.equal(parseMailDate('2002-08-22T12:17:21Z'), '2002-08-22T12:17:21.000Z');
  });
  it('gives null for what is not a date', () => {
    assert.equal(parseMailDate(''), null);
    assert.equal(parseMailDate('yesterday'), null);
    assert.equal(parseMailDate('Sun, 25 Aug 2002 19:21:44 01800'), null);
    assert.equal(parseMailDate('Fri, 30 Feb 2002 10:00:00 +0000'), null);
    assert.equal(parseMailDate('Fri, 1 Feb 2002 25:00:00 +0000'), null);
    assert.equal(parseMailDate('Fri, 1 Foo 2002 10:00:00 +0000'), null);
  });

  it('knows leap years and keeps the UTC instant within 1900-9999', () => {
    assert.equal(parseMailDate('Sun, 29 Feb 2004 10:00:00 +0000'), '2004-02-29T10:00:00.000Z');
    assert.equal(parseMailDate('Tue, 29 Feb 2000 10:00:00 +0000'), '2000-02-29T10:00:00.000Z');
    assert.equal(parseMailDate('Thu, 29 Feb 1900 10:00:00 +0000'), null);
    assert.equal(parseMailDate('Sat, 29 Feb 2003 10:00:00 +0000'), null);
    assert.equal(parseMailDate('Thu, 31 Apr 2003 10:00:00 +0000'), null);
    assert.equal(parseMailDate('Mon, 1 Jan 1900 00:30:00 +0100'), null);
    assert.equal(parseMailDate('Mon, 1 Jan 1900 00:30:00 -0100'), '1900-01-01T01:30:00.000Z');
    assert.equal(parseMailDate('Fri, 31 Dec 9999 23:00:00 -0200'), null);
  });
});
