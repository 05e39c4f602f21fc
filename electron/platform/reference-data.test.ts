/**
 * Cabinet is self-contained: what it reads at run time ships in
 * `reference-data/` (a practitioner's computer has no `../shared`). This file
 * checks that the defaults point there, that the folder holds exactly what the
 * code reads, identical to the team's `../shared/reference` (an independent
 * copy, read here only), that PROVENANCE.md lists every file, that the
 * packaged app carries it, and that no source of the app refers to
 * `../shared` any more.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import packaging from '../../build/electron-builder.config.js';
import { buildCdaN1 } from '../dmp/cda/builder.js';
import { input } from '../dmp/cda/fixtures.test-support.js';
import { RULE_VALUE_SETS } from '../dmp/cda/rules.js';
import { CdaSelfCheck, DEFAULT_CDA_REFERENCE_DIR } from '../dmp/cda/self-check.js';
import { DEFAULT_XDS_REFERENCE_DIR, XdsSchemaValidator } from '../../sandboxes/dmp/schemas.js';
import { examples } from '../../sandboxes/dmp/seeds.js';
import { JDV_FILES, Vocabulary } from '../../sandboxes/dmp/vocabulary.js';
import { DEFAULT_REFERENCE_DIR as DEFAULT_INSI_REFERENCE_DIR, SCHEMA_FILES, SchemaValidator } from '../../sandboxes/insi/schemas.js';
import { appRoot } from './paths.js';
import { REFERENCE_DATA_FOLDER, referenceDataDir } from './reference-data.js';

const REPO = appRoot();
const DATA = path.join(REPO, REFERENCE_DATA_FOLDER);
/** The team's reference folder: an independent copy for the cross-check (tests only). */
const SHARED_REFERENCE = path.resolve(REPO, '..', 'shared', 'reference');
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** A schema and every local schema it includes, imports or redefines, relative to `DATA`. */
function schemaClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (relative: string) => {
    if (seen.has(relative)) return;
    seen.add(relative);
    const full = path.join(DATA, relative);
    expect(fs.existsSync(full), `${relative} (lu par un schéma) manque dans reference-data`).toBe(true);
    const doc = new DOMParser().parseFromString(fs.readFileSync(full, 'utf8'), 'text/xml');
    for (const name of ['include', 'import', 'redefine']) {
      const list = doc.getElementsByTagNameNS(XSD_NS, name);
      for (let i = 0; i < list.length; i += 1) {
        const location = list.item(i)!.getAttribute('schemaLocation');
        if (!location || /^[a-z]+:/i.test(location)) continue; // absent, or remote (never fetched: libxml2 runs with NONET)
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(relative), location));
        // A location the schema names but that does not exist in the official kit either is skipped by libxml2 too.
        if (!fs.existsSync(path.join(SHARED_REFERENCE, target)) && !fs.existsSync(path.join(DATA, target))) continue;
        visit(target);
      }
    }
  };
  visit(entry);
  return [...seen];
}

/** Every file the app and its sandboxes read from the reference folder. */
function filesTheCodeReads(): string[] {
  const insi = Object.values(SCHEMA_FILES).flatMap((file) => schemaClosure(`insi/${file}`));
  return [
    ...schemaClosure('cda/xsd/CDA_extended.xsd'),
    ...Object.values(RULE_VALUE_SETS).map((oid) => `cda/schematrons/profils/structurationMinimale/include/voc-${oid}-DYNAMIC.xml`),
    ...Object.values(JDV_FILES).map((file) => `cda/jeuxDeValeurs/${file}`),
    ...examples.map((e) => `cda/examples/${e.file}`),
    ...schemaClosure('xds/xsd/XDS.b_DocumentRepository.xsd'),
    ...insi,
  ];
}

