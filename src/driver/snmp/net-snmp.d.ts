// The part of npm net-snmp 3.29 (no bundled types) that snmp-ups and its simulator use.
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events';

  export interface VarbindIn { oid: string; type?: number; value?: unknown }
  export interface Varbind { oid: string; type: number; value: unknown }
  export type ResponseCallback = (error: Error | null, varbinds?: Varbind[]) => void;

  export interface SessionOptions {
    port?: number; retries?: number; timeout?: number; backoff?: number;
    transport?: 'udp4' | 'udp6'; version?: number; idBitsSize?: 16 | 32;
    sourceAddress?: string; sourcePort?: number; context?: string;
  }
  export interface User {
    name: string; level: number;
    authProtocol?: string; authKey?: string; privProtocol?: string; privKey?: string;
  }
  export interface Session extends EventEmitter {
    get(oids: string[], cb: ResponseCallback): void;
    set(varbinds: VarbindIn[], cb: ResponseCallback): void;
    close(): void;
    /** The session's UDP socket (bound at creation when a source address is given). */
    dgram: import('node:dgram').Socket;
  }

  export interface MibRequest { oid: string; operation: number; done(result?: { errorStatus: number }): void }
  export interface ProviderDefinition {
    name: string; type: number; oid: string; scalarType?: number; maxAccess: number;
    handler?: (req: MibRequest) => void;
  }
  export interface Mib {
    registerProvider(def: ProviderDefinition): void;
    setScalarValue(name: string, value: unknown): boolean;
    getScalarValue(name: string): unknown;
  }
  export interface Authorizer {
    addCommunity(community: string): void;
    addUser(user: User): void;
  }
  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(cb?: () => void): void;
  }
  export interface AgentOptions {
    port?: number; address?: string | null; transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean; accessControlModelType?: number; engineID?: string;
  }

  const snmp: {
    Version1: number; Version2c: number; Version3: number;
    ObjectType: Record<string, number>;
    ErrorStatus: Record<string, number>;
    SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    AuthProtocols: Record<string, string>;
    PrivProtocols: Record<string, string>;
    MibProviderType: { Scalar: number; Table: number };
    MaxAccess: Record<string, number>;
    PduType: Record<string, number>;
    RequestTimedOutError: new (message: string) => Error;
    RequestFailedError: new (message: string, status: number) => Error & { status: number };
    createSession(target: string, community: string, options?: SessionOptions): Session;
    createV3Session(target: string, user: User, options?: SessionOptions): Session;
    createAgent(options: AgentOptions, callback: (error: Error | null, data?: unknown) => void): Agent;
    isVarbindError(vb: Varbind): boolean;
  };
  export default snmp;
}
