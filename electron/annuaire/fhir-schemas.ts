/**
 * zod schemas of the parts of Annuaire Santé answers Cabinet reads: a
 * searchset Bundle of Practitioner, PractitionerRole and Organization, and
 * OperationOutcome. Unknown fields are ignored (FHIR resources carry many);
 * the fields read are checked for type and size.
 */
import { z } from 'zod';

const text = (max: number) => z.string().max(max);

export const coding = z.object({ system: text(512).optional(), code: text(128).optional(), display: text(512).optional() });
export const codeableConcept = z.object({ coding: z.array(coding).max(20).optional(), text: text(512).optional() });

const subExtension = z.object({
  url: text(512),
  valueBoolean: z.boolean().optional(),
  valueString: text(2000).optional(),
  valueCode: text(128).optional(),
  valueCoding: coding.optional(),
  valueCodeableConcept: codeableConcept.optional(),
});
export const extension = subExtension.extend({ extension: z.array(subExtension).max(50).optional() });

export const contactPoint = z.object({
  system: text(32).optional(),
  value: text(320).optional(),
  rank: z.number().int().optional(),
  extension: z.array(extension).max(20).optional(),
});

const identifier = z.object({ system: text(512).optional(), value: text(128).optional() });
const humanName = z.object({
  text: text(300).optional(),
  family: text(200).optional(),
  given: z.array(text(200)).max(10).optional(),
  prefix: z.array(text(50)).max(5).optional(),
  suffix: z.array(text(50)).max(5).optional(),
});
const address = z.object({ city: text(120).optional(), postalCode: text(20).optional(), line: z.array(text(300)).max(10).optional() });
const reference = z.object({ reference: text(300).optional(), display: text(300).optional() });
const telecoms = z.array(contactPoint).max(100).optional();
const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/);

export const practitioner = z.object({
  resourceType: z.literal('Practitioner'),
  id,
  active: z.boolean().optional(),
  identifier: z.array(identifier).max(20).optional(),
  name: z.array(humanName).max(10).optional(),
  telecom: telecoms,
  qualification: z
    .array(z.object({ code: codeableConcept }))
    .max(50)
    .optional(),
});

export const practitionerRole = z.object({
  resourceType: z.literal('PractitionerRole'),
  id,
  active: z.boolean().optional(),
  practitioner: reference.optional(),
  organization: reference.optional(),
  code: z.array(codeableConcept).max(20).optional(),
  specialty: z.array(codeableConcept).max(50).optional(),
  telecom: telecoms,
});

export const organization = z.object({
  resourceType: z.literal('Organization'),
  id,
  active: z.boolean().optional(),
  identifier: z.array(identifier).max(20).optional(),
  name: text(300).optional(),
  address: z.array(address).max(10).optional(),
  telecom: telecoms,
});

export const searchBundle = z.object({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  total: z.number().int().min(0).optional(),
  link: z
    .array(z.object({ relation: text(32), url: text(4096) }))
    .max(10)
    .optional(),
  entry: z
    .array(
      z.object({
        fullUrl: text(1000).optional(),
        resource: z.looseObject({ resourceType: text(64) }),
        search: z.object({ mode: z.enum(['match', 'include', 'outcome']).optional() }).optional(),
      }),
    )
    .max(1000)
    .optional(),
});

export const operationOutcome = z.object({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(z.object({ severity: text(32).optional(), code: text(64).optional(), diagnostics: text(2000).optional() })).max(50),
});

export type Practitioner = z.infer<typeof practitioner>;
export type PractitionerRole = z.infer<typeof practitionerRole>;
export type Organization = z.infer<typeof organization>;
export type ContactPoint = z.infer<typeof contactPoint>;
export type SearchBundle = z.infer<typeof searchBundle>;
