/** AWS resource policies: RDS, ALB and listeners, security groups, ECR, ECS, CloudWatch Logs. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  coversPort,
  DATABASE_PORT,
  describePorts,
  FORBIDDEN_WORLD_PORTS,
  ingressOf,
  isWorldOpen,
  onlyPorts,
  PUBLIC_LB_PORTS,
  SG_TYPES,
} from "../lib/network.js";
import {
  asArray,
  asNumber,
  defineResourcePolicy,
  forEnv,
  isTrue,
  type PerEnv,
  type Props,
  parseJson,
  secretNameRegex,
  tryRead,
} from "../lib/policy.js";
import { DEFAULT_SECRET_NAME_PATTERN } from "./common.js";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
export const LISTENER = "aws:lb/listener:Listener";
export const ECR_REPOSITORY = "aws:ecr/repository:Repository";
export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
export const ECS_SERVICE = "aws:ecs/service:Service";
export const ECS_CLUSTER = "aws:ecs/cluster:Cluster";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
export const SCALING_TARGET = "aws:appautoscaling/target:Target";
export const BACKUP_VAULT = "aws:backup/vault:Vault";

/** TLS 1.3 security policies (TLS 1.2 fallback only with forward-secret AEAD ciphers). */
export const DEFAULT_ALLOWED_SSL_POLICIES = [
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

// --- RDS ---------------------------------------------------------------------------------------------------

const rdsStorageEncrypted = defineResourcePolicy({
  name: "aws-rds-storage-encrypted",
  description: "RDS instances encrypt their storage.",
  types: [RDS_INSTANCE],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.storageEncrypted)) {
      report(
        "Set `storageEncrypted: true` on the RDS instance (optionally with a customer-managed `kmsKeyId`).",
      );
    }
  },
});

const rdsNotPublic = defineResourcePolicy({
  name: "aws-rds-not-public",
  description: "RDS instances are never publicly accessible.",
  types: [RDS_INSTANCE],
  validate: (props, _ctx, report) => {
    if (isTrue(props.publiclyAccessible)) {
      report(
        "Set `publiclyAccessible: false` and place the instance in private subnets; the API reaches it inside the VPC.",
      );
    }
  },
});

const rdsBackupRetention = defineResourcePolicy<{ minDays: PerEnv<number> }>({
  name: "aws-rds-backup-retention",
  description: "RDS instances keep automated backups for at least the configured number of days.",
  types: [RDS_INSTANCE],
  config: {
    schema: {
      minDays: {
        description:
          "Minimum backupRetentionPeriod in days (a number, or per environment { dev, staging, prod }).",
      },
    },
    defaults: { minDays: 7 },
  },
  validate: (props, { env, config }, report) => {
    const min = forEnv(config.minDays, env, 7);
    const days = asNumber(props.backupRetentionPeriod);
    if (days === undefined) {
      report(`Set \`backupRetentionPeriod\` explicitly to at least ${min} days (it is missing).`);
    } else if (days < min) {
      report(`Raise \`backupRetentionPeriod\` from ${days} to at least ${min} days (${env}).`);
    }
  },
});

const rdsDeletionProtection = defineResourcePolicy({
  name: "aws-rds-deletion-protection",
  description: "Production RDS instances have deletion protection and take a final snapshot.",
  types: [RDS_INSTANCE],
  environments: ["prod"],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.deletionProtection))
      report("Set `deletionProtection: true` on the production database.");
    if (props.skipFinalSnapshot !== false) {
      report("Set `skipFinalSnapshot: false` so deleting the production database keeps a final snapshot.");
    }
    if (!props.finalSnapshotIdentifier) {
      report("Set `finalSnapshotIdentifier` (e.g. `<name>-final`) so the final snapshot can be taken.");
    }
  },
});

const rdsMultiAz = defineResourcePolicy({
  name: "aws-rds-multi-az",
  description: "Production RDS instances run Multi-AZ.",
  types: [RDS_INSTANCE],
  environments: ["prod"],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.multiAz))
      report("Set `multiAz: true` on the production database (standby in a second zone).");
  },
});

const rdsIamAuth = defineResourcePolicy({
  name: "aws-rds-iam-auth",
  description: "RDS instances enable IAM database authentication.",
  types: [RDS_INSTANCE],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.iamDatabaseAuthenticationEnabled)) {
      report("Set `iamDatabaseAuthenticationEnabled: true` on the RDS instance.");
    }
  },
});

const rdsManagedPassword = defineResourcePolicy({
  name: "aws-rds-managed-master-password",
  description: "The RDS master password is managed by RDS in Secrets Manager, never set by the program.",
  types: [RDS_INSTANCE],
  validate: (props, _ctx, report) => {
    // A password set from another resource's output is unknown during preview: it is still set.
    const password = "password" in props ? (tryRead(() => props.password) ?? "<unknown>") : undefined;
    if (password !== undefined && password !== null && password !== "") {
      report(
        "Remove `password` from the RDS instance and set `manageMasterUserPassword: true`; read the secret from `masterUserSecrets`.",
      );
    } else if (!isTrue(props.manageMasterUserPassword)) {
      report(
        "Set `manageMasterUserPassword: true` so RDS generates and rotates the master password in Secrets Manager.",
      );
    }
  },
});

