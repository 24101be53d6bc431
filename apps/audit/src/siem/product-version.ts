/** The version CEF, LEEF and OCSF records name (the platform release, package.json "version"). */
export const PRODUCT_VERSION = '0.1.0';
