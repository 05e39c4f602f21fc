/**
 * Mutations as fast-check arbitraries: a corpus sample, then a few edits —
 * truncation, bit flips, byte and chunk insertion, huge fields, deep
 * nesting, DTD/entity tricks, invalid encodings, splices of another sample.
 * Pure and deterministic from the case's seed, so a reproducer can be
 * regenerated.
 */
import fc from 'fast-check';

export type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; times: number }
  | { op: 'huge'; at: number; byte: number; length: number }
  | { op: 'token'; at: number; token: string }
  | { op: 'nest'; at: number; depth: number; open: string; close: string }
  | { op: 'splice'; at: number; other: number; from: number; length: number };

/** Markup and encodings that have broken parsers before. */
export const TOKENS = [
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd">',
  '&xxe;',
  '&d;',
  '&#0;',
  '&#x110000;',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0" encoding="UTF-16"?>',
  '<?xml version="1.1"?>',
  '<!--',
  '-->',
  'xmlns:xop="http://www.w3.org/2004/08/xop/include"',
  '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:x"/>',
  '\r\n--',
  '\r\n\r\n',
  'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n',
  'Content-Transfer-Encoding: base64\r\n',
  '=?UTF-8?B?w6k=?=',
  '=?ISO-8859-1?Q?=E9?=',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '../../../../etc/passwd',
  '..\\..\\x',
  '/absolute',
  'C:\\x',
  '"',
  '{"a":',
  '[[[[[[[[[[',
  '"__proto__":{"polluted":true},',
  '"constructor":{"prototype":{"x":1}},',
  '1e309',
  '-0',
  '99999999999999999999999',
  'eyJhbGciOiJub25lIn0.',
];
const INVALID_UTF8 = [[0xc3], [0xff, 0xfe], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82]];

const at = fc.nat({ max: 0x7fffffff });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at }),
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at,
    bytes: fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }), fc.constantFrom(...INVALID_UTF8)),
  }),
  fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at,
    length: fc.integer({ min: 1, max: 512 }),
    times: fc.integer({ min: 2, max: 64 }),
  }),
  fc.record({
    op: fc.constant('huge' as const),
    at,
    byte: fc.constantFrom(0x41, 0x20, 0x3c, 0x26, 0x00, 0xe9),
    length: fc.constantFrom(1024, 64 * 1024, 1024 * 1024, 8 * 1024 * 1024),
  }),
  fc.record({ op: fc.constant('token' as const), at, token: fc.constantFrom(...TOKENS) }),
  fc.record({
    op: fc.constant('nest' as const),
    at,
    depth: fc.constantFrom(64, 1000, 10_000, 100_000),
    open: fc.constantFrom('<a>', '<x:a xmlns:x="urn:x">', '[', '{"a":', '--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n'),
    close: fc.constantFrom('</a>', '</x:a>', ']', '}', ''),
  }),
  fc.record({ op: fc.constant('splice' as const), at, other: fc.nat(), from: at, length: fc.integer({ min: 1, max: 4096 }) }),
);

/** Applies the mutations in order; offsets are taken modulo the current length. */
export function applyMutations(sample: Buffer, mutations: readonly Mutation[], corpus: readonly Buffer[]): Buffer {
  let b = sample;
  for (const m of mutations) {
    const pos = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.op) {
      case 'truncate':
        b = b.subarray(0, pos);
        break;
      case 'flip': {
        if (b.length === 0) break;
        const i = pos % b.length;
        b = Buffer.from(b);
        b[i] = b[i]! ^ (1 << m.bit);
        break;
      }
      case 'insert':
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(m.bytes), b.subarray(pos)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + m.length)]);
        break;
      case 'duplicate': {
        const chunk = b.subarray(pos, pos + m.length);
        b = Buffer.concat([b.subarray(0, pos), ...Array<Buffer>(m.times).fill(chunk), b.subarray(pos)]);
        break;
      }
      case 'huge':
        b = Buffer.concat([b.subarray(0, pos), Buffer.alloc(m.length, m.byte), b.subarray(pos)]);
        break;
      case 'token':
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(m.token, 'utf8'), b.subarray(pos)]);
        break;
      case 'nest':
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(m.open.repeat(m.depth)), Buffer.from(m.close.repeat(m.depth)), b.subarray(pos)]);
        break;
      case 'splice': {
        const other = corpus.length ? corpus[m.other % corpus.length]! : b;
        const from = other.length === 0 ? 0 : m.from % other.length;
        b = Buffer.concat([b.subarray(0, pos), other.subarray(from, from + m.length), b.subarray(pos)]);
        break;
      }
    }
  }
  return b;
}

