import { Type } from "@sinclair/typebox";

/**
 * A non-negative Go duration as time.ParseDuration reads it: "0", or number-unit pairs with units
 * ns, us (µs, μs), ms, s, m, h, for example "30s", "1h30m", "1.5h".
 */
export const goDurationPattern = "^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$";

/** The schema of a chaos kind's optional `duration` (wrap it in `Type.Optional`). */
export const durationSchema = Type.String({
  description: 'How long the experiment runs, as a Go duration ("30s", "1h"); absent means until deleted or paused.',
  pattern: goDurationPattern,
});
