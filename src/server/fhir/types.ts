// FHIR resources travel as plain JSON objects: the R4 specification (validated in the tests, not
// restated here as types) defines their shapes.

export interface FhirResource {
  resourceType: string;
  id?: string;
  [element: string]: unknown;
}

/** The resource types /fhir/R4 serves, and the CodeSystems it publishes. */
export const SERVED_TYPES = ['Patient', 'Coverage', 'Organization', 'Claim', 'ClaimResponse', 'ExplanationOfBenefit', 'PaymentReconciliation', 'CodeSystem'] as const;
export type ServedType = (typeof SERVED_TYPES)[number];
