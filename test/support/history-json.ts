// Temporal's JSON history format (as `temporal workflow show --output json` writes it), both
// ways. The SDK's historyToJSON / historyFromJSON do the same, but throw "type must be a Type"
// when npm installs more than one copy of protobufjs (as it does here: one under
// @temporalio/common, one under @temporalio/proto), because they mix the types of one copy
// with the JSON codec of the other. Using the copy @temporalio/proto itself loads works in
// either install.
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = proto.temporal.api.history.v1.IHistory;
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** The history as a plain JSON object (bytes base64, enums by name, int64 as strings). */
export function historyToJson(history: History): Record<string, unknown> {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)) as Record<string, unknown>;
}

/** A history read back from that JSON, ready for Worker.runReplayHistories. */
export function historyFromJson(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
