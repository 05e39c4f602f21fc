/**
 * A CDA R2 document shown safely. The XML is parsed with the browser's
 * `DOMParser` as XML (never as HTML, never inserted in the page), read by
 * `readCdaDocument()` into plain data, and rendered as React elements only:
 * no innerHTML, no script, no link, no image or other resource, no style
 * from the document. Level 3: header facts, then the sections with their
 * titles and narrative (paragraphs, lists, tables). Level 1: the encapsulated
 * PDF in {@link PdfViewer} (plain text is shown as text; other formats are
 * named, not opened).
 */
import { useMemo, type ReactNode } from 'react';
import {
  base64ToBytes,
  CdaReadError,
  looksLikePdf,
  readCdaDocument,
  type CdaBlock,
  type CdaCell,
  type CdaFlow,
  type CdaHeader,
  type CdaReading,
  type CdaSection,
  type XmlNodeLike,
} from '../screens/patient/cda-sections.js';
import { Alert } from './Alert.js';
import { PdfViewer } from './PdfViewer.js';

/** Largest XML accepted for display (a CDA with a 20 MB PDF in base64 is ≈ 27 MB). */
const MAX_XML_BYTES = 32 * 1024 * 1024;

type Parsed = { ok: true; reading: CdaReading } | { ok: false; message: string };

/** Parses and reads a CDA; every failure becomes a French sentence. */
export function parseCda(bytes: Uint8Array): Parsed {
  if (bytes.length > MAX_XML_BYTES) return { ok: false, message: 'Ce document est trop volumineux pour être affiché.' };
  // TextDecoder drops a byte order mark; a wrong byte becomes U+FFFD instead of an exception.
  const text = new TextDecoder('utf-8').decode(bytes);
  // A CDA never has a DTD: refusing it rules out entity expansion tricks before parsing.
  if (/<!DOCTYPE/i.test(text.slice(0, 4096)) || /<!ENTITY/i.test(text))
    return { ok: false, message: 'Ce document contient une déclaration de type (DTD) : il n’est pas affiché par sécurité.' };
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0)
    return { ok: false, message: 'Ce document n’est pas un XML valide : il ne peut pas être affiché.' };
  try {
    return { ok: true, reading: readCdaDocument(doc.documentElement as unknown as XmlNodeLike) };
  } catch (error) {
    return { ok: false, message: error instanceof CdaReadError ? error.message : 'Ce document n’a pas pu être lu.' };
  }
}

export function CdaView({ xml, fallbackTitle }: { xml: Uint8Array; fallbackTitle: string }) {
  const parsed = useMemo(() => parseCda(xml), [xml]);
  if (!parsed.ok) {
    return (
      <Alert tone="error" title="Affichage impossible">
        {parsed.message}
      </Alert>
    );
  }
  const { reading } = parsed;
  const title = reading.header.title ?? fallbackTitle;
  return (
    <article className="cda-view" aria-label={title}>
      <CdaHeaderFacts header={reading.header} title={title} />
      {reading.level === 3 ? (
        reading.sections.length > 0 ? (
          reading.sections.map((section, i) => <CdaSectionView key={i} section={section} level={3} />)
        ) : (
          <p className="muted">Ce document ne contient aucune section.</p>
        )
      ) : reading.level === 1 ? (
        <EmbeddedFile mediaType={reading.mediaType} base64={reading.base64} title={title} />
      ) : (
        <Alert tone="warning" title="Contenu non affichable">
          {reading.reason}
        </Alert>
      )}
    </article>
  );
}

function EmbeddedFile({ mediaType, base64, title }: { mediaType: string; base64: string; title: string }) {
  const bytes = useMemo(() => base64ToBytes(base64), [base64]);
  if (mediaType === 'application/pdf' || looksLikePdf(bytes)) return <PdfViewer data={bytes} title={title} />;
  if (mediaType === 'text/plain') return <pre className="cda-view__plain">{new TextDecoder('utf-8').decode(bytes)}</pre>;
  return (
    <Alert tone="info" title="Format non affiché">
      Ce document contient un fichier au format {mediaType}, que Cabinet n’affiche pas.
    </Alert>
  );
}

function timeLabel(value: string | null): string | null {
  if (!value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value);
  if (!m) return value;
  return `${m[3]}/${m[2]}/${m[1]}${m[4] ? ` à ${m[4]}:${m[5]}` : ''}`;
}

