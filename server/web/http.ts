/**
 * The web layer's shared types: what every handler gets (the signed-in user, the session, the
 * case it may see, the translator) and the declaration of a route with its access level.
 */
import type { Request, Response } from 'express';
import type { Context } from '../context.ts';
import type { CaseAccess } from '../cases/members.ts';
import type { Lang, User } from '../users/users.ts';
import type { Session } from './sessions.ts';
import type { Translate } from './i18n.ts';

/**
 * Who may use a route:
 *   public      anyone, signed in or not
 *   signed-in   any signed-in user
 *   editor      an editor or an admin (creating cases)
 *   admin       an admin
 *   case-read   a member of the case named by :slug (or an admin); others get 404
 *   case-write  an editor member of the case (or an admin); viewers get 403, non-members 404
 */
export type Access = 'public' | 'signed-in' | 'editor' | 'admin' | 'case-read' | 'case-write';

export interface RequestState {
  /** The context for domain calls, with the signed-in user as actor. */
  ctx: Context;
  user: User | null;
  session: Session | null;
  /** Cookie value of a session made during this request (sign-in) to send back. */
  lang: Lang;
  t: Translate;
  access: CaseAccess | null;
  requestId: string;
}

export type Handler = (req: Request, res: Response, state: RequestState) => Promise<void>;

export interface RouteDef {
  method: 'GET' | 'POST';
  path: string;
  access: Access;
  handler: Handler;
  /** The handler reads a multipart body itself and checks the CSRF token as its first field. */
  multipart?: boolean;
}
