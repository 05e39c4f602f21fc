import pkg from '../../package.json' with { type: 'json' };

export const APP_NAME = 'Cabinet';
export const APP_VERSION: string = pkg.version;

/** The DMP homologation number of this software (LPS_ID_HOMOLOGATION_DMP); given by the CNAM at homologation. */
export const DMP_APPROVAL_ID: string = process.env.CABINET_LPS_HOMOLOGATION_DMP?.trim() || 'CABINET-BAC-A-SABLE';
