/** Fills the drop page's checkout form in a browser (playwright-core), as a shopper types it. */
import type { Page } from 'playwright-core';

export interface PayFormValues {
  card?: string;
  exp?: string;
  cvc?: string;
  name?: string;
  email?: string;
  /** Leave the address alone (a drop that does not ship shows none). */
  noAddress?: boolean;
}

/** Two years ahead, as MM/YY. */
export const futureExpiry = () => `12/${String((new Date().getFullYear() + 2) % 100).padStart(2, '0')}`;

export async function fillPayForm(page: Page, values: PayFormValues = {}): Promise<void> {
  // A label's name grows by its error message once one is shown: match its start.
  const fill = (label: string, value: string) =>
    page.getByLabel(new RegExp(`^${label.replace(/[()]/g, '\\$&')}`)).fill(value);
  await fill('Full name', values.name ?? 'Ada Shopper');
  await page.getByLabel(/^Email for the receipt/).fill(values.email ?? 'ada@example.test');
  if (!values.noAddress) {
    await fill('Street and number', '12 Linden Road');
    await fill('Postal code', '10115');
    await fill('City', 'Berlin');
    await fill('Country (2 letters)', 'DE');
  }
  await fill('Card number', values.card ?? '4242 4242 4242 4242');
  await fill('Expiry (MM/YY)', values.exp ?? futureExpiry());
  await fill('CVC', values.cvc ?? '123');
}
