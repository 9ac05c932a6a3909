/**
 * The order rush's load generator, in its own process (forked, IPC). Each shopper (a guest token) does what the
 * shopper's page does: opens a Socket.IO connection to the gateway and joins the drop's queue there (`join`: one
 * message), waits for its `admitted` event (or to be told the drop is sold out), reserves one unit over HTTP with
 * its admission token, and pays with a test card. At most `concurrency` shoppers are in flight. Reports every step's
 * latencies and how each shopper ended: paid, sold out, or failed.
 *
 * It shares the machine with the server it measures, so it is lean: Socket.IO's wire protocol spoken directly over
 * a WebSocket (as the k6 scripts do) and HTTP over keep-alive connections, from `wire-websocket.ts` and `wire.ts`
 * on `node:net`
 * (socket.io-client and fetch cost the generator 2.7 ms of CPU per shopper, `ws` and `node:http` 0.7 ms).
 */
import { readFileSync } from 'node:fs';
import type { DropRequest, JoinAck, ServerToClientEvents } from '../../edge/index.js';
import { payBody } from '../testing/checkout.js';
import { openWebSocket } from './wire-websocket.js';
import { HttpPool } from './wire.js';

interface Job {
  /** The edges' base URLs: shopper i goes to edge i mod n, its socket and requests alike, as a balancer would. */
  urls: string[];
  dropId: string;
  tokensFile: string;
  concurrency: number;
}

type Step = 'join' | 'reserve' | 'pay';
/** A Socket.IO event as it arrives: its name and the payload the contract gives it. */
type ServerEvent = {
  [Name in keyof ServerToClientEvents]: [Name, ...Parameters<ServerToClientEvents[Name]>];
}[keyof ServerToClientEvents];
type Turn = { admitted: true; token: string } | { admitted: false; status: string };

const job = await new Promise<Job>((resolve) => {
  process.once('message', (m: Job) => resolve(m));
  process.send?.({ type: 'ready' }); // loaded: what it costs from here on is the rush's
});
const tokens = JSON.parse(readFileSync(job.tokensFile, 'utf8')) as string[];
const latencies: Record<Step, number[]> = { join: [], reserve: [], pay: [] };
/** The same, of the shoppers after the opening wave (the first `concurrency`, who all start at once). */
const afterOpening: Record<Step, number[]> = { join: [], reserve: [], pay: [] };
function record(step: Step, ms: number, late: boolean) {
  latencies[step].push(ms);
  if (late) afterOpening[step].push(ms);
}
const outcomes = { paid: 0, soldOut: 0, failed: 0, status5xx: 0 };
const failures: string[] = [];
/** Socket messages received, by kind, over all shoppers. */
const received: Record<string, number> = {};
interface Edge {
  host: string;
  port: number;
  pool: HttpPool;
}
const edges: Edge[] = job.urls.map((url) => {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), pool: new HttpPool(hostname, Number(port), 256) };
});

async function post(edge: Edge, path: string, headers: Record<string, string>, body: string) {
  const res = await edge.pool.request('POST', path, { ...headers, 'content-type': 'application/json' }, body);
  try {
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  } catch {
    throw new Error(`${path} answered ${res.status}: ${res.body.slice(0, 200)}`);
  }
}

async function call(
  edge: Edge,
  late: boolean,
  step: 'reserve' | 'pay',
  path: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const started = performance.now();
  const res = await post(edge, path, { authorization: `Bearer ${token}`, ...headers }, JSON.stringify(body));
  record(step, performance.now() - started, late);
  if (res.status >= 500) outcomes.status5xx++;
  return res;
}

const over = (status: string) =>
  status === 'sold_out' ||
  status === 'all_sold' ||
  status === 'closed' ||
  status === 'expired' ||
  status === 'left';

const NSP = '/drops';
const JOIN_ACK = 1;
const SOCKET_PATH = '/socket.io/?EIO=4&transport=websocket';

/**
 * A Socket.IO packet inside an Engine.IO message (`4`): `<type>/drops,[<ack id>]<JSON>` — 0 connect, 1 disconnect,
 * 2 event, 3 ack, 4 connect error. Undefined for another namespace or a packet this client does not expect.
 */
function decode(text: string): { type: number; id: number | undefined; data: unknown } | undefined {
  if (text[0] !== '4' || text.slice(2, 2 + NSP.length + 1) !== `${NSP},`) return undefined;
  const type = Number(text[1]);
  let i = 2 + NSP.length + 1;
  const digits = /^\d*/.exec(text.slice(i))![0];
  i += digits.length;
  return {
    type,
    id: digits === '' ? undefined : Number(digits),
    data: i < text.length ? JSON.parse(text.slice(i)) : undefined,
  };
}

