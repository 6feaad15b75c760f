/** Hand-written resources for the policy tests: a compliant AWS and Azure stack per environment. */
import type { EvaluatedResource, EvaluateOptions, Violation } from "../../policies/evaluate.js";
import { evaluatePolicies } from "../../policies/evaluate.js";
import type { Tier } from "../../policies/lib/environment.js";

export type Props = Record<string, unknown>;

export function tags(env: Tier, stack: string = env): Record<string, string> {
  return { project: "twincloud", environment: env, stack, "managed-by": "pulumi" };
}

/** A resource as the evaluator takes it; outputs = inputs plus a fake id `<name>-id` (like the mocks). */
export function res(
  type: string,
  name: string,
  props: Props,
  extra: Partial<EvaluatedResource> & { stack?: string } = {},
): EvaluatedResource {
  const stack = extra.stack ?? "prod";
  const { stack: _s, ...rest } = extra;
  return {
    type,
    name,
    urn: `urn:pulumi:${stack}::twincloud::${type}::${name}`,
    props,
    outputs: { id: `${name}-id`, ...props },
    ...rest,
  };
}

/** Re-derives outputs after a test mutated props. */
export function refresh(resources: EvaluatedResource[]): EvaluatedResource[] {
  return resources.map((r) => ({ ...r, outputs: { id: `${r.name}-id`, ...r.props } }));
}

