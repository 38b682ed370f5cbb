/** A token-only CLI's price (USD per million tokens), from the executor's config. */
export interface Price {
  readonly inputPerMtok: number;
  readonly outputPerMtok: number;
}

export const priceTokens = (price: Price, tokensIn: number, tokensOut: number): number =>
  (tokensIn * price.inputPerMtok + tokensOut * price.outputPerMtok) / 1_000_000;

/** What one streamed JSON event says about spend: usage of a message or turn, or a total cost. */
export interface UsageReading {
  /** Events repeating the same message's usage share a key, so it counts once. */
  readonly key: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** The CLI's own running total, when it prints one: it wins over the price table. */
  readonly totalCostUsd?: number | null | undefined;
}

/** Reads the spend so far from a CLI's streamed stdout (JSON lines), while it runs. */
export interface UsageMeter {
  push(stdout: string): void;
  /** null: the CLI streamed no cost and there is no price for its tokens. */
  costUsd(): number | null;
}

const MAX_LINE = 1024 * 1024;

export function createUsageMeter(
  read: (event: unknown, index: number) => UsageReading | null,
  price: Price | null,
): UsageMeter {
  let partial = '';
  let index = 0;
  let total: number | null = null;
  const usage = new Map<string, { tokensIn: number; tokensOut: number }>();
  const take = (line: string) => {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return;
    }
    const reading = read(value, index++);
    if (!reading) return;
    if (typeof reading.totalCostUsd === 'number') total = reading.totalCostUsd;
    usage.set(reading.key, { tokensIn: reading.tokensIn, tokensOut: reading.tokensOut });
  };
  return {
    push(stdout) {
      const lines = (partial + stdout).split('\n');
      partial = lines.pop() ?? '';
      // A line longer than any event is output, not usage: drop it rather than grow forever.
      if (partial.length > MAX_LINE) partial = '';
      for (const line of lines) take(line);
    },
    costUsd() {
      if (total !== null) return total;
      if (!price) return null;
      let tokensIn = 0;
      let tokensOut = 0;
      for (const u of usage.values()) {
        tokensIn += u.tokensIn;
        tokensOut += u.tokensOut;
      }
      return priceTokens(price, tokensIn, tokensOut);
    },
  };
}
