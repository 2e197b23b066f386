/**
 * OIDs of the built-in types pgline has codecs for, as fixed in PostgreSQL's catalog
 * (`pg_type.dat`; stable across versions). Read from a PostgreSQL 18 server's `pg_type`.
 *
 * @module
 */

/** A built-in type: its OID, its array type's OID, and for ranges and multiranges their parts. */
export interface BuiltinType {
  /** `pg_type.typname`. */
  readonly name: string;
  /** `pg_type.oid`. */
  readonly oid: number;
  /** `pg_type.typarray` (0 when none). */
  readonly arrayOid: number;
  /** `b` base, `r` range, `m` multirange, `p` pseudo-type. */
  readonly kind: "b" | "r" | "m" | "p";
  /** For a range: the subtype's OID; for a multirange: the range's OID; else 0. */
  readonly partOid: number;
}

/** OIDs by type name. */
export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  point: 600,
  lseg: 601,
  path: 602,
  box: 603,
  polygon: 604,
  line: 628,
  cidr: 650,
  float4: 700,
  float8: 701,
  circle: 718,
  macaddr8: 774,
  money: 790,
  macaddr: 829,
  inet: 869,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  bit: 1560,
  varbit: 1562,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  int4range: 3904,
  numrange: 3906,
  tsrange: 3908,
  tstzrange: 3910,
  daterange: 3912,
  int8range: 3926,
  int4multirange: 4451,
  nummultirange: 4532,
  tsmultirange: 4533,
  tstzmultirange: 4534,
  datemultirange: 4535,
  int8multirange: 4536,
  record: 2249,
} as const;

/** Every built-in type with a codec, in OID order. */
export const BUILTIN_TYPES: readonly BuiltinType[] = [
  { name: "bool", oid: 16, arrayOid: 1000, kind: "b", partOid: 0 },
  { name: "bytea", oid: 17, arrayOid: 1001, kind: "b", partOid: 0 },
  { name: "char", oid: 18, arrayOid: 1002, kind: "b", partOid: 0 },
  { name: "name", oid: 19, arrayOid: 1003, kind: "b", partOid: 0 },
  { name: "int8", oid: 20, arrayOid: 1016, kind: "b", partOid: 0 },
  { name: "int2", oid: 21, arrayOid: 1005, kind: "b", partOid: 0 },
  { name: "int4", oid: 23, arrayOid: 1007, kind: "b", partOid: 0 },
  { name: "text", oid: 25, arrayOid: 1009, kind: "b", partOid: 0 },
  { name: "oid", oid: 26, arrayOid: 1028, kind: "b", partOid: 0 },
  { name: "json", oid: 114, arrayOid: 199, kind: "b", partOid: 0 },
  { name: "point", oid: 600, arrayOid: 1017, kind: "b", partOid: 0 },
  { name: "lseg", oid: 601, arrayOid: 1018, kind: "b", partOid: 0 },
  { name: "path", oid: 602, arrayOid: 1019, kind: "b", partOid: 0 },
  { name: "box", oid: 603, arrayOid: 1020, kind: "b", partOid: 0 },
  { name: "polygon", oid: 604, arrayOid: 1027, kind: "b", partOid: 0 },
  { name: "line", oid: 628, arrayOid: 629, kind: "b", partOid: 0 },
  { name: "cidr", oid: 650, arrayOid: 651, kind: "b", partOid: 0 },
  { name: "float4", oid: 700, arrayOid: 1021, kind: "b", partOid: 0 },
  { name: "float8", oid: 701, arrayOid: 1022, kind: "b", partOid: 0 },
  { name: "circle", oid: 718, arrayOid: 719, kind: "b", partOid: 0 },
  { name: "macaddr8", oid: 774, arrayOid: 775, kind: "b", partOid: 0 },
  { name: "money", oid: 790, arrayOid: 791, kind: "b", partOid: 0 },
  { name: "macaddr", oid: 829, arrayOid: 1040, kind: "b", partOid: 0 },
  { name: "inet", oid: 869, arrayOid: 1041, kind: "b", partOid: 0 },
  { name: "bpchar", oid: 1042, arrayOid: 1014, kind: "b", partOid: 0 },
  { name: "varchar", oid: 1043, arrayOid: 1015, kind: "b", partOid: 0 },
  { name: "date", oid: 1082, arrayOid: 1182, kind: "b", partOid: 0 },
  { name: "time", oid: 1083, arrayOid: 1183, kind: "b", partOid: 0 },
  { name: "timestamp", oid: 1114, arrayOid: 1115, kind: "b", partOid: 0 },
  { name: "timestamptz", oid: 1184, arrayOid: 1185, kind: "b", partOid: 0 },
  { name: "interval", oid: 1186, arrayOid: 1187, kind: "b", partOid: 0 },
  { name: "timetz", oid: 1266, arrayOid: 1270, kind: "b", partOid: 0 },
  { name: "bit", oid: 1560, arrayOid: 1561, kind: "b", partOid: 0 },
  { name: "varbit", oid: 1562, arrayOid: 1563, kind: "b", partOid: 0 },
  { name: "numeric", oid: 1700, arrayOid: 1231, kind: "b", partOid: 0 },
  { name: "uuid", oid: 2950, arrayOid: 2951, kind: "b", partOid: 0 },
  { name: "jsonb", oid: 3802, arrayOid: 3807, kind: "b", partOid: 0 },
  { name: "int4range", oid: 3904, arrayOid: 3905, kind: "r", partOid: 23 },
  { name: "numrange", oid: 3906, arrayOid: 3907, kind: "r", partOid: 1700 },
  { name: "tsrange", oid: 3908, arrayOid: 3909, kind: "r", partOid: 1114 },
  { name: "tstzrange", oid: 3910, arrayOid: 3911, kind: "r", partOid: 1184 },
  { name: "daterange", oid: 3912, arrayOid: 3913, kind: "r", partOid: 1082 },
  { name: "int8range", oid: 3926, arrayOid: 3927, kind: "r", partOid: 20 },
  { name: "int4multirange", oid: 4451, arrayOid: 6150, kind: "m", partOid: 3904 },
  { name: "nummultirange", oid: 4532, arrayOid: 6151, kind: "m", partOid: 3906 },
  { name: "tsmultirange", oid: 4533, arrayOid: 6152, kind: "m", partOid: 3908 },
  { name: "tstzmultirange", oid: 4534, arrayOid: 6153, kind: "m", partOid: 3910 },
  { name: "datemultirange", oid: 4535, arrayOid: 6155, kind: "m", partOid: 3912 },
  { name: "int8multirange", oid: 4536, arrayOid: 6157, kind: "m", partOid: 3926 },
  { name: "record", oid: 2249, arrayOid: 2287, kind: "p", partOid: 0 },
];
