import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { ApiKeyService } from "../gen/nexus/controlplane/v1/api_key_service_pb.js";
import { AuditService } from "../gen/nexus/controlplane/v1/audit_service_pb.js";
import { DeploymentService } from "../gen/nexus/controlplane/v1/deployment_service_pb.js";
import { GatewayService } from "../gen/nexus/controlplane/v1/gateway_service_pb.js";
import { PanelService } from "../gen/nexus/controlplane/v1/panel_service_pb.js";
import { TraceService } from "../gen/nexus/controlplane/v1/trace_service_pb.js";
import { WorkflowService } from "../gen/nexus/controlplane/v1/workflow_service_pb.js";
import { traceContext } from "./traceContext.js";
import { ExecutionService } from "../gen/nexus/gateway/v1/execution_service_pb.js";
import { SessionService } from "../gen/nexus/gateway/v1/session_service_pb.js";

/** The audiences of the two planes (a management token never works on a gateway). */
export const MANAGEMENT = "nexus-management";
export const GATEWAY = "nexus-gateway";

/** Where a bearer token for an audience comes from. */
export type TokenSource = (audience: string) => Promise<string>;

/** Every client the console uses: real gRPC-Web calls, generated from proto/. */
export interface Api {
  workflows: Client<typeof WorkflowService>;
  deployments: Client<typeof DeploymentService>;
  apiKeys: Client<typeof ApiKeyService>;
  audit: Client<typeof AuditService>;
  gateways: Client<typeof GatewayService>;
  panels: Client<typeof PanelService>;
  traces: Client<typeof TraceService>;
  /** Undefined when no gateway URL is configured. */
  executions?: Client<typeof ExecutionService>;
  sessions?: Client<typeof SessionService>;
}

function bearer(tokens: TokenSource, audience: string): Interceptor {
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${await tokens(audience)}`);
    return next(req);
  };
}

/** gRPC-Web transports to the control plane (the page's own origin) and the gateway. */
export function createApi(tokens: TokenSource, controlPlaneUrl: string, gatewayUrl: string): Api {
  const management = createGrpcWebTransport({
    baseUrl: controlPlaneUrl,
    interceptors: [bearer(tokens, MANAGEMENT), traceContext()],
  });
  const on = <T extends DescService>(service: T) => createClient(service, management);
  const api: Api = {
    workflows: on(WorkflowService),
    deployments: on(DeploymentService),
    apiKeys: on(ApiKeyService),
    audit: on(AuditService),
    gateways: on(GatewayService),
    panels: on(PanelService),
    traces: on(TraceService),
  };
  if (gatewayUrl) {
    const data = createGrpcWebTransport({
      baseUrl: gatewayUrl,
      interceptors: [bearer(tokens, GATEWAY), traceContext()],
    });
    api.executions = createClient(ExecutionService, data);
    api.sessions = createClient(SessionService, data);
  }
  return api;
}