/**
 * Bytes for a parser: mostly corpus samples with 1–4 mutations, some
 * untouched samples, some generated from nothing (random bytes, random text).
 */
export function mutatedBytes(corpus: readonly Buffer[], extra: fc.Arbitrary<Buffer>[] = []): fc.Arbitrary<Buffer> {
  const mutated = fc
    .record({ sample: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) })
    .map(({ sample, mutations }) => applyMutations(corpus[sample % corpus.length]!, mutations, corpus));
  const generated = fc.oneof(
    fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'binary', maxLength: 2048 }).map((s) => Buffer.from(s, 'utf8')),
  );
  return fc.oneof(
    { arbitrary: mutated, weight: 14 },
    { arbitrary: fc.nat().map((i) => corpus[i % corpus.length]!), weight: 1 },
    { arbitrary: generated, weight: 3 },
    ...extra.map((arbitrary) => ({ arbitrary, weight: 2 })),
  );
}

/** Text variant of {@link mutatedBytes} (lossy UTF-8 decoding: invalid sequences become U+FFFD). */
export function mutatedText(corpus: readonly string[]): fc.Arbitrary<string> {
  const bytes = corpus.map((s) => Buffer.from(s, 'utf8'));
  return mutatedBytes(bytes).map((b) => b.toString('utf8'));
}

/** A deeply nested JSON value (arrays or objects), built without recursion. */
export function deepJson(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

const jsonReplacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    '',
    0,
    -1,
    1.5,
    true,
    [],
    {},
    'x'.repeat(100_000),
    'é'.repeat(5000),
    '\u0000',
    '../../x',
    '__proto__',
    2 ** 53 + 1,
    -1e308,
  ),
  fc.constantFrom(100, 1000).chain((d) => fc.constantFrom('array' as const, 'object' as const).map((k) => deepJson(d, k))),
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
);

type JsonEdit = { node: number; action: 'replace' | 'delete' | 'duplicate'; value: unknown };
const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  node: fc.nat(),
  action: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'duplicate' as const),
  value: jsonReplacement,
});

/** Replaces, deletes or duplicates the n-th node (depth-first) of a JSON value; returns a new value. */
export function editJson(root: unknown, edit: JsonEdit): unknown {
  const copy = structuredClone(root) as unknown;
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const stack: unknown[] = [copy];
  while (stack.length && nodes.length < 10_000) {
    const v = stack.pop();
    const children: [string | number, unknown][] = Array.isArray(v)
      ? v.map((c, i) => [i, c])
      : v && typeof v === 'object'
        ? Object.entries(v)
        : [];
    for (const [key, child] of children) {
      nodes.push({ parent: v as Record<string, unknown> | unknown[], key });
      stack.push(child);
    }
  }
  if (nodes.length === 0) return edit.value;
  const { parent, key } = nodes[edit.node % nodes.length]!;
  if (Array.isArray(parent)) {
    const i = key as number;
    if (edit.action === 'delete') parent.splice(i, 1);
    else if (edit.action === 'duplicate') parent.splice(i, 0, ...Array<unknown>(200).fill(parent[i]));
    else parent[i] = edit.value;
  } else {
    const k = key as string;
    if (edit.action === 'delete') delete parent[k];
    else if (edit.action === 'duplicate') parent[k] = Array<unknown>(50).fill(parent[k]);
    else parent[k] = edit.value;
  }
  return copy;
}

/** JSON text for a parser: structural edits of a sample, then (sometimes) byte mutations of its text. */
export function mutatedJsonText(corpus: readonly unknown[]): fc.Arbitrary<string> {
  const texts = corpus.map((v) => Buffer.from(JSON.stringify(v)));
  const structural = fc
    .record({ sample: fc.nat(), edits: fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), bytes: fc.array(mutation, { maxLength: 2 }) })
    .map(({ sample, edits, bytes }) => {
      let v = corpus[sample % corpus.length];
      for (const e of edits) v = editJson(v, e);
      const text = Buffer.from(JSON.stringify(v) ?? 'null');
      return bytes.length ? applyMutations(text, bytes, texts).toString('utf8') : text.toString('utf8');
    });
  return fc.oneof({ arbitrary: structural, weight: 3 }, { arbitrary: mutatedBytes(texts).map((b) => b.toString('utf8')), weight: 1 });
}
