import { test } from "../../tests/harness/test.ts";
import assert from "node:assert/strict";
import {
  formatOffset,
  serializeTime,
  timeFromBinary,
  timeFromText,
  timetzFromBinary,
} from "./date_time_of_day.ts";

function hex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
}

test("time text is checked and returned as it is", () => {
  for (const s of ["00:00:00", "04:05:06.789", "23:59:59.999999", "24:00:00", "12:00:00.1"]) {
    assert.equal(timeFromText(s, false), s);
  }
  for (const s of ["04:05:06+05:30", "00:00:00+00", "24:00:00-15:59", "00:00:00+00:09:21"]) {
    assert.equal(timeFromText(s, true), s);
  }
  assert.equal(timeFromText("04:05:06.5-00:44:30", true), "04:05:06.5-00:44:30");
});

test("time text: malformed input throws TypeError", () => {
  const bad = [
    "",
    "4:05:06",
    "04:05",
    "04:05:6",
    "25:00:00",
    "24:00:01",
    "24:00:00.5",
    "04:60:00",
    "04:05:60",
    "04:05:06.",
    "04:05:06.1234567",
    "04-05-06",
    "04:05:06 ",
    " 04:05:06",
    "allballs",
  ];
  for (const s of [...bad, "04:05:06+00"]) {
    assert.throws(() => timeFromText(s, false), TypeError, s);
  }
  for (
    const s of [
      ...bad.map((b) => b + "+00"),
      "04:05:06",
      "04:05:06+16",
      "04:05:06+5",
      "04:05:06+05:3",
      "04:05:06+05:30:1",
      "04:05:06 +05",
      "04:05:06 America/New_York",
    ]
  ) {
    assert.throws(() => timeFromText(s, true), TypeError, s);
  }
  assert.throws(() => timeFromText("25:00:00", false), {
    message: 'Cannot decode time: invalid text "25:00:00"',
  });
});

test("time binary: int64 microseconds since midnight, printed as the server prints", () => {
  assert.equal(timeFromBinary(hex("0000000000000000")), "00:00:00");
  assert.equal(timeFromBinary(hex("000000141dd76000")), "24:00:00");
  assert.equal(timeFromBinary(hex("000000141dd75fff")), "23:59:59.999999");
  assert.equal(timeFromBinary(hex("000000036c97ca88")), "04:05:06.789");
  assert.equal(timeFromBinary(hex("0000000000000001")), "00:00:00.000001");
  assert.equal(timeFromBinary(hex("0000000a0eed36a0")), "12:00:00.1");
  assert.throws(() => timeFromBinary(hex("000000141dd76001")), RangeError);
  assert.throws(() => timeFromBinary(hex("ffffffffffffffff")), RangeError);
  assert.throws(() => timeFromBinary(hex("0100000000000000")), RangeError);
  assert.throws(() => timeFromBinary(hex("00000000000000")), {
    name: "TypeError",
    message: "Cannot decode time: expected 8 bytes, got 7",
  });
});

test("timetz binary: the zone is seconds west, printed as an offset east", () => {
  // 04:05:06+05:30, from timetz_send: zone -19800.
  assert.equal(timetzFromBinary(hex("000000036c8bc080ffffb2a8")), "04:05:06+05:30");
  assert.equal(timetzFromBinary(hex("0000000000000000fffffdcf")), "00:00:00+00:09:21");
  assert.equal(timetzFromBinary(hex("000000000000000000000000")), "00:00:00+00");
  assert.equal(timetzFromBinary(hex("00000000000000000000a8c0")), "00:00:00-12");
  assert.equal(timetzFromBinary(hex("000000000000000000003138")), "00:00:00-03:30");
  assert.equal(timetzFromBinary(hex("0000000000000000ffff1f01")), "00:00:00+15:59:59");
  assert.equal(timetzFromBinary(hex("000000141dd760000000e0ff")), "24:00:00-15:59:59");
  assert.throws(() => timetzFromBinary(hex("00000000000000000000e100")), RangeError);
  assert.throws(() => timetzFromBinary(hex("0000000000000000")), {
    name: "TypeError",
    message: "Cannot decode timetz: expected 12 bytes, got 8",
  });
});

test("formatOffset: minutes and seconds only when not zero", () => {
  assert.equal(formatOffset(0), "+00");
  assert.equal(formatOffset(3600), "+01");
  assert.equal(formatOffset(-1800), "-00:30");
  assert.equal(formatOffset(30), "+00:00:30");
  assert.equal(formatOffset(-2670), "-00:44:30");
});

test("time parameters: strings pass, a Date writes its UTC time of day", () => {
  assert.equal(serializeTime("allballs", false), "allballs");
  const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 60));
  assert.equal(serializeTime(d, false), "03:04:05.06");
  assert.equal(serializeTime(d, true), "03:04:05.06+00");
  assert.equal(serializeTime(new Date(-1), false), "23:59:59.999");
  assert.throws(() => serializeTime(new Date(NaN), true), {
    name: "TypeError",
    message: "Cannot encode timetz: invalid Date",
  });
  assert.throws(() => serializeTime(5, false), TypeError);
  assert.throws(() => serializeTime(null, false), TypeError);
});
