/**
 * Verifying the enveloped XML-DSig of a SAML assertion with xml-crypto,
 * restricted to what our assertions use (rsa-sha256, sha256, exclusive c14n,
 * enveloped transform: no HMAC, no SHA-1, no XPath transforms), and only
 * when the one reference covers the whole assertion (no signature wrapping).
 * Shared by the VIHF verifier and the sandboxes.
 */
import { XMLSerializer, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { ENVELOPED, EXC_C14N, RSA_SHA256, SHA256 } from './vihf.js';

export type SignatureCheck = { ok: true; signedXml: string } | { ok: false; reason: 'signature_invalide' | 'couverture' };

export function checkAssertionSignature(xml: string, signature: Element, certificatePem: string, assertionId: string): SignatureCheck {
  const verifier = new SignedXml({ getCertFromKeyInfo: () => certificatePem });
  verifier.SignatureAlgorithms = {
    [RSA_SHA256]: verifier.SignatureAlgorithms[RSA_SHA256] as NonNullable<(typeof verifier.SignatureAlgorithms)[string]>,
  };
  verifier.HashAlgorithms = { [SHA256]: verifier.HashAlgorithms[SHA256] as NonNullable<(typeof verifier.HashAlgorithms)[string]> };
  verifier.CanonicalizationAlgorithms = {
    [EXC_C14N]: verifier.CanonicalizationAlgorithms[EXC_C14N] as NonNullable<(typeof verifier.CanonicalizationAlgorithms)[string]>,
    [ENVELOPED]: verifier.CanonicalizationAlgorithms[ENVELOPED] as NonNullable<(typeof verifier.CanonicalizationAlgorithms)[string]>,
  };
  let valid: boolean;
  try {
    verifier.loadSignature(new XMLSerializer().serializeToString(signature));
    valid = verifier.checkSignature(xml);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'signature_invalide' };
  const references = verifier.getReferences();
  const signed = verifier.getSignedReferences();
  if (references.length !== 1 || references[0]?.uri !== `#${assertionId}` || signed.length !== 1)
    return { ok: false, reason: 'couverture' };
  return { ok: true, signedXml: signed[0] as string };
}
