// A bounded list of recent measurements (ms), for the status bar and the benchmark.

export class Samples {
  samples: number[] = [];

  constructor(private limit = 50_000) {}

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.limit) this.samples.splice(0, this.limit / 2);
  }
}
