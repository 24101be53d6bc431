/** The OCSF schema version Portcullis' records follow (metadata.version). */
export const OCSF_VERSION = '1.3.0';
