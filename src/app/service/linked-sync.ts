import { isLinkedKind, LINKED_OUTCOMES } from '../../engine/service-items.ts';
import type { Actor } from '../../store/audit.ts';
import { moversOf } from '../../engine/cases.ts';
import type { CaseRow } from '../../store/cooperation/cases.ts';
import type { Queryable } from '../../store/db.ts';
import { applicationLinkedTo, type ApplicationRow } from '../../store/service/applications.ts';
import { stepApplication } from './application-moves.ts';

// The one place a linked review (a filing's, a recognition's, …) moves the application that
// opened it: called by moveCase (src/app/cooperation/cases.ts) after every change of state and
// by the application's submission, in the caller's transaction. An application still received
// is accepted first: it never skips a state. A review the applicant themself ends (a filing
// revoked by the person or their grid worker) withdraws the application rather than refusing it.

const SYSTEM: Actor = { type: 'system', id: 'one-window' };

export async function followLinkedApplication(c: Queryable, now: Date, review: CaseRow, comment: string | null, mover: Actor = SYSTEM): Promise<ApplicationRow | undefined> {
  if (!isLinkedKind(review.kind)) return undefined;
  const outcome = LINKED_OUTCOMES[review.kind](review.state);
  if (!outcome) return undefined;
  let app = await applicationLinkedTo(c, review.kind, review.number, true);
  if (!app || (app.status !== 'received' && app.status !== 'in_process')) return app;
  const said = `${review.kind} ${review.number}: ${review.state}`;
  if (outcome === 'refused' && moversOf(mover).includes('applicant')) return stepApplication(c, now, mover, app, 'cancel', { comment: comment ? `${said} (${comment})` : said });
  if (app.status === 'received') app = await stepApplication(c, now, SYSTEM, app, 'accept', { comment: said });
  return outcome === 'completed'
    ? stepApplication(c, now, SYSTEM, app, 'complete', { comment: comment ? `${said} (${comment})` : said })
    : stepApplication(c, now, SYSTEM, app, 'refuse', { reasons: [comment?.trim() || said], comment: said });
}
