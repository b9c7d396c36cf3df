/**
 * A rendering (a metrics exposition, say) served again rather than made
 * again while it is younger than `reuseMs`: a peer that asks by the
 * thousand costs one rendering a period. A rendering being made is shared
 * by those who ask meanwhile; one that fails is not served again.
 */
export class ReusedRender<T> {
  /** The rendering last made (or being made), and when it was asked for. */
  private last: { atMs: number; value: Promise<T> } | null = null;

  constructor(
    private readonly reuseMs: number,
    private readonly render: () => Promise<T>,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** The last rendering when it is younger than reuseMs, else a new one. */
  get(): Promise<T> {
    const now = this.nowMs();
    const last = this.last;
    if (last !== null && now - last.atMs < this.reuseMs) return last.value;
    const value = this.render();
    const made = { atMs: now, value };
    this.last = made;
    value.catch(() => {
      if (this.last === made) this.last = null;
    });
    return value;
  }
}