// --- Load balancer -----------------------------------------------------------------------------------------

function isApplicationLb(props: Record<string, unknown>): boolean {
  const type = props.loadBalancerType;
  return type === undefined || type === null || type === "application";
}

const albDropInvalidHeaders = defineResourcePolicy({
  name: "aws-alb-drop-invalid-headers",
  description: "Application load balancers drop invalid HTTP header fields (request smuggling).",
  types: [LOAD_BALANCER],
  validate: (props, { args }, report) => {
    if (!isApplicationLb(props)) args.notApplicable("not an application load balancer");
    if (!isTrue(props.dropInvalidHeaderFields))
      report("Set `dropInvalidHeaderFields: true` on the load balancer.");
  },
});

const albAccessLogs = defineResourcePolicy({
  name: "aws-alb-access-logs",
  description: "Load balancers write access logs to S3 (staging and prod).",
  types: [LOAD_BALANCER],
  environments: ["staging", "prod"],
  validate: (props, _ctx, report) => {
    const logs = props.accessLogs;
    if (!logs || !isTrue(logs.enabled) || !logs.bucket) {
      report("Set `accessLogs: { bucket: <log bucket>, enabled: true }` on the load balancer.");
    }
  },
});

const albDeletionProtection = defineResourcePolicy({
  name: "aws-alb-deletion-protection",
  description: "Production load balancers have deletion protection.",
  types: [LOAD_BALANCER],
  environments: ["prod"],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.enableDeletionProtection))
      report("Set `enableDeletionProtection: true` on the load balancer.");
  },
});

function isRedirectToHttps(action: Props): boolean {
  return action?.type === "redirect" && String(action.redirect?.protocol ?? "").toUpperCase() === "HTTPS";
}