export function awsStack(env: Tier = "prod"): EvaluatedResource[] {
  const t = tags(env);
  const o = { stack: env };
  const prod = env === "prod";
  return [
    res("pulumi:pulumi:Stack", `twincloud-${env}`, {}, o),
    res("aws:ec2/subnet:Subnet", "private-a", { availabilityZone: "eu-west-1a", tags: t }, o),
    res("aws:ec2/subnet:Subnet", "private-b", { availabilityZone: "eu-west-1b", tags: t }, o),
    res(
      "aws:ec2/securityGroup:SecurityGroup",
      "alb-sg",
      {
        ingress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
            ipv6CidrBlocks: ["::/0"],
          },
          { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        ],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        tags: t,
      },
      o,
    ),
    res("aws:ec2/securityGroup:SecurityGroup", "svc-sg", { tags: t }, o),
    res("aws:ec2/securityGroup:SecurityGroup", "db-sg", { tags: t }, o),
    res(
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "svc-from-alb",
      {
        type: "ingress",
        securityGroupId: "svc-sg-id",
        sourceSecurityGroupId: "alb-sg-id",
        protocol: "tcp",
        fromPort: 3000,
        toPort: 3000,
      },
      o,
    ),
    res(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "db-from-svc",
      {
        securityGroupId: "db-sg-id",
        referencedSecurityGroupId: "svc-sg-id",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
      },
      o,
    ),
    res(
      "aws:lb/loadBalancer:LoadBalancer",
      "alb",
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: ["alb-sg-id"],
        dropInvalidHeaderFields: true,
        accessLogs: { bucket: "logs-bucket", enabled: true },
        enableDeletionProtection: prod,
        tags: t,
      },
      o,
    ),
    res(
      "aws:lb/listener:Listener",
      "https",
      {
        protocol: "HTTPS",
        port: 443,
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
        defaultActions: [{ type: "forward", targetGroupArn: "tg-arn" }],
        tags: t,
      },
      o,
    ),
    res(
      "aws:lb/listener:Listener",
      "http",
      {
        protocol: "HTTP",
        port: 80,
        defaultActions: [
          { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
        ],
        tags: t,
      },
      o,
    ),
    res(
      "aws:ecr/repository:Repository",
      "repo",
      { imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE", tags: t },
      o,
    ),
    res(
      "aws:ecs/cluster:Cluster",
      "cluster",
      { settings: [{ name: "containerInsights", value: "enabled" }], tags: t },
      o,
    ),
    res(
      "aws:ecs/taskDefinition:TaskDefinition",
      "task",
      {
        cpu: prod ? "1024" : "256",
        memory: prod ? "2048" : "512",
        containerDefinitions: JSON.stringify([
          {
            name: "api",
            image: "repo@sha256:abc",
            readonlyRootFilesystem: true,
            environment: [
              { name: "PORT", value: "3000" },
              { name: "DATABASE_HOST", value: "db.abc.eu-west-1.rds.amazonaws.com" },
              { name: "DATABASE_USER", value: "twincloud_api" },
              { name: "DATABASE_PORT", value: "5432" },
              { name: "DATABASE_AUTH", value: "aws-iam" },
              { name: "DATABASE_SSL", value: "verify-full" },
              { name: "DATABASE_CA_FILE", value: "/app/dist/certs/aws-rds-ca.pem" },
            ],
            secrets: [
              {
                name: "BOOTSTRAP_API_KEY",
                valueFrom:
                  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:twincloud/bootstrap-api-key-AbCdEf",
              },
            ],
          },
        ]),
        tags: t,
      },
      o,
    ),
    // The migrator: the administrator with the RDS-managed master secret, which only it may read.
    res(
      "aws:ecs/taskDefinition:TaskDefinition",
      "migrator-task",
      {
        cpu: "256",
        memory: "512",
        containerDefinitions: JSON.stringify([
          {
            name: "migrate",
            image: "repo@sha256:abc",
            readonlyRootFilesystem: true,
            command: ["dist/api/cli/migrate.js"],
            environment: [
              { name: "DATABASE_HOST", value: "db.abc.eu-west-1.rds.amazonaws.com" },
              { name: "DATABASE_USER", value: "twincloud_app" },
              { name: "DATABASE_API_ROLE", value: "twincloud_api" },
              { name: "DATABASE_SSL", value: "verify-full" },
              { name: "DATABASE_CA_FILE", value: "/app/dist/certs/aws-rds-ca.pem" },
            ],
            secrets: [
              {
                name: "DATABASE_PASSWORD",
                valueFrom:
                  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1a2b-AbCdEf:password::",
              },
            ],
          },
        ]),
        tags: t,
      },
      o,
    ),
    res(
      "aws:ecs/service:Service",
      "service",
      {
        desiredCount: 2,
        networkConfiguration: {
          assignPublicIp: false,
          subnets: ["private-a-id", "private-b-id"],
          securityGroups: ["svc-sg-id"],
        },
        tags: t,
      },
      o,
    ),
    res(
      "aws:appautoscaling/target:Target",
      "scaling",
      { serviceNamespace: "ecs", minCapacity: 2, maxCapacity: prod ? 10 : 2, tags: t },
      o,
    ),
    res(
      "aws:rds/parameterGroup:ParameterGroup",
      "pg",
      {
        name: `twincloud-${env}-pg17`,
        family: "postgres17",
        parameters: [{ name: "rds.force_ssl", value: "1" }],
        tags: t,
      },
      o,
    ),
    res(
      "aws:rds/instance:Instance",
      "db",
      {
        engine: "postgres",
        instanceClass: prod ? "db.m7g.large" : "db.t4g.micro",
        storageEncrypted: true,
        publiclyAccessible: false,
        backupRetentionPeriod: prod ? 35 : 7,
        deletionProtection: prod,
        skipFinalSnapshot: !prod,
        ...(prod ? { finalSnapshotIdentifier: "db-final" } : {}),
        multiAz: prod,
        iamDatabaseAuthenticationEnabled: true,
        manageMasterUserPassword: true,
        parameterGroupName: `twincloud-${env}-pg17`,
        vpcSecurityGroupIds: ["db-sg-id"],
        tags: t,
      },
      { ...o, opts: { protect: prod } },
    ),
    res("aws:backup/vault:Vault", "vault", { tags: t }, { ...o, opts: { protect: prod } }),
    res("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 365, tags: t }, o),
  ];
}

export function azureStack(env: Tier = "prod"): EvaluatedResource[] {
  const t = tags(env);
  const o = { stack: env };
  const prod = env === "prod";
  return [
    res("pulumi:pulumi:Stack", `twincloud-${env}`, {}, o),
    res("azure-native:resources:ResourceGroup", "rg", { location: "westeurope", tags: t }, o),
    res("azure-native:app:ManagedEnvironment", "env", { zoneRedundant: prod, tags: t }, o),
    res(
      "azure-native:app:ContainerApp",
      "api",
      {
        configuration: {
          ingress: { external: true, allowInsecure: false, targetPort: 3000 },
          registries: [{ server: "acr.azurecr.io", identity: "identity-id" }],
          secrets: [
            {
              name: "bootstrap-api-key",
              keyVaultUrl: "https://kv/secrets/bootstrap",
              identity: "identity-id",
            },
          ],
        },
        template: {
          containers: [
            {
              name: "api",
              image: "acr.azurecr.io/api@sha256:abc",
              resources: prod ? { cpu: 1, memory: "2Gi" } : { cpu: 0.25, memory: "0.5Gi" },
              env: [
                { name: "PORT", value: "3000" },
                { name: "DATABASE_HOST", value: "pg.postgres.database.azure.com" },
                { name: "DATABASE_SSL", value: "verify-full" },
                { name: "DATABASE_CA_FILE", value: "/etc/ssl/certs/ca-certificates.crt" },
                // Its own role with its identity's Entra ID token: no password (issue 14).
                { name: "DATABASE_USER", value: "twincloud_api" },
                { name: "DATABASE_AUTH", value: "azure-entra" },
                { name: "AZURE_CLIENT_ID", value: "00000000-0000-4000-8000-000000000001" },
                { name: "BOOTSTRAP_API_KEY", secretRef: "bootstrap-api-key" },
              ],
            },
          ],
          scale: { minReplicas: prod ? 2 : 1, maxReplicas: prod ? 10 : 2 },
        },
        tags: t,
      },
      o,
    ),
    // The migrator job: the tables' owner's password by Key Vault reference, which only it may hold.
    res(
      "azure-native:app:Job",
      "migrator-job",
      {
        identity: { type: "UserAssigned", userAssignedIdentities: ["migrator-identity-id"] },
        configuration: {
          triggerType: "Manual",
          registries: [{ server: "acr.azurecr.io", identity: "migrator-identity-id" }],
          secrets: [
            {
              name: "database-owner-password",
              keyVaultUrl: "https://kv/secrets/database-password/1",
              identity: "migrator-identity-id",
            },
          ],
        },
        template: {
          containers: [
            {
              name: "migrate",
              image: "acr.azurecr.io/api@sha256:abc",
              args: ["dist/api/cli/migrate.js"],
              resources: { cpu: 0.25, memory: "0.5Gi" },
              env: [
                { name: "DATABASE_HOST", value: "pg.postgres.database.azure.com" },
                { name: "DATABASE_SSL", value: "verify-full" },
                { name: "DATABASE_CA_FILE", value: "/etc/ssl/certs/ca-certificates.crt" },
                { name: "DATABASE_USER", value: "id-twincloud-prod-migrator" },
                { name: "DATABASE_OWNER_USER", value: "twincloud_app" },
                { name: "DATABASE_OWNER_PASSWORD", secretRef: "database-owner-password" },
              ],
            },
          ],
        },
        tags: t,
      },
      o,
    ),
    res(
      "azure-native:dbforpostgresql:Server",
      "db",
      {
        sku: prod
          ? { name: "Standard_D2ds_v5", tier: "GeneralPurpose" }
          : { name: "Standard_B1ms", tier: "Burstable" },
        network: {
          publicNetworkAccess: "Disabled",
          delegatedSubnetResourceId: "/subscriptions/x/subnets/db",
          privateDnsZoneArmResourceId: "/subscriptions/x/privateDnsZones/db",
        },
        backup: { backupRetentionDays: prod ? 35 : 7, geoRedundantBackup: prod ? "Enabled" : "Disabled" },
        highAvailability: { mode: prod ? "ZoneRedundant" : "Disabled" },
        authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled", tenantId: "tenant-id" },
        tags: t,
      },
      { ...o, opts: { protect: prod } },
    ),
    res(
      "azure-native:containerregistry:Registry",
      "acr",
      { adminUserEnabled: false, sku: { name: "Standard" }, tags: t },
      o,
    ),
    res(
      "azure-native:keyvault:Vault",
      "kv",
      {
        properties: {
          enableRbacAuthorization: true,
          enablePurgeProtection: true,
          networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
        },
        tags: t,
      },
      { ...o, opts: { protect: prod } },
    ),
  ];
}

/** A Flexible Server firewall rule admitting start..end. */
export function firewall(start: string, end: string): EvaluatedResource {
  return res("azure-native:dbforpostgresql:FirewallRule", `fw-${start}-${end}`, {
    startIpAddress: start,
    endIpAddress: end,
  });
}

/** A second container app with external ingress (the prod fixture's API is the only one allowed). */
export function externalApp(): EvaluatedResource {
  return res("azure-native:app:ContainerApp", "admin", {
    configuration: { ingress: { external: true, allowInsecure: false } },
    template: { containers: [], scale: { minReplicas: 2, maxReplicas: 2 } },
    tags: tags("prod"),
  });
}

export function find(resources: EvaluatedResource[], name: string): EvaluatedResource {
  const r = resources.find((x) => x.name === name);
  if (!r) throw new Error(`fixture has no resource ${name}`);
  return r;
}

export function run(
  resources: EvaluatedResource[],
  options: Partial<EvaluateOptions> & { environment?: Tier } = {},
) {
  return evaluatePolicies(resources, { environment: options.environment ?? "prod", ...options });
}

export const byPolicy = (violations: Violation[], name: string) =>
  violations.filter((v) => v.policyName === name);
export const summary = (violations: Violation[]) =>
  violations.map((v) => `${v.enforcementLevel} ${v.policyName} ${v.resource.name}: ${v.message}`);
