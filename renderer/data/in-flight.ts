/** Calls in flight by key: callers asking the same key while one runs share its answer (pure, tested). */
export class InFlight<V> {
  private readonly running = new Map<string, Promise<V>>();

  /** The call running for this key, or `run()` started now. */
  share(key: string, run: () => Promise<V>): Promise<V> {
    const current = this.running.get(key);
    if (current) return current;
    const started = run().finally(() => {
      if (this.running.get(key) === started) this.running.delete(key);
    });
    this.running.set(key, started);
    return started;
  }

  /** Forgets the running calls (their answers still reach who asked, but nobody new shares them). */
  clear(): void {
    this.running.clear();
  }
}
