/**
 * A network interface name as the daemon takes it: a letter, digit or `_`, then at most 14 letters,
 * digits or `_ . -` (the kernel keeps 15 characters). No space, `;`, `/` or quote can get through.
 *
 * The one grammar of device names: the daemon's request validation compiles
 * {@link networkDeviceNamePattern} from it, and the NetworkChaos CRD's `device` and `targetDevice`
 * carry {@link deviceFieldPattern}, built from it, so the API server refuses at admission what the
 * daemon would refuse at apply time.
 */
export const networkDeviceNameGrammar = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}";

/** A whole string that is a device name ({@link networkDeviceNameGrammar}). */
export const networkDeviceNamePattern = new RegExp(`^${networkDeviceNameGrammar}$`);

/**
 * The CRD's `device`/`targetDevice`: empty (the default, eth0), a device name, or a device name with
 * the `@peer` that `ip link` prints (`eth0@if12`; Chaos Mesh ignores everything from `@` on, the peer
 * must be a device name too).
 */
export const deviceFieldPattern = `^(${networkDeviceNameGrammar}(@${networkDeviceNameGrammar})?)?$`;
