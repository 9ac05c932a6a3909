/** Bodies for `POST /api/reservations/:id/pay`: a card of the test provider's and a buyer with an address. */

/** Approved by the test provider (…4242); DECLINED_NUMBER (…0002) is declined. Both pass the Luhn check. */
export const CARD_NUMBER = '4242424242424242';
export const DECLINED_NUMBER = '4000000000000002';

/** A card with an expiry two years ahead and a CVC. */
export const testCard = (number = CARD_NUMBER) => ({
  number,
  expMonth: 12,
  expYear: new Date().getUTCFullYear() + 2,
  cvc: '123',
});

export const TEST_BUYER = {
  name: 'Test Buyer',
  email: 'buyer@example.test',
  address: { line1: '1 Test Street', city: 'Testville', postalCode: '10115', country: 'DE' },
};

/** A valid pay body for any drop (a shipped one needs the address it carries). */
export const payBody = (number = CARD_NUMBER) => ({ card: testCard(number), buyer: TEST_BUYER });
