/** Load balancers and their listeners: header hygiene, access logs, deletion protection, HTTPS with TLS 1.3. */
import type { Policies } from "@pulumi/policy";
import { defineResourcePolicy, listOf, reportIf } from "../../lib/policy.js";
import { asArray, isTrue, type Props } from "../../lib/values.js";
import { aws } from "../../types.js";

/** TLS 1.3 security policies (TLS 1.2 fallback only with forward-secret AEAD ciphers). */
const DEFAULT_ALLOWED_SSL_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
];

function isApplicationLb(props: Props): boolean {
  const type = props.loadBalancerType;
  return type === undefined || type === null || type === "application";
}

const dropInvalidHeaders = defineResourcePolicy({
  name: "aws-alb-drop-invalid-headers",
  description: "Application load balancers drop invalid HTTP header fields (request smuggling).",
  types: [aws.lb.LoadBalancer],
  validate: (props, { args }, report) => {
    if (!isApplicationLb(props)) args.notApplicable("not an application load balancer");
    if (!isTrue(props.dropInvalidHeaderFields))
      report("Set `dropInvalidHeaderFields: true` on the load balancer.");
  },
});

const accessLogs = defineResourcePolicy({
  name: "aws-alb-access-logs",
  description: "Load balancers write access logs to S3 (staging and prod).",
  types: [aws.lb.LoadBalancer],
  environments: ["staging", "prod"],
  validate: reportIf((props) => {
    const logs = props.accessLogs;
    return !logs || !isTrue(logs.enabled) || !logs.bucket;
  }, "Set `accessLogs: { bucket: <log bucket>, enabled: true }` on the load balancer."),
});

const deletionProtection = defineResourcePolicy({
  name: "aws-alb-deletion-protection",
  description: "Production load balancers have deletion protection.",
  types: [aws.lb.LoadBalancer],
  environments: ["prod"],
  validate: reportIf(
    (props) => !isTrue(props.enableDeletionProtection),
    "Set `enableDeletionProtection: true` on the load balancer.",
  ),
});

function isRedirectToHttps(action: Props): boolean {
  return action?.type === "redirect" && String(action.redirect?.protocol ?? "").toUpperCase() === "HTTPS";
}

const listenerHttps = defineResourcePolicy({
  name: "aws-lb-listener-https",
  description: "Listeners serve HTTPS; a plain-HTTP listener may only redirect to HTTPS.",
  types: [aws.lb.Listener],
  validate: (props, { env }, report) => {
    const protocol = String(props.protocol ?? "HTTP").toUpperCase();
    if (protocol === "HTTPS" || protocol === "TLS") return;
    if (protocol !== "HTTP") return;
    const actions = asArray(props.defaultActions);
    if (actions.length === 1 && isRedirectToHttps(actions[0] ?? {})) return;
    report(
      `This HTTP listener forwards plain HTTP (${env}). Serve HTTPS (protocol HTTPS + certificateArn + sslPolicy) and make the port-80 listener's only default action \`{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }\`.`,
    );
  },
});

const listenerTlsPolicy = defineResourcePolicy<{ allowedSslPolicies: string[] }>({
  name: "aws-lb-listener-tls-policy",
  description: "HTTPS/TLS listeners use a TLS 1.3 security policy from the allowed list.",
  types: [aws.lb.Listener],
  config: {
    schema: { allowedSslPolicies: listOf("string", "Allowed ELB security policies.") },
    defaults: { allowedSslPolicies: DEFAULT_ALLOWED_SSL_POLICIES },
  },
  validate: (props, { config, args }, report) => {
    const protocol = String(props.protocol ?? "HTTP").toUpperCase();
    if (protocol !== "HTTPS" && protocol !== "TLS") args.notApplicable("not an HTTPS/TLS listener");
    const policy = props.sslPolicy;
    if (!policy) {
      report(
        `Set \`sslPolicy\` explicitly (the AWS default allows TLS 1.0); use one of ${config.allowedSslPolicies.join(", ")}.`,
      );
    } else if (!config.allowedSslPolicies.includes(String(policy))) {
      report(`Replace sslPolicy "${policy}" with a TLS 1.3 policy: ${config.allowedSslPolicies.join(", ")}.`);
    }
    if (!props.certificateArn) report("Set `certificateArn` on the HTTPS listener.");
  },
});

export const policies: Policies = [
  dropInvalidHeaders,
  accessLogs,
  deletionProtection,
  listenerHttps,
  listenerTlsPolicy,
];
