/**
 * The renderer's module-level caches that outlive a screen (the last patient
 * search, names of patients behind mailboxes, the Journal's last check) hold
 * patient data: each registers here, and they are all emptied when the
 * session locks or ends (`sessionChanged` to anything but `connecte`). Screens
 * themselves are unmounted then, so state kept in components goes with them.
 */
const clearers = new Set<() => void>();

/** Registers a cache's clear function (once, at module load). */
export function registerSessionCache(clear: () => void): void {
  clearers.add(clear);
}

export function clearSessionCaches(): void {
  for (const clear of clearers) clear();
}
