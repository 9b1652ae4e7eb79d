/** The cluster's PKI (pure): what the spec needs, issuing and reusing it, and which files each host gets. */
export { CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS, RENEW_BEFORE_DAYS, apiserverSans, classifySan, controlPlaneHosts, etcdMembers, etcdSans, firstServiceIp, hostCertId, planPki } from './plan.js';
export { isDue, issuePki, missingSans, unmet } from './issue.js';
export { isSecretPart, pkiFileContent, pkiFilesForHost, pkiLayout, pkiNeeded, withPkiFiles } from './files.js';
export type { Component, PkiFile, PkiFileOptions } from './files.js';
export { KUBECONFIG_USERS, componentKubeconfig, endpointUrl, kubeconfig, localApiserverUrl, userKubeconfig } from './kubeconfig.js';
export type { KubeconfigUser } from './kubeconfig.js';
export * from './paths.js';
export type * from './types.js';
export { CA_WARN_DAYS, checkPki, readKubeconfig } from './check.js';
export type { CertCheckReport, CertRow, CheckInput, SeenFile } from './check.js';
export { bootstrapRbacManifest } from './rbac.js';
