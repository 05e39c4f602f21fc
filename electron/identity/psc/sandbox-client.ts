/**
 * The Pro Santé Connect sandbox's public test client (client_secret_basic),
 * used by Cabinet in the sandbox environment. Not a real credential. Here,
 * outside sandbox/, because the app uses it and the packaged app holds no
 * sandbox code (`npm run dist:check`).
 */
export const sandboxClient = { clientId: 'cabinet-bac-a-sable', clientSecret: 'bac-a-sable-secret-non-confidentiel' } as const;
