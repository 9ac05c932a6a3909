/** The typed context variables every edge handler can read. */
import type { Logger } from 'pino';
import type { Session } from './auth/tokens.js';

export interface EdgeEnv {
  Variables: {
    requestId: string;
    log: Logger;
    /** Set by the session middleware when the request carries a valid session token or cookie. */
    session: Session | undefined;
  };
}
