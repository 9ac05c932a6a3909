/**
 * A drop's sales over time, from its paid orders in PostgreSQL: cumulative units and revenue at the end of each
 * interval that had a sale. A minute is the interval; a drop whose sales span less than an hour gets finer ones, and
 * one whose sales span more than `MAX_POINTS` minutes coarser ones, so a chart never gets more than `MAX_POINTS`.
 */
import type { Sql } from 'postgres';

/** One interval with a sale: `t` its start; `units` and `revenueCents` everything paid up to its end. */
export interface SalesPoint {
  t: Date;
  units: number;
  revenueCents: number;
}

export interface SalesSeries {
  /** The interval's length in seconds. */
  bucketSeconds: number;
  points: SalesPoint[];
}

export interface SalesHistory {
  /** The drop's sales history (no points before its first payment). */
  forDrop(dropId: string): Promise<SalesSeries>;
}

const MAX_POINTS = 720;
/** Interval lengths in seconds, finest first: the first that fits the span in `MAX_POINTS` is used. */
const BUCKETS = [5, 15, 60, 300, 900, 3600, 21_600, 86_400];
/** Sales spanning more than this get minute intervals at least. */
const FINE_SPAN_SECONDS = 3600;

/** The interval for sales spanning `spanSeconds`. */
export function bucketFor(spanSeconds: number): number {
  const fits = (b: number) => spanSeconds / b <= MAX_POINTS;
  if (spanSeconds > FINE_SPAN_SECONDS) return BUCKETS.find((b) => b >= 60 && fits(b)) ?? BUCKETS.at(-1)!;
  return BUCKETS.find(fits) ?? 60;
}

export function createSalesHistory(sql: Sql): SalesHistory {
  return {
    async forDrop(dropId) {
      const [span] = await sql<{ seconds: number | null }[]>`
        SELECT extract(epoch FROM max(paid_at) - min(paid_at))::float8 AS seconds
        FROM orders WHERE drop_id = ${dropId} AND status = 'paid'`;
      const bucketSeconds = bucketFor(span?.seconds ?? 0);
      const rows = await sql<{ t: Date; units: string; revenue_cents: string }[]>`
        SELECT t,
               sum(sum(quantity)) OVER (ORDER BY t) AS units,
               sum(sum(amount_cents)) OVER (ORDER BY t) AS revenue_cents
        FROM (
          SELECT to_timestamp(floor(extract(epoch FROM paid_at) / ${bucketSeconds}) * ${bucketSeconds}) AS t,
                 quantity, amount_cents
          FROM orders WHERE drop_id = ${dropId} AND status = 'paid'
        ) paid
        GROUP BY t ORDER BY t`;
      return {
        bucketSeconds,
        points: rows.map((r) => ({
          t: r.t,
          units: Number(r.units),
          revenueCents: Number(r.revenue_cents),
        })),
      };
    },
  };
}
