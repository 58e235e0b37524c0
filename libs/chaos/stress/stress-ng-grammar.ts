/**
 * What a stress-ng argument string may contain, written once for the CRD (admission) and the
 * daemon (which checks again, token by token, before running anything).
 */

/** Characters an argument string may hold: letters, digits, `. _ % : , + = -` and spaces. No
 * shell metacharacter (`; | & $ < > ( ) ' " \` * ? ~ !`), no slash (so no path), no tab or newline. */
export const stressNgArgumentsPattern = "^[A-Za-z0-9._%:,+= -]*$";

/**
 * Options refused everywhere: those that make stress-ng read or write a file on the node (a job
 * file, a log, YAML output, a temporary directory) or change the node's own settings (ftrace,
 * CPU frequency governor). The stressor runs with the daemon's root and mount namespace.
 */
export const stressNgForbiddenOptions: readonly string[] = ["--job", "-j", "--log-file", "--yaml", "-Y", "--temp-path", "--ftrace", "--ignite-cpu"];

/** A regular expression (RE2 and JavaScript alike) that finds a forbidden option in an argument string. */
export const stressNgForbiddenOptionPattern = `(^|\\s)(${stressNgForbiddenOptions.join("|")})(=|\\s|$)`;

/** "N%" or a byte count with an optional decimal (kB, MB…) or binary (KiB, MiB…) unit. */
export const memorySizePattern = "^([0-9]{1,3}%|[0-9]+(\\.[0-9]+)? ?([kKmMgGtTpP][iI]?)?[bB]?)$";
