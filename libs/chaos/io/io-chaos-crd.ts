import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, goDurationPattern, stringEnum, type ChaosResourceOf } from "@faultline/api";
import { ioChaosActionTypes, ioChaosFileKinds, ioChaosFillings, ioChaosMethods } from "./io-action.js";

const u32 = (description: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description }));
const u64 = (description: string) => Type.Optional(Type.Integer({ minimum: 0, description }));
const timespec = (description: string) =>
  Type.Optional(
    Type.Object(
      {
        sec: Type.Integer({ description: "Seconds since the epoch." }),
        nsec: Type.Integer({ minimum: 0, maximum: 999999999, description: "Nanoseconds, 0..999999999." }),
      },
      { description },
    ),
  );

/** The CEL rules tying each action to its own field (no webhook: the API server says which is missing). */
export const ioChaosActionRules = [
  { rule: "self.action != 'latency' || (has(self.delay) && self.delay != '' && self.delay.matches('[1-9]'))", message: "a latency action needs delay, a positive Go duration such as \"100ms\"", fieldPath: ".delay", reason: "FieldValueRequired" },
  { rule: "self.action != 'fault' || (has(self.errno) && self.errno != 0)", message: "a fault action needs errno, a non-zero Linux errno such as 5 (EIO)", fieldPath: ".errno", reason: "FieldValueRequired" },
  {
    rule: `self.action != 'attrOverride' || (has(self.attr) && (${["ino", "size", "blocks", "atime", "mtime", "ctime", "kind", "perm", "nlink", "uid", "gid", "rdev"].map((f) => `has(self.attr.${f})`).join(" || ")}))`,
    message: "an attrOverride action needs attr, with at least one field", fieldPath: ".attr", reason: "FieldValueRequired",
  },
  { rule: "self.action != 'mistake' || has(self.mistake)", message: "a mistake action needs mistake {filling, maxOccurrences, maxLength}", fieldPath: ".mistake", reason: "FieldValueRequired" },
  {
    rule: "!has(self.remoteCluster) || self.remoteCluster == ''",
    message: "remote clusters are not supported: Faultline acts on the cluster it runs in",
    fieldPath: ".remoteCluster",
    reason: "FieldValueForbidden",
  },
];

/**
 * The IOChaos CRD (`iochaos.chaos-mesh.org`), Chaos Mesh's fields unchanged: `action` (latency,
 * fault, attrOverride, mistake) with its own field (`delay`, `errno`, `attr`, `mistake`), the filter
 * (`path` glob, `methods`, `percent`), `volumePath`, the container selector and `duration`. The API
 * server checks at admission (schema and CEL, no webhook) that the action's own field is there,
 * errno is non-zero, percent is 0..100, every method is known, and volumePath is absolute and not
 * `/`, naming the field.
 */
export const ioChaosCrd = defineChaosCrd({
  kind: "IOChaos",
  description:
    "IOChaos makes a volume of the target containers slow (latency), fail (fault: an errno), report wrong attributes (attrOverride) or return corrupted data (mistake), for the files matching path and the operations in methods, percent of the time. The node's daemon mounts a FUSE filesystem over volumePath inside the container, passing through to the volume, and switches the processes' open files onto it; recovery unmounts it and switches them back.",
  spec: Type.Object(
    {
      ...containerSelectorFields,
      action: stringEnum(ioChaosActionTypes, "The fault: latency (delay), fault (errno), attrOverride (attr), mistake (mistake)."),
      delay: Type.Optional(Type.String({ pattern: goDurationPattern, maxLength: 64, description: 'latency: how long each matching operation waits, a Go duration such as "100ms".' })),
      errno: u32("fault: the errno matching operations fail with, non-zero, for example 5 (EIO) or 28 (ENOSPC)."),
      attr: Type.Optional(
        Type.Object(
          {
            ino: u64("The inode number reported."),
            size: u64("The size reported, in bytes."),
            blocks: u64("The number of 512-byte blocks reported."),
            atime: timespec("The access time reported."),
            mtime: timespec("The modification time reported."),
            ctime: timespec("The status change time reported."),
            kind: Type.Optional(stringEnum(ioChaosFileKinds, "The file type reported.")),
            perm: Type.Optional(Type.Integer({ minimum: 0, maximum: 4095, description: "The permission bits reported, 0..07777 (decimal in YAML: 72 is 0110)." })),
            nlink: u32("The link count reported."),
            uid: u32("The owner's uid reported."),
            gid: u32("The group's gid reported."),
            rdev: u32("The device number reported."),
          },
          { description: "attrOverride: what stat reports instead, field by field (the others are left as they are)." },
        ),
      ),
      mistake: Type.Optional(
        Type.Object(
          {
            filling: stringEnum(ioChaosFillings, "What the corrupted bytes become: zero or random."),
            maxOccurrences: Type.Integer({ minimum: 1, description: "At most this many corrupted segments per read or write." }),
            maxLength: Type.Integer({ minimum: 1, description: "At most this many bytes per segment." }),
          },
          { description: "mistake: how what read returns and write receives is corrupted." },
        ),
      ),
      path: Type.Optional(
        Type.String({
          maxLength: 4096,
          description: "A glob of the files faulted, absolute in the container (fnmatch: * and ** also cross /), for example /data/**/*.log; empty: every file of the volume.",
          "x-kubernetes-validations": [{ rule: "self == '' || self.startsWith('/')", message: "must be empty or an absolute path glob in the container, such as /data/**", reason: "FieldValueInvalid" }],
        }),
      ),
      methods: Type.Optional(Type.Array(stringEnum(ioChaosMethods, "A filesystem operation, by its FUSE name."), { maxItems: 32, description: "The operations faulted; empty: all." })),
      percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 100, description: "How often a matching operation is faulted, in percent; default 100." })),
      volumePath: Type.String({
        maxLength: 4096,
        description: "The volume's mount path in the container (a mount point other than /, such as an emptyDir's or a PVC's mountPath).",
        "x-kubernetes-validations": [
          { rule: "self.startsWith('/') && !self.matches('^/+$')", message: "must be the absolute mount path of a volume in the container, not /", reason: "FieldValueInvalid" },
        ],
      }),
      duration: Type.Optional(durationSchema),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which containers, which volume and files, what fault, and for how long.",
      "x-kubernetes-validations": ioChaosActionRules,
    },
  ),
});

/** IOChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type IOChaos = ChaosResourceOf<typeof ioChaosCrd>;
/** The spec of an IOChaos: a ContainerSelector inline, an optional duration, and Chaos Mesh's IOChaos fields. */
export type IOChaosSpec = IOChaos["spec"];
