/**
 * The door of a process to its ring ids' RPC tables. A call names its ring id in the path
 * (`/rpc/vnode/<i>/<call>`, see common/vnodes.ts); a plain `/rpc/<call>` goes to the first,
 * so that a process's own HOST:PORT (a contact, say) answers as one of its members.
 */
import { NotAMember } from '../../common/errors.js';
import { parseVnodeRpcPath } from '../../common/vnodes.js';
import type { RpcServer } from './server.js';

/** What a transport hands node-to-node calls to. */
export interface RpcDispatch {
  /** `requestId`: the public request the call was made for, as the caller sent it (already checked). */
  dispatch(method: string, path: string, body: unknown, requestId?: string): Promise<unknown>;
  /** The method `path` takes, when it is a known call. */
  methodOf(path: string): string | undefined;
}

export class ProcessRpc implements RpcDispatch {
  /** `servers[i]` serves ring id i of the process at `address`. */
  constructor(private readonly address: string, private readonly servers: readonly RpcServer[]) {}

  dispatch(method: string, path: string, body: unknown, requestId?: string): Promise<unknown> {
    const { server, call } = this.route(path);
    return server.dispatch(method, call, body, requestId);
  }

  methodOf(path: string): string | undefined {
    const { index, path: call } = parseVnodeRpcPath(path);
    return this.servers[index ?? 0]?.methodOf(call);
  }

  private route(path: string): { server: RpcServer; call: string } {
    const { index, path: call } = parseVnodeRpcPath(path);
    const server = this.servers[index ?? 0];
    // A ring id this process does not hold (it restarted with fewer): to the caller, gone from the ring.
    if (!server) throw new NotAMember(`${this.address}#${index}`);
    return { server, call };
  }
}
