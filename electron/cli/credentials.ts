/**
 * How CLI commands act as a practitioner: `--p12 FILE` or `--pkcs11 MODULE
 * [--slot N]`, with the PIN (or .p12 password) from CABINET_PIN or standard
 * input. The CLI keeps no login between runs: each command logs in, acts,
 * and logs out (all audited).
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { CabinetError } from '../../shared/contract/outcome.js';
import { createServices, type Services } from '../app/services.js';
import type { Credentials } from '../identity/types.js';

export interface CredentialOptions {
  p12?: string;
  pkcs11?: string;
  slot?: string;
}

export function addCredentialOptions(command: Command): Command {
  return command
    .addOption(new Option('--p12 <fichier>', 'certificat logiciel du praticien (.p12)').conflicts('pkcs11'))
    .addOption(new Option('--pkcs11 <module>', 'module PKCS#11 de la carte CPS (Cryptolib CPS, SoftHSM2…)'))
    .addOption(new Option('--slot <n>', 'lecteur de carte à utiliser (0 = le premier avec une carte)').default('0'));
}

async function readSecret(): Promise<string> {
  const fromEnv = process.env.CABINET_PIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY)
    throw new CabinetError('INVALID_REQUEST', 'Code PIN ou mot de passe attendu dans CABINET_PIN ou sur l’entrée standard.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024) throw new CabinetError('INVALID_REQUEST', 'Entrée standard trop longue pour un code PIN.');
    chunks.push(chunk);
  }
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!secret) throw new CabinetError('INVALID_REQUEST', 'Code PIN ou mot de passe attendu dans CABINET_PIN ou sur l’entrée standard.');
  return secret;
}

/** Logs in with the command's options, runs `body`, logs out — whatever happens. */
export async function asPractitioner<T>(
  options: CredentialOptions,
  body: (credentials: Credentials, services: Services) => Promise<T> | T,
): Promise<T> {
  if (!options.p12 && !options.pkcs11) throw new CabinetError('INVALID_REQUEST', 'Indiquez --p12 <fichier> ou --pkcs11 <module>.');
  const slot = Number(options.slot ?? '0');
  if (!Number.isInteger(slot) || slot < 0 || slot > 31)
    throw new CabinetError('INVALID_REQUEST', 'Le numéro de lecteur (--slot) doit être un entier de 0 à 31.');
  let content: Buffer | null = null;
  if (options.p12) {
    try {
      content = fs.readFileSync(options.p12);
    } catch {
      throw new CabinetError('NOT_FOUND', `Certificat introuvable ou illisible : ${options.p12}`);
    }
  }
  const secret = await readSecret();
  const services = await createServices({ host: 'cli' });
  try {
    const { identity } = services;
    const opener = content ? identity.p12Opener(options.p12!, content) : identity.cardOpener(options.pkcs11!, slot);
    await identity.session.login(opener, secret);
    try {
      return await body(identity.session.require(), services);
    } finally {
      await identity.session.logout('fin de la commande');
    }
  } finally {
    await services.close();
  }
}
