import { test } from "../../tests/harness/test.ts";
import { assert, assertEquals, assertThrows } from "./testdata/assert.ts";
import { AUTH_METHODS, parseRequireAuth } from "./require_auth.ts";

test("require_auth: empty means no restriction", () => {
  assertEquals(parseRequireAuth(""), undefined);
});

test("require_auth: allow list", () => {
  const ra = parseRequireAuth("scram-sha-256,none");
  assertEquals(ra?.methods, ["scram-sha-256", "none"]);
  assertEquals(ra?.negated, false);
  assertEquals([...ra!.allowed], ["scram-sha-256", "none"]);
});

test("require_auth: deny list allows every other method", () => {
  const ra = parseRequireAuth("!password,!md5");
  assertEquals(ra?.negated, true);
  assertEquals([...ra!.allowed], AUTH_METHODS.filter((m) => m !== "password" && m !== "md5"));
});

test("require_auth: !none requires some authentication", () => {
  const ra = parseRequireAuth("!none");
  assert(!ra!.allowed.has("none"));
  assert(ra!.allowed.has("scram-sha-256"));
});

test("require_auth: every documented method is accepted, including oauth", () => {
  const ra = parseRequireAuth("password,md5,gss,sspi,scram-sha-256,oauth,none");
  assertEquals(ra?.allowed.size, 7);
});

test("require_auth: mixing plain and negated methods is an error either way", () => {
  assertThrows(() => parseRequireAuth("md5,!password"), RangeError, "cannot be mixed");
  assertThrows(() => parseRequireAuth("!md5,password"), RangeError, "cannot be mixed");
});

test("require_auth: unknown, empty and repeated methods are errors", () => {
  assertThrows(() => parseRequireAuth("kerberos"), RangeError, '"kerberos"');
  assertThrows(() => parseRequireAuth("md5,"), RangeError, "require_auth");
  assertThrows(() => parseRequireAuth("SCRAM-SHA-256"), RangeError, "SCRAM");
  assertThrows(() => parseRequireAuth("md5,md5"), RangeError, "more than once");
  assertThrows(() => parseRequireAuth("!md5,!md5"), RangeError, "more than once");
});
