/**
 * The security options docs/security.md (« Security model ») promises, read from
 * the built dist/electron/main.cjs: Electron cannot run on our build
 * machines, so what ships is checked as text. esbuild keeps names and
 * literals (no minification), so each promise is one recognisable statement.
 * Returns what is missing, in French (empty: every promise holds).
 */

/** The `webPreferences: { … }` literal of the BrowserWindow. */
function webPreferences(bundle: string): string | null {
  const start = bundle.indexOf('webPreferences: {');
  if (start < 0) return null;
  const end = bundle.indexOf('}', start);
  return end < 0 ? null : bundle.slice(start, end + 1);
}

/** The CSP as built: the `CSP = [ … ].join("; ")` array of main.ts. */
export function builtCsp(bundle: string): string | null {
  const match = /\bCSP\s*=\s*\[([\s\S]*?)\]\.join\("; "\)/.exec(bundle);
  if (!match) return null;
  return [...match[1]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('; ');
}

export function checkMainBundle(bundle: string): string[] {
  const problems: string[] = [];
  const need = (pattern: RegExp, what: string) => {
    if (!pattern.test(bundle)) problems.push(what);
  };

  need(/\.app\.enableSandbox\(\);/, 'app.enableSandbox() n’est pas appelé');
  need(/\.app\.requestSingleInstanceLock\(\)\)\s*import_electron\.app\.quit\(\)/, 'pas d’instance unique (requestSingleInstanceLock)');

  const prefs = webPreferences(bundle);
  if (!prefs) problems.push('aucun webPreferences dans la création de la fenêtre');
  else {
    for (const [option, value] of [
      ['sandbox', 'true'],
      ['contextIsolation', 'true'],
      ['nodeIntegration', 'false'],
      ['nodeIntegrationInWorker', 'false'],
      ['webviewTag', 'false'],
      ['webSecurity', 'true'],
      ['allowRunningInsecureContent', 'false'],
    ] as const) {
      if (!new RegExp(`\\b${option}: ${value},`).test(prefs)) problems.push(`webPreferences.${option} n’est pas ${value}`);
    }
  }
  // Nowhere in the bundle may a window be opened with the protections off.
  for (const weak of [
    'nodeIntegration: true',
    'contextIsolation: false',
    'webSecurity: false',
    'webviewTag: true',
    'allowRunningInsecureContent: true',
  ]) {
    if (bundle.includes(weak)) problems.push(`« ${weak} » présent dans le bundle`);
  }

  need(/\bAPP_SCHEME = "app";/, 'le protocole app:// n’est pas celui de l’application');
  need(/\bAPP_HOST = "cabinet";/, 'l’hôte app://cabinet/ n’est pas celui de l’application');
  need(
    /registerSchemesAsPrivileged\(\[\{ scheme: APP_SCHEME, privileges: \{ standard: true, secure: true/,
    'le protocole app:// n’est pas déclaré standard et sûr',
  );
  need(/protocol\.handle\(APP_SCHEME,/, 'le contenu n’est pas servi par le protocole app://');
  need(/loadURL\(`\$\{APP_ORIGIN\}\/index\.html`\)/, 'la fenêtre ne charge pas app://cabinet/index.html');
  need(/"Content-Security-Policy": CSP/, 'les réponses du protocole app:// n’ont pas d’en-tête Content-Security-Policy');
  need(/"X-Content-Type-Options": "nosniff"/, 'les réponses du protocole app:// n’ont pas X-Content-Type-Options: nosniff');

  const csp = builtCsp(bundle);
  if (!csp) problems.push('la CSP est introuvable');
  else {
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]) {
      if (!csp.split('; ').includes(directive)) problems.push(`la CSP n’a pas « ${directive} »`);
    }
    for (const weak of ["'unsafe-inline'", "'unsafe-eval'", 'http:', '*']) {
      if (csp.includes(weak)) problems.push(`la CSP autorise ${weak}`);
    }
  }

  need(/contents\.on\("will-navigate", \(event\) => event\.preventDefault\(\)\)/, 'la navigation (will-navigate) n’est pas empêchée');
  need(/contents\.on\("will-redirect", \(event\) => event\.preventDefault\(\)\)/, 'les redirections (will-redirect) ne sont pas empêchées');
  need(
    /contents\.on\("will-attach-webview", \(event\) => event\.preventDefault\(\)\)/,
    'les webview (will-attach-webview) ne sont pas empêchées',
  );
  need(/setWindowOpenHandler\([\s\S]{0,400}?return \{ action: "deny" \}/, 'setWindowOpenHandler ne refuse pas les nouvelles fenêtres');
  need(
    /setPermissionRequestHandler\(\(_contents, _permission, callback\) => callback\(false\)\)/,
    'les demandes de permission ne sont pas refusées (setPermissionRequestHandler)',
  );
  need(/setPermissionCheckHandler\(\(\) => false\)/, 'les vérifications de permission ne sont pas refusées (setPermissionCheckHandler)');
  need(
    /webRequest\.onBeforeRequest\([\s\S]{0,300}?callback\(\{ cancel: !allowed \}\)/,
    'les requêtes hors app://cabinet/ ne sont pas annulées',
  );
  need(
    /if \(!isTrustedSenderUrl\(event\.senderFrame\?\.url\)\) return fail\("FORBIDDEN_SENDER"\)/,
    'l’expéditeur des messages IPC n’est pas vérifié',
  );
  return problems;
}
