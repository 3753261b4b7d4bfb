// What the HTTP application is built from. Apart from app.ts so that the route modules
// app.ts mounts can name it without importing app.ts back (no import cycles).
import type { Pool } from '../store/db.ts';
import type { NotificationSender } from '../store/cooperation/notifications.ts';
import type { DocumentRegistry } from '../store/documents/registry.ts';
import type { FederationNode } from './federation/node.ts';
import type { AdmissionLimits } from './gateway/admission.ts';

export interface AppDeps {
  pool: Pool;
  /** The one clock of the process; tests inject their own. */
  now: () => Date;
  logLevel?: string;
  /** Delivers insured persons' sign-in codes (default: the logging SMS sender). */
  codeSender?: NotificationSender;
  /** The versioned documents settlement, the workbench and the simulator read (default: the process's registry). */
  documents?: DocumentRegistry;
  /** The built web pages (web/dist); absent or missing: the API only. */
  webDir?: string;
  /** This deployment's place in a federation of deployments (issue 17); absent: it settles everyone itself. */
  federation?: FederationNode;
  /** The gateway's admission control limits (issue 18; default DEFAULT_ADMISSION; env YIBAO_GATEWAY_MAX_IN_FLIGHT, YIBAO_GATEWAY_MAX_PER_INSTITUTION). */
  admission?: AdmissionLimits;
  /** The canonical base of the FHIR API's CodeSystems, identifiers and extensions (YIBAO_FHIR_BASE; docs/fhir.md). */
  fhirBase?: string;
  /** GET /metrics (issue 18): the bearer token Prometheus sends (YIBAO_METRICS_TOKEN); absent: loopback only. */
  metricsToken?: string;
  /** Where the log lines go (default stdout); tests capture them. */
  logDestination?: { write: (line: string) => unknown };
}
