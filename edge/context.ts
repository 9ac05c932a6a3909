/** The typed context variables every edge handler can read. */
import type { Session } from './auth/tokens.js';

/** The request's logger: lines carry its request id. */
export interface RequestLog {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface EdgeEnv {
  Variables: {
    requestId: string;
    log: RequestLog;
    /** Set by the session middleware when the request carries a valid session token or cookie. */
    session: Session | undefined;
  };
}