describe('reference-data: what the app reads at run time ships with it', () => {
  it('the defaults of the CDA self-check and of the DMP and INSi sandboxes are inside the application', () => {
    expect(referenceDataDir()).toBe(DATA);
    expect(DEFAULT_CDA_REFERENCE_DIR).toBe(path.join(DATA, 'cda'));
    expect(DEFAULT_XDS_REFERENCE_DIR).toBe(path.join(DATA, 'xds'));
    expect(DEFAULT_INSI_REFERENCE_DIR).toBe(path.join(DATA, 'insi'));
    for (const dir of [DEFAULT_CDA_REFERENCE_DIR, DEFAULT_XDS_REFERENCE_DIR, DEFAULT_INSI_REFERENCE_DIR]) {
      expect(path.relative(REPO, dir).startsWith('..'), dir).toBe(false);
      expect(fs.statSync(dir).isDirectory()).toBe(true);
    }
  });

  it('holds exactly the files the code reads (schemas with their include/import closure, value sets, seeded examples) and PROVENANCE.md', () => {
    const expected = [...new Set([...filesTheCodeReads(), 'PROVENANCE.md'])].sort();
    expect(filesUnder(DATA)).toEqual(expected);
  });

  it('every file is identical to its counterpart in ../shared/reference (independent copy)', () => {
    const files = filesUnder(DATA).filter((f) => f !== 'PROVENANCE.md');
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) {
      const ours = fs.readFileSync(path.join(DATA, file));
      const theirs = fs.readFileSync(path.join(SHARED_REFERENCE, file));
      expect(ours.equals(theirs), `${file} diffère de ../shared/reference/${file}`).toBe(true);
    }
  });

  it('PROVENANCE.md lists every file, and gives origins and licences', () => {
    const provenance = fs.readFileSync(path.join(DATA, 'PROVENANCE.md'), 'utf8');
    for (const file of filesUnder(DATA).filter((f) => f !== 'PROVENANCE.md')) expect(provenance, file).toContain(`\`${file}\``);
    for (const origin of ['ansforge/TestContenuCDA-3-0', '7cd489b', 'padoa/tlsi-ins', '3e9cebc3082bd9113432a28b4e15c0b40efe4e68'])
      expect(provenance).toContain(origin);
    expect(provenance.match(/Licence as published/g)?.length).toBe(3);
  });

  it('the packaged app carries the folder, unpacked (libxml2 reads schema includes from the file system)', () => {
    expect(packaging.files).toContain('reference-data/**');
    expect(packaging.asarUnpack).toContain('reference-data/**');
  });
});

