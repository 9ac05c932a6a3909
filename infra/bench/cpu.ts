/**
 * CPU time spent by the processes of a benchmark, read from /proc (Linux): Dropline's processes and the load
 * generator by pid, Redis, PostgreSQL and NATS by command name (every PostgreSQL backend counts). A scenario takes
 * one reading before and one after, and reports the difference per process: where the machine's cores went.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime: 100 on every Linux this runs on. */
const TICKS = 100;
const SERVICES: Record<string, string> = {
  'redis-server': 'redis',
  postgres: 'postgres',
  'nats-server': 'nats',
};

/** utime + stime of one process in ms; 0 when it has gone. */
function cpuMs(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1000;
  } catch {
    return 0;
  }
}

/** CPU ms so far of each named pid, and of the services (summed over their processes). */
export function readCpu(pids: Record<string, number | undefined>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) if (pid !== undefined) totals[name] = cpuMs(pid);
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return totals; // no /proc: the services are not counted
  }
  for (const pid of entries) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const service = SERVICES[comm];
    if (service) totals[service] = (totals[service] ?? 0) + cpuMs(pid);
  }
  return totals;
}

/** CPU ms each process spent between two readings. */
export function cpuSpent(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, ms]) => [name, Math.round(ms - (before[name] ?? 0))]),
  );
}