const listenerHttps = defineResourcePolicy({
  name: "aws-lb-listener-https",
  description: "Listeners serve HTTPS; a plain-HTTP listener may only redirect to HTTPS.",
  types: [LISTENER],
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
  types: [LISTENER],
  config: {
    schema: {
      allowedSslPolicies: {
        type: "array",
        items: { type: "string" },
        description: "Allowed ELB security policies.",
      },
    },
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

// --- Security groups ---------------------------------------------------------------------------------------

const sgNoWorldIngress = defineResourcePolicy<{ publicPorts: number[]; forbiddenPorts: number[] }>({
  name: "aws-sg-no-world-ingress",
  description:
    "No security group admits 0.0.0.0/0 or ::/0 except on the load balancer's public ports (80/443); never on the database or service ports.",
  types: SG_TYPES,
  config: {
    schema: {
      publicPorts: {
        type: "array",
        items: { type: "integer" },
        description: "Ports that may be open to the world.",
      },
      forbiddenPorts: {
        type: "array",
        items: { type: "integer" },
        description: "Ports that must never be open to the world (database, API, metrics).",
      },
    },
    defaults: { publicPorts: PUBLIC_LB_PORTS, forbiddenPorts: FORBIDDEN_WORLD_PORTS },
  },
  validate: (props, { config, args }, report) => {
    for (const rule of ingressOf(args.type, props, args.name)) {
      if (!isWorldOpen(rule)) continue;
      const forbidden = config.forbiddenPorts.filter((p) => coversPort(rule, p));
      if (forbidden.length > 0) {
        report(
          `${rule.origin} opens ${describePorts(rule)} to the internet, including port(s) ${forbidden.join(", ")}: remove the 0.0.0.0/0 / ::/0 source and admit only the calling security group (the load balancer's for the service, the service's for the database on ${DATABASE_PORT}).`,
        );
      } else if (!onlyPorts(rule, config.publicPorts)) {
        report(
          `${rule.origin} opens ${describePorts(rule)} to the internet: only tcp ${config.publicPorts.join("/")} on the load balancer's security group may be public; use a security-group source instead.`,
        );
      }
    }
  },
});

// --- ECR ---------------------------------------------------------------------------------------------------

const ecrScanOnPush = defineResourcePolicy({
  name: "aws-ecr-scan-on-push",
  description: "ECR repositories scan images on push.",
  types: [ECR_REPOSITORY],
  validate: (props, _ctx, report) => {
    if (!isTrue(props.imageScanningConfiguration?.scanOnPush)) {
      report("Set `imageScanningConfiguration: { scanOnPush: true }` on the repository.");
    }
  },
});

const ecrImmutableTags = defineResourcePolicy({
  name: "aws-ecr-immutable-tags",
  description: "ECR repositories have immutable tags.",
  types: [ECR_REPOSITORY],
  validate: (props, _ctx, report) => {
    if (props.imageTagMutability !== "IMMUTABLE") {
      report('Set `imageTagMutability: "IMMUTABLE"` on the repository (deploy by digest).');
    }
  },
});

// --- ECS ---------------------------------------------------------------------------------------------------

function containersOf(props: Props): Props[] {
  const parsed = parseJson(props.containerDefinitions);
  return Array.isArray(parsed) ? parsed : [];
}

const ecsNoPrivileged = defineResourcePolicy({
  name: "aws-ecs-no-privileged-containers",
  description: "ECS containers never run privileged.",
  types: [TASK_DEFINITION],
  validate: (props, _ctx, report) => {
    for (const c of containersOf(props)) {
      if (c.privileged === true) report(`Remove \`privileged: true\` from container "${c.name}".`);
    }
  },
});

const ecsReadonlyRoot = defineResourcePolicy({
  name: "aws-ecs-readonly-root-filesystem",
  description: "ECS containers run with a read-only root filesystem.",
  types: [TASK_DEFINITION],
  validate: (props, _ctx, report) => {
    const containers = containersOf(props);
    if (containers.length === 0) {
      report("`containerDefinitions` is not a JSON array of containers: set it with JSON.stringify([...]).");
    }
    for (const c of containers) {
      if (c.readonlyRootFilesystem !== true) {
        report(
          `Set \`readonlyRootFilesystem: true\` on container "${c.name}" (mount a volume for any writable path such as /tmp).`,
        );
      }
    }
  },
});

const ecsNoPlaintextSecrets = defineResourcePolicy<{ secretNamePattern: string }>({
  name: "aws-ecs-no-plaintext-secrets",
  description: "Secret-looking variables reach ECS containers through `secrets`, never plain `environment`.",
  types: [TASK_DEFINITION],
  config: {
    schema: {
      secretNamePattern: {
        type: "string",
        description: "Case-insensitive regex of secret-looking variable names.",
      },
    },
    defaults: { secretNamePattern: DEFAULT_SECRET_NAME_PATTERN },
  },
  validate: (props, { config }, report) => {
    const pattern = secretNameRegex(config.secretNamePattern, DEFAULT_SECRET_NAME_PATTERN);
    for (const c of containersOf(props)) {
      for (const variable of asArray(c.environment)) {
        if (typeof variable?.name === "string" && pattern.test(variable.name)) {
          report(
            `Container "${c.name}" sets ${variable.name} as a plain environment variable: move it to \`secrets: [{ name: "${variable.name}", valueFrom: <Secrets Manager / SSM ARN> }]\`.`,
          );
        }
      }
    }
  },
});

const ecsServiceNoPublicIp = defineResourcePolicy({
  name: "aws-ecs-service-no-public-ip",
  description: "ECS services run in private subnets without public IPs.",
  types: [ECS_SERVICE],
  validate: (props, _ctx, report) => {
    if (isTrue(props.networkConfiguration?.assignPublicIp)) {
      report(
        "Set `networkConfiguration.assignPublicIp: false` and use private subnets (egress through NAT / VPC endpoints).",
      );
    }
  },
});

const ecsContainerInsights = defineResourcePolicy({
  name: "aws-ecs-container-insights",
  description: "ECS clusters enable Container Insights.",
  types: [ECS_CLUSTER],
  validate: (props, _ctx, report) => {
    const setting = asArray(props.settings).find((s) => s?.name === "containerInsights");
    if (!setting || !["enabled", "enhanced"].includes(String(setting.value))) {
      report('Add `settings: [{ name: "containerInsights", value: "enabled" }]` to the cluster.');
    }
  },
});

// --- CloudWatch --------------------------------------------------------------------------------------------

const logGroupRetention = defineResourcePolicy({
  name: "aws-log-group-retention",
  description: "CloudWatch log groups have a finite retention.",
  types: [LOG_GROUP],
  validate: (props, _ctx, report) => {
    const days = asNumber(props.retentionInDays);
    if (days === undefined || days <= 0) {
      report(
        "Set `retentionInDays` (e.g. from the spec's logs.retentionDays) on the log group; 0/missing keeps logs forever.",
      );
    }
  },
});

export const awsPolicies: ResourceValidationPolicy[] = [
  rdsStorageEncrypted,
  rdsNotPublic,
  rdsBackupRetention,
  rdsDeletionProtection,
  rdsMultiAz,
  rdsIamAuth,
  rdsManagedPassword,
  albDropInvalidHeaders,
  albAccessLogs,
  albDeletionProtection,
  listenerHttps,
  listenerTlsPolicy,
  sgNoWorldIngress,
  ecrScanOnPush,
  ecrImmutableTags,
  ecsNoPrivileged,
  ecsReadonlyRoot,
  ecsNoPlaintextSecrets,
  ecsServiceNoPublicIp,
  ecsContainerInsights,
  logGroupRetention,
];
