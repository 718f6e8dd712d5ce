/** Runs async sections one at a time per key; different keys never wait for each other. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(section, section);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      // Only the last waiter may clear the entry; later ones have replaced it.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
