/** A plain progress bar on stderr: redrawn in place on a terminal, one line per step otherwise. */
export class Progress {
  private done = 0;
  private readonly t0 = Date.now();
  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  step(label: string, amount = 1): void {
    this.done = Math.min(this.total, this.done + amount);
    this.draw(label);
  }

  note(label: string): void {
    this.draw(label);
  }

  private draw(label: string): void {
    const f = this.total > 0 ? this.done / this.total : 1;
    const n = Math.round(f * this.width);
    const secs = ((Date.now() - this.t0) / 1000).toFixed(0);
    const line = `[${'#'.repeat(n)}${'-'.repeat(this.width - n)}] ${(f * 100).toFixed(0).padStart(3)}% ${secs}s ${label}`;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns ?? 120) - 1)}`);
    else this.out.write(`${line}\n`);
  }

  end(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
