// node tools/images/test/container-get-pid.mjs <http://host:port> <containerd://id>
// One plaintext gRPC ContainerGetPid call to a daemon; prints the pid it answers.
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";

const [baseUrl, containerId] = process.argv.slice(2);
const client = createClient(ChaosDaemon, createGrpcTransport({ baseUrl }));
const { pid } = await client.containerGetPid({ containerId }, { timeoutMs: 10_000 });
console.log(pid);
