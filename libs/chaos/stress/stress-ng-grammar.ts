/**
 * What a stress-ng argument string may contain, written once for the CRD (admission) and the
 * daemon (which checks again, token by token, before running anything). Which options it may
 * hold is the allowlist's (`stress-ng-allowlist.ts`).
 */

/** Characters an argument string may hold: letters, digits, `. _ % : , + = -` and spaces. No
 * shell metacharacter (`; | & $ < > ( ) ' " \` * ? ~ !`), no slash (so no path), no tab or newline. */
export const stressNgArgumentsPattern = "^[A-Za-z0-9._%:,+= -]*$";

/** "N%" or a byte count with an optional decimal (kB, MB…) or binary (KiB, MiB…) unit. */
export const memorySizePattern = "^([0-9]{1,3}%|[0-9]+(\\.[0-9]+)? ?([kKmMgGtTpP][iI]?)?[bB]?)$";