function CdaHeaderFacts({ header, title }: { header: CdaHeader; title: string }) {
  const rows: [string, ReactNode][] = [];
  if (header.type) rows.push(['Type', header.type.display ?? header.type.code]);
  const date = timeLabel(header.effectiveTime);
  if (date) rows.push(['Date', date]);
  if (header.patient) rows.push(['Patient', header.patient]);
  if (header.authors.length)
    rows.push(['Auteur', header.authors.map((a) => (a.organisation ? `${a.name} — ${a.organisation}` : a.name)).join(' ; ')]);
  if (header.custodian) rows.push(['Conservé par', header.custodian]);
  if (header.confidentiality) rows.push(['Confidentialité', header.confidentiality]);
  return (
    <header className="cda-view__header">
      <p className="cda-view__title">{title}</p>
      <dl className="facts facts--compact">
        {rows.map(([label, value]) => (
          <div key={label} className="facts__row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </header>
  );
}

function Heading({ level, children }: { level: number; children: ReactNode }) {
  const className = 'cda-view__section-title';
  if (level <= 3) return <h3 className={className}>{children}</h3>;
  if (level === 4) return <h4 className={className}>{children}</h4>;
  if (level === 5) return <h5 className={className}>{children}</h5>;
  return <h6 className={className}>{children}</h6>;
}

function CdaSectionView({ section, level }: { section: CdaSection; level: number }) {
  return (
    <section className={`cda-view__section cda-view__section--${Math.min(level, 6)}`}>
      {section.title ? <Heading level={level}>{section.title}</Heading> : null}
      {section.content.length > 0 ? <div className="cda-view__text">{renderFlow(section.content)}</div> : null}
      {section.sections.map((inner, i) => (
        <CdaSectionView key={i} section={inner} level={level + 1} />
      ))}
    </section>
  );
}

const styleClass: Record<string, string> = { gras: 'cda-b', italique: 'cda-i', souligne: 'cda-u' };

function renderFlow(flow: CdaFlow): ReactNode[] {
  return flow.map((item, i) => {
    switch (item.kind) {
      case 'text': {
        let node: ReactNode = item.text;
        if (item.styles.includes('indice')) node = <sub>{node}</sub>;
        if (item.styles.includes('exposant')) node = <sup>{node}</sup>;
        const classes = item.styles.map((s) => styleClass[s]).filter(Boolean);
        return classes.length ? (
          <span key={i} className={classes.join(' ')}>
            {node}
          </span>
        ) : (
          <span key={i}>{node}</span>
        );
      }
      case 'br':
        return <br key={i} />;
      default:
        return <Block key={i} block={item} />;
    }
  });
}

function Block({ block }: { block: CdaBlock }) {
  switch (block.kind) {
    case 'paragraph':
      return (
        <p className="cda-view__paragraph">
          {block.caption ? <strong className="cda-view__caption">{block.caption} : </strong> : null}
          {renderFlow(block.content)}
        </p>
      );
    case 'list': {
      const items = block.items.map((item, i) => <li key={i}>{renderFlow(item)}</li>);
      return (
        <div className="cda-view__list">
          {block.caption ? <p className="cda-view__caption">{block.caption}</p> : null}
          {block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>}
        </div>
      );
    }
    case 'table':
      return (
        <div className="table-wrap cda-view__table-wrap">
          <table className="data-table cda-view__table">
            {block.caption ? <caption className="data-table__caption">{block.caption}</caption> : null}
            {block.head.length ? <thead>{rows(block.head)}</thead> : null}
            <tbody>{rows(block.body)}</tbody>
            {block.foot.length ? <tfoot>{rows(block.foot)}</tfoot> : null}
          </table>
        </div>
      );
    case 'media':
      return <span className="cda-view__media">[Image ou fichier joint non affiché{block.caption ? ` : ${block.caption}` : ''}]</span>;
  }
}

function rows(list: CdaCell[][]): ReactNode[] {
  return list.map((row, r) => (
    <tr key={r}>
      {row.map((cell, c) =>
        cell.header ? (
          <th key={c} scope="col" colSpan={cell.colSpan} rowSpan={cell.rowSpan}>
            {renderFlow(cell.content)}
          </th>
        ) : (
          <td key={c} colSpan={cell.colSpan} rowSpan={cell.rowSpan}>
            {renderFlow(cell.content)}
          </td>
        ),
      )}
    </tr>
  ));
}