describe('reference-data: the app works from it with no option and no environment variable', () => {
  const saved = process.env.CABINET_CDA_REFERENCE_DIR;
  delete process.env.CABINET_CDA_REFERENCE_DIR;
  const cda = new CdaSelfCheck();
  const xds = new XdsSchemaValidator();
  const insi = new SchemaValidator({ concurrency: 1 });
  afterAll(() => {
    cda.close();
    xds.close();
    insi.close();
    if (saved !== undefined) process.env.CABINET_CDA_REFERENCE_DIR = saved;
  });

  it('the CDA self-check accepts a built CDA and refuses a broken one', async () => {
    expect(cda.referenceDir).toBe(path.join(DATA, 'cda'));
    const xml = buildCdaN1(input()).xml;
    expect(await cda.check(xml)).toEqual({ ok: true });
    const broken = await cda.check(xml.replace(/<confidentialityCode code="N"/, '<confidentialityCode code="ZZ"'));
    expect(broken.ok).toBe(false);
  });

  it('the DMP sandbox loads its value sets and ebRIM/XDS schemas; the INSi sandbox its XSDs', async () => {
    const vocabulary = new Vocabulary(path.join(DEFAULT_CDA_REFERENCE_DIR, 'jeuxDeValeurs'));
    expect(vocabulary.find('J07', '11488-4', '2.16.840.1.113883.6.1')).toBeTruthy();
    expect(vocabulary.find('J07', 'PAS-UN-CODE', '2.16.840.1.113883.6.1')).toBeFalsy();
    const errors = await xds.validate(
      '<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"><pas-ebrim/></lcm:SubmitObjectsRequest>',
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(insi.referenceDir).toBe(path.join(DATA, 'insi'));
    const insiErrors = await insi.validate({ ctxbam: '<ContexteBAM xmlns="urn:siram:bam:ctxbam"/>' });
    expect(insiErrors.map((e) => e.part)).toContain('ctxbam');
  });
});

/**
 * Run-time references to the team's folder outside the repository in a
 * source file: string literals only (comments may cite the notes). Flags a
 * literal naming `shared/reference` or `/work/shared`, a relative path that
 * leaves the repository from the file's folder, and `'..', 'shared'` built
 * from segments.
 */
function sharedReferences(file: string, text: string, repo = REPO): string[] {
  const found: string[] = [];
  const scanner = ts.createScanner(
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard,
    text,
  );
  const literals: string[] = [];
  const stack: ('brace' | 'template')[] = [];
  let previous: ts.SyntaxKind = ts.SyntaxKind.Unknown;
  const endsExpression = (kind: ts.SyntaxKind) =>
    kind === ts.SyntaxKind.Identifier ||
    kind === ts.SyntaxKind.CloseParenToken ||
    kind === ts.SyntaxKind.CloseBracketToken ||
    kind === ts.SyntaxKind.NumericLiteral ||
    kind === ts.SyntaxKind.StringLiteral;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if ((kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && !endsExpression(previous))
      kind = scanner.reScanSlashToken();
    if (kind === ts.SyntaxKind.OpenBraceToken) stack.push('brace');
    else if (kind === ts.SyntaxKind.TemplateHead) stack.push('template');
    else if (kind === ts.SyntaxKind.CloseBraceToken) {
      if (stack.at(-1) === 'template') {
        kind = scanner.reScanTemplateToken(false);
        if (kind === ts.SyntaxKind.TemplateTail) stack.pop();
      } else stack.pop();
    }
    previous = kind;
    if (
      kind !== ts.SyntaxKind.StringLiteral &&
      kind !== ts.SyntaxKind.NoSubstitutionTemplateLiteral &&
      kind !== ts.SyntaxKind.TemplateHead &&
      kind !== ts.SyntaxKind.TemplateMiddle &&
      kind !== ts.SyntaxKind.TemplateTail
    )
      continue;
    const value = scanner.getTokenValue();
    const recent = literals.slice(-3);
    literals.push(value);
    const escapes =
      value.startsWith('.') && value.includes('/') && path.relative(repo, path.resolve(path.dirname(file), value)).startsWith('..');
    if (/shared[\\/]reference|\/work\/shared/.test(value) || escapes || (value === 'shared' && recent.includes('..'))) found.push(value);
  }
  return found;
}

describe('no source of the app reads ../shared', () => {
  it('the detector finds the old forms, and not comments nor the repository’s own shared/ folder', () => {
    const file = path.join(REPO, 'electron/dmp/wire/access.ts');
    expect(sharedReferences(file, `const d = path.resolve(import.meta.dirname, '../../../../shared/reference/insi');`)).toHaveLength(1);
    expect(sharedReferences(file, `const d = path.resolve(appRoot(), '..', 'shared', 'reference', 'cda');`)).toEqual(['shared']);
    expect(sharedReferences(file, 'const d = `/work/shared/reference/${kind}`;')).toHaveLength(1);
    expect(sharedReferences(file, `const d = path.join(import.meta.dirname, '../../../../shared', 'x');`)).toHaveLength(1);
    expect(sharedReferences(file, `const r = /a"b/; const d = fn(\`\${r}\`, { a: '../../../../shared/notes' });`)).toHaveLength(1);
    const clean = [
      `// see ../shared/reference/notes/dmp-cda.md`,
      `/** Default: \`<repo>/../shared/reference/insi\`. */`,
      `import { CabinetError } from '../../../shared/contract/outcome.js';`,
      `const re = /'..\\/shared\\/reference'/; const t = \`a\${1}b\`;`,
    ].join('\n');
    expect(sharedReferences(file, clean)).toEqual([]);
  });

  it('electron/, sandboxes/, shared/ and renderer/ (tests aside) hold no run-time reference to ../shared', () => {
    const offenders: string[] = [];
    let scanned = 0;
    for (const top of ['electron', 'sandboxes', 'shared', 'renderer']) {
      for (const relative of filesUnder(path.join(REPO, top))) {
        if (
          !/\.(ts|tsx|mts|cts|mjs|cjs|js)$/.test(relative) ||
          /\.(test|spec)\.[^.]+$|\.test-support\.ts$/.test(relative) ||
          relative.includes('node_modules/')
        )
          continue;
        const file = path.join(REPO, top, relative);
        scanned += 1;
        for (const hit of sharedReferences(file, fs.readFileSync(file, 'utf8'))) offenders.push(`${top}/${relative}: ${hit}`);
      }
    }
    expect(scanned).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