/** The shopper's turn when a pushed event decides it: admitted, or the drop over for this shopper. */
function turnOf([name, push]: ServerEvent): Turn | undefined {
  if (name === 'admitted' && push.dropId === job.dropId && push.token)
    return { admitted: true, token: push.token };
  if (name === 'queue' && push.dropId === job.dropId && over(push.status))
    return { admitted: false, status: push.status };
  return undefined;
}

/** Joins over the socket; resolves when admitted, or when the drop is sold out or over for this shopper. */
function waitForTurn(edge: Edge, late: boolean, token: string): Promise<Turn> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let joinStarted = 0;
    let last = 'nothing';
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      socket.close();
      outcome();
    };
    const done = (turn: Turn) => settle(() => resolve(turn));
    const fail = (error: Error) => settle(() => reject(error));
    const socket = openWebSocket(edge.host, edge.port, SOCKET_PATH, {
      closed: (error) =>
        fail(
          new Error(
            `${error?.message ?? 'the socket closed'} before the shopper was served (last received: ${last})`,
          ),
        ),
      message: (text) => {
        const kind = text.startsWith('42')
          ? `event ${/^42[^[]*\["(\w+)/.exec(text)?.[1]}`
          : `packet ${text.slice(0, 2)}`;
        received[kind] = (received[kind] ?? 0) + 1;
        last = kind;
        if (text === '2') return socket.send('3'); // Engine.IO ping → pong
        if (text[0] === '0') return socket.send(`40${NSP},${JSON.stringify({ token })}`); // open → connect
        const packet = decode(text);
        if (!packet) return;
        if (packet.type === 0) {
          joinStarted = performance.now();
          const request: DropRequest = { dropId: job.dropId };
          socket.send(`42${NSP},${JOIN_ACK}${JSON.stringify(['join', request])}`);
        } else if (packet.type === 3 && packet.id === JOIN_ACK) {
          record('join', performance.now() - joinStarted, late);
          const [answer] = packet.data as [JoinAck];
          // A drop sold out for good closes its line: the join is refused with sold_out.
          if ('error' in answer && answer.error.code === 'sold_out')
            done({ admitted: false, status: 'all_sold' });
          else if ('error' in answer || !answer.status) fail(new Error(`join: ${JSON.stringify(answer)}`));
          else if (answer.status === 'admitted' && answer.admission)
            done({ admitted: true, token: answer.admission.token });
          else if (over(answer.status)) done({ admitted: false, status: answer.status });
        } else if (packet.type === 2) {
          const turn = turnOf(packet.data as ServerEvent);
          if (turn) done(turn);
        } else if (packet.type === 4 || packet.type === 1) {
          fail(new Error(`socket refused: ${JSON.stringify(packet.data)}`));
        }
      },
    });
  });
}

async function shopper(edge: Edge, late: boolean, token: string): Promise<void> {
  const turn = await waitForTurn(edge, late, token);
  if (!turn.admitted) {
    if (turn.status === 'sold_out' || turn.status === 'all_sold') return void outcomes.soldOut++;
    outcomes.failed++;
    failures.push(`queue: ${turn.status}`);
    return;
  }
  const reserved = await call(
    edge,
    late,
    'reserve',
    `/api/drops/${job.dropId}/reservations`,
    token,
    {},
    { 'x-admission-token': turn.token },
  );
  if (reserved.status === 409 && reserved.body.code === 'sold_out') return void outcomes.soldOut++;
  if (reserved.status !== 201) {
    outcomes.failed++;
    failures.push(`reserve ${reserved.status}: ${JSON.stringify(reserved.body)}`);
    return;
  }
  const paid = await call(
    edge,
    late,
    'pay',
    `/api/reservations/${String(reserved.body.id)}/pay`,
    token,
    payBody(),
  );
  if (paid.status === 200) outcomes.paid++;
  else {
    outcomes.failed++;
    failures.push(`pay ${paid.status}: ${JSON.stringify(paid.body)}`);
  }
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(job.concurrency, tokens.length) }, async () => {
    while (next < tokens.length) {
      const i = next++;
      await shopper(edges[i % edges.length]!, i >= job.concurrency, tokens[i]!).catch((error: unknown) => {
        outcomes.failed++;
        failures.push(String(error));
      });
    }
  }),
);
const ms = performance.now() - started;
const pct = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? null
    : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
};
const summary = (of: Record<Step, number[]>) =>
  Object.fromEntries(
    (Object.keys(of) as Step[]).map((s) => [
      s,
      { count: of[s].length, p50: pct(of[s], 0.5), p99: pct(of[s], 0.99), max: pct(of[s], 1) },
    ]),
  );
process.send?.({
  type: 'result',
  shoppers: tokens.length,
  ms,
  ...outcomes,
  steps: summary(latencies),
  stepsAfterOpening: summary(afterOpening),
  failures: failures.slice(0, 5),
  received,
});
process.exit(0);
