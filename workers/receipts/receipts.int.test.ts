/**
 * Receipt mail against the real services and a local SMTP server: a Dropline process with SMTP_URL set mails one
 * receipt per paid order, naming its number, and a payment event delivered again sends nothing more; without
 * SMTP_URL no receipt is attempted. The process's log, at debug level, never holds the buyer's details.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { SMTPServer } from 'smtp-server';
import { describe, expect, vi } from 'vitest';
import {
  type Config,
  type DroplineProcess,
  payBody,
  spawnDropline,
  test,
  testCard,
} from '../../infra/testing/index.js';
import { RECEIPTS_DURABLE } from './index.js';

const PIPELINE = { timeout: 20_000, interval: 100 };

interface Mail {
  from: string;
  to: string[];
  data: string;
}

/** An SMTP server on a free loopback port that keeps every mail it is given. */
async function smtpSink() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        done();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return { mails, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function env(config: Config, prefix: string, extra: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    NATS_URL: config.natsUrl,
    REDIS_PREFIX: prefix,
    EVENTS_STREAM: config.events.stream,
    EVENTS_SUBJECT_PREFIX: config.events.subjectPrefix,
    PORT: '0',
    ...extra,
  };
}

/** Details no log line may hold: each appears in the buyer's name, email or address, and nowhere else. */
const BUYER = {
  name: 'Zelda Quimbyfrost',
  email: 'zelda.quimbyfrost@receipt-test.example',
  address: {
    line1: '77 Marzipanweg',
    line2: 'Hinterhaus Xylo',
    city: 'Quackenbrueck',
    postalCode: 'QX-9137',
    region: 'Niedersachsen-Testregion',
    country: 'DE',
  },
};
const SECRETS = [
  'Zelda',
  'Quimbyfrost',
  'zelda.quimbyfrost',
  'receipt-test.example',
  'Marzipanweg',
  'Hinterhaus',
  'Quackenbrueck',
  'QX-9137',
  'Niedersachsen-Testregion',
  '4242424242424242',
];

describe('receipt mail', () => {
  test('one receipt per paid order with its number; a redelivered payment sends no second; nothing personal is logged', async ({
    api,
    config,
    dropline,
    prefix,
  }) => {
    const smtp = await smtpSink();
    let child: DroplineProcess | undefined;
    try {
      const { drop } = await api.openDrop({
        title: 'Receipt Lamp',
        sku: 'RL-1',
        priceCents: 1_250,
        currency: 'EUR',
      });
      const guest = await api.guest();
      const { hold } = await dropline.holds.reserve({
        dropId: drop.id,
        shopperId: guest.user.id,
        guest: true,
        quantity: 1,
        admissionEndsAt: new Date(Date.now() + 60_000),
      });
      child = spawnDropline(
        'all',
        env(config, prefix, { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, LOG_LEVEL: 'debug' }),
      );
      const [, port] = await child.waitFor(/listening on http:\/\/[^:]+:(\d+)/, 30_000);
      const pay = (body: unknown) =>
        fetch(`http://127.0.0.1:${port}/api/reservations/${hold.id}/pay`, {
          method: 'POST',
          headers: { authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      // Refused first (a bad CVC), then paid: both carry the buyer's details through the edge.
      expect((await pay({ card: { ...testCard(), cvc: '1' }, buyer: BUYER })).status).toBe(400);
      const paid = await pay({ ...payBody(), buyer: BUYER });
      expect(paid.status, await paid.clone().text()).toBe(200);

      const [details] = await dropline.sql<{ number: string }[]>`
        SELECT number FROM order_details WHERE reservation_id = ${hold.id}`;
      const number = details!.number;
      await vi.waitFor(() => expect(smtp.mails).toHaveLength(1), PIPELINE);
      const [mail] = smtp.mails;
      expect(mail!.to).toEqual([BUYER.email]);
      expect(mail!.data).toContain(`Subject: Your receipt ${number}: Receipt Lamp`);
      expect(mail!.data).toContain('Amount paid: =E2=82=AC12.50'); // €12.50, quoted-printable
      expect(mail!.data).toContain('77 Marzipanweg');
      await vi.waitFor(async () => {
        const [row] = await dropline.sql<{ sent: boolean }[]>`
          SELECT receipt_sent_at IS NOT NULL AS sent FROM order_details WHERE reservation_id = ${hold.id}`;
        expect(row?.sent).toBe(true);
      }, PIPELINE);

      // The payment event again, as a redelivery would bring it (a new message id, so the stream keeps it).
      const jsm = await jetstreamManager(dropline.nats);
      const subject = `${config.events.subjectPrefix}.events.${drop.id}.payment.completed`;
      const original = await jsm.streams.getMessage(config.events.stream, { last_by_subj: subject });
      const again = await jetstream(dropline.nats).publish(subject, original!.data, {
        msgID: 'receipt-again',
      });
      await vi.waitFor(async () => {
        const info = await jsm.consumers.info(config.events.stream, RECEIPTS_DURABLE);
        expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(again.seq);
      }, PIPELINE);
      expect(smtp.mails).toHaveLength(1);

      expect(await child.stop('SIGTERM')).toBe(0);
      const output = child.output();
      expect(output).toContain('receipt sent');
      for (const secret of SECRETS) expect(output, `the log holds "${secret}"`).not.toContain(secret);
    } finally {
      await child?.stop('SIGKILL');
      await smtp.close();
    }
  }, 90_000);

  test('without SMTP_URL no receipt is attempted: no receipts consumer, nothing claimed', async ({
    api,
    dropline,
    config,
  }) => {
    const { drop } = await api.openDrop({ title: 'Quiet Lamp', sku: 'QL-1', stock: 3 });
    const guest = await api.guest();
    const { hold } = await dropline.holds.reserve({
      dropId: drop.id,
      shopperId: guest.user.id,
      guest: true,
      quantity: 1,
      admissionEndsAt: new Date(Date.now() + 60_000),
    });
    const paid = await api.post(`/api/reservations/${hold.id}/pay`, { token: guest.token, body: payBody() });
    expect(paid.status).toBe(200);
    await vi.waitFor(async () => expect((await dropline.orders.get(hold.id))?.status).toBe('paid'), PIPELINE);
    const [row] = await dropline.sql<{ claimed: boolean; sent: boolean }[]>`
      SELECT receipt_claimed_at IS NOT NULL AS claimed, receipt_sent_at IS NOT NULL AS sent
      FROM order_details WHERE reservation_id = ${hold.id}`;
    expect(row).toEqual({ claimed: false, sent: false });
    const jsm = await jetstreamManager(dropline.nats);
    const consumers = [];
    for await (const c of jsm.consumers.list(config.events.stream)) consumers.push(c.name);
    expect(consumers).not.toContain(RECEIPTS_DURABLE);
  });
});
