// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/**
 * Every rule against hand-written fixtures: the compliant stacks pass with no violation at all, and one
 * mutation per rule (plus edge cases) produces that rule's violation at the expected level.
 */
import { describe, expect, it } from "vitest";
import type { EvaluatedResource } from "../../policies/evaluate.js";
import type { Tier } from "../../policies/lib/environment.js";
import { policies } from "../../policies/pack.js";
import {
  awsStack,
  azureStack,
  byPolicy,
  find,
  type Props,
  refresh,
  res,
  run,
  summary,
  tags,
} from "./fixtures.js";

const TIERS: Tier[] = ["dev", "staging", "prod"];

describe("compliant fixtures", () => {
  for (const env of TIERS) {
    it(`AWS ${env}: no violation`, () => {
      expect(summary(run(awsStack(env), { environment: env }))).toEqual([]);
    });
    it(`Azure ${env}: no violation`, () => {
      expect(summary(run(azureStack(env), { environment: env }))).toEqual([]);
    });
  }
});

type Mutation = [
  title: string,
  cloud: "aws" | "azure",
  resource: string,
  mutate: (props: Props, all: EvaluatedResource[]) => void,
  policy: string,
];

/** [title, cloud, resource name, mutation of its props, policy that must report it (mandatory in prod)]. */
const mutations: Mutation[] = [
  // RDS
  ["RDS unencrypted", "aws", "db", (p) => void (p.storageEncrypted = false), "aws-rds-storage-encrypted"],
  ["RDS encryption missing", "aws", "db", (p) => void delete p.storageEncrypted, "aws-rds-storage-encrypted"],
  ["RDS public", "aws", "db", (p) => void (p.publiclyAccessible = true), "aws-rds-not-public"],
  ["RDS public (stack view)", "aws", "db", (p) => void (p.publiclyAccessible = true), "network-reachability"],
  [
    "RDS backups missing",
    "aws",
    "db",
    (p) => void delete p.backupRetentionPeriod,
    "aws-rds-backup-retention",
  ],
  ["RDS 0-day backups", "aws", "db", (p) => void (p.backupRetentionPeriod = 0), "aws-rds-backup-retention"],
  [
    "RDS 14-day backups in prod (< 30)",
    "aws",
    "db",
    (p) => void (p.backupRetentionPeriod = 14),
    "aws-rds-backup-retention",
  ],
  [
    "RDS no deletion protection",
    "aws",
    "db",
    (p) => void (p.deletionProtection = false),
    "aws-rds-deletion-protection",
  ],
  [
    "RDS skips final snapshot",
    "aws",
    "db",
    (p) => void (p.skipFinalSnapshot = true),
    "aws-rds-deletion-protection",
  ],
  [
    "RDS no final snapshot id",
    "aws",
    "db",
    (p) => void delete p.finalSnapshotIdentifier,
    "aws-rds-deletion-protection",
  ],
  ["RDS single-AZ", "aws", "db", (p) => void (p.multiAz = false), "aws-rds-multi-az"],
  ["RDS single-AZ (HA view)", "aws", "db", (p) => void (p.multiAz = false), "prod-high-availability"],
  ["RDS no IAM auth", "aws", "db", (p) => void delete p.iamDatabaseAuthenticationEnabled, "aws-rds-iam-auth"],
  [
    "RDS password in program",
    "aws",
    "db",
    (p) => void (p.password = "hunter2"),
    "aws-rds-managed-master-password",
  ],
  [
    "RDS password not managed",
    "aws",
    "db",
    (p) => void (p.manageMasterUserPassword = false),
    "aws-rds-managed-master-password",
  ],
  [
    "RDS force_ssl 0",
    "aws",
    "pg",
    (p) => void (p.parameters = [{ name: "rds.force_ssl", value: "0" }]),
    "aws-rds-force-ssl",
  ],
  ["RDS force_ssl absent", "aws", "pg", (p) => void (p.parameters = []), "aws-rds-force-ssl"],
  [
    "RDS default parameter group",
    "aws",
    "db",
    (p) => void (p.parameterGroupName = "default.postgres17"),
    "aws-rds-force-ssl",
  ],
  ["RDS not protected", "aws", "db", () => undefined, "stateful-resources-protected"],
  [
    "RDS class not allowed in prod",
    "aws",
    "db",
    (p) => void (p.instanceClass = "db.r7g.16xlarge"),
    "cost-database-size",
  ],
  // ALB / listeners
  [
    "ALB keeps invalid headers",
    "aws",
    "alb",
    (p) => void delete p.dropInvalidHeaderFields,
    "aws-alb-drop-invalid-headers",
  ],
  ["ALB no access logs", "aws", "alb", (p) => void delete p.accessLogs, "aws-alb-access-logs"],
  [
    "ALB access logs disabled",
    "aws",
    "alb",
    (p) => void (p.accessLogs = { bucket: "b", enabled: false }),
    "aws-alb-access-logs",
  ],
  [
    "ALB no deletion protection",
    "aws",
    "alb",
    (p) => void (p.enableDeletionProtection = false),
    "aws-alb-deletion-protection",
  ],
  [
    "HTTP listener forwards",
    "aws",
    "http",
    (p) => void (p.defaultActions = [{ type: "forward", targetGroupArn: "tg" }]),
    "aws-lb-listener-https",
  ],
  [
    "HTTP listener redirects to HTTP",
    "aws",
    "http",
    (p) => void (p.defaultActions = [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080" } }]),
    "aws-lb-listener-https",
  ],
  [
    "HTTPS listener with TLS 1.0 policy",
    "aws",
    "https",
    (p) => void (p.sslPolicy = "ELBSecurityPolicy-2016-08"),
    "aws-lb-listener-tls-policy",
  ],
  [
    "HTTPS listener without sslPolicy",
    "aws",
    "https",
    (p) => void delete p.sslPolicy,
    "aws-lb-listener-tls-policy",
  ],
  // Security groups (three resource types)
  [
    "inline world ingress on 5432",
    "aws",
    "db-sg",
    (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]),
    "aws-sg-no-world-ingress",
  ],
  [
    "inline world ingress, all traffic",
    "aws",
    "svc-sg",
    (p) => void (p.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]),
    "aws-sg-no-world-ingress",
  ],
  [
    "standalone rule world ingress on 3000",
    "aws",
    "svc-from-alb",
    (p) => {
      delete p.sourceSecurityGroupId;
      p.cidrBlocks = ["0.0.0.0/0"];
    },
    "aws-sg-no-world-ingress",
  ],
  [
    "vpc ingress rule ::/0 on 5432",
    "aws",
    "db-from-svc",
    (p) => {
      delete p.referencedSecurityGroupId;
      p.cidrIpv6 = "::/0";
    },
    "aws-sg-no-world-ingress",
  ],
  [
    "vpc ingress rule world on 9464 (metrics)",
    "aws",
    "db-from-svc",
    (p) => {
      delete p.referencedSecurityGroupId;
      p.cidrIpv4 = "0.0.0.0/0";
      p.fromPort = 9464;
      p.toPort = 9464;
    },
    "aws-sg-no-world-ingress",
  ],
  [
    "ALB SG world range 80-443",
    "aws",
    "alb-sg",
    (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 80, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
    "aws-sg-no-world-ingress",
  ],
  [
    "443 open to the world on the service SG (not the LB's)",
    "aws",
    "svc-sg",
    (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
    "network-reachability",
  ],
  [
    "service SG admits a CIDR instead of the ALB",
    "aws",
    "svc-from-alb",
    (p) => {
      delete p.sourceSecurityGroupId;
      p.cidrBlocks = ["10.0.0.0/8"];
    },
    "network-reachability",
  ],
  [
    "DB SG admits the ALB instead of the service",
    "aws",
    "db-from-svc",
    (p) => void (p.referencedSecurityGroupId = "alb-sg-id"),
    "network-reachability",
  ],
  [
    "DB SG admits the service on 22",
    "aws",
    "db-from-svc",
    (p) => Object.assign(p, { fromPort: 22, toPort: 22 }),
    "network-reachability",
  ],
  // ECR
  [
    "ECR no scan on push",
    "aws",
    "repo",
    (p) => void delete p.imageScanningConfiguration,
    "aws-ecr-scan-on-push",
  ],
  [
    "ECR mutable tags",
    "aws",
    "repo",
    (p) => void (p.imageTagMutability = "MUTABLE"),
    "aws-ecr-immutable-tags",
  ],
  // ECS
  [
    "privileged container",
    "aws",
    "task",
    (p) =>
      void (p.containerDefinitions = JSON.stringify([
        { name: "api", privileged: true, readonlyRootFilesystem: true },
      ])),
    "aws-ecs-no-privileged-containers",
  ],
  [
    "writable root filesystem",
    "aws",
    "task",
    (p) => void (p.containerDefinitions = JSON.stringify([{ name: "api" }])),
    "aws-ecs-readonly-root-filesystem",
  ],
  [
    "plaintext DATABASE_PASSWORD env var",
    "aws",
    "task",
    (p) =>
      void (p.containerDefinitions = JSON.stringify([
        {
          name: "api",
          readonlyRootFilesystem: true,
          environment: [{ name: "DATABASE_PASSWORD", value: "x" }],
        },
      ])),
    "aws-ecs-no-plaintext-secrets",
  ],
  [
    "plaintext api_token env var (case-insensitive)",
    "aws",
    "task",
    (p) =>
      void (p.containerDefinitions = JSON.stringify([
        {
          name: "api",
          readonlyRootFilesystem: true,
          environment: [{ name: "stripe_api_token", value: "x" }],
        },
      ])),
    "aws-ecs-no-plaintext-secrets",
  ],
  [
    "task size not allowed",
    "aws",
    "task",
    (p) => Object.assign(p, { cpu: "4096", memory: "30720" }),
    "cost-task-size",
  ],
  [
    "service with public IP",
    "aws",
    "service",
    (p) => void ((p.networkConfiguration as Props).assignPublicIp = true),
    "aws-ecs-service-no-public-ip",
  ],
  [
    "one replica in prod (service)",
    "aws",
    "service",
    (p) => void (p.desiredCount = 1),
    "prod-high-availability",
  ],
  [
    "one replica in prod (scaling)",
    "aws",
    "scaling",
    (p) => void (p.minCapacity = 1),
    "prod-high-availability",
  ],
  [
    "service in one subnet",
    "aws",
    "service",
    (p) => void ((p.networkConfiguration as Props).subnets = ["private-a-id"]),
    "prod-high-availability",
  ],
  ["too many replicas", "aws", "scaling", (p) => void (p.maxCapacity = 500), "cost-max-replicas"],
  [
    "cluster without Container Insights",
    "aws",
    "cluster",
    (p) => void delete p.settings,
    "aws-ecs-container-insights",
  ],
  // Logs
  ["log group kept forever", "aws", "logs", (p) => void delete p.retentionInDays, "aws-log-group-retention"],
  ["log group retention 0", "aws", "logs", (p) => void (p.retentionInDays = 0), "aws-log-group-retention"],
  // Tags
  [
    "missing managed-by tag",
    "aws",
    "repo",
    (p) => void (p.tags = { ...tags("prod"), "managed-by": "" }),
    "required-tags",
  ],
  ["no tags at all", "aws", "logs", (p) => void delete p.tags, "required-tags"],
  // Azure
  [
    "insecure ingress",
    "azure",
    "api",
    (p) => void (((p.configuration as Props).ingress as Props).allowInsecure = true),
    "azure-containerapp-no-insecure-ingress",
  ],
  [
    "registry with password",
    "azure",
    "api",
    (p) =>
      void ((p.configuration as Props).registries = [
        { server: "acr.azurecr.io", username: "admin", passwordSecretRef: "acr-password" },
      ]),
    "azure-containerapp-registry-identity",
  ],
  [
    "plain secret value",
    "azure",
    "api",
    (p) => void ((p.configuration as Props).secrets = [{ name: "database-password", value: "hunter2" }]),
    "azure-containerapp-no-plaintext-secrets",
  ],
  [
    "plaintext password env var",
    "azure",
    "api",
    (p) =>
      void (((p.template as Props).containers as Props[])[0]!.env = [
        { name: "DATABASE_PASSWORD", value: "hunter2" },
      ]),
    "azure-containerapp-no-plaintext-secrets",
  ],
  [
    "one replica in prod",
    "azure",
    "api",
    (p) => void ((p.template as Props).scale = { maxReplicas: 10 }),
    "prod-high-availability",
  ],
  [
    "too many replicas",
    "azure",
    "api",
    (p) => void ((p.template as Props).scale = { minReplicas: 2, maxReplicas: 300 }),
    "cost-max-replicas",
  ],
  [
    "container app too big",
    "azure",
    "api",
    (p) => void (((p.template as Props).containers as Props[])[0]!.resources = { cpu: 4, memory: "16Gi" }),
    "cost-task-size",
  ],
  ["second external app", "azure", "api", (_p, all) => void all.push(externalApp()), "network-reachability"],
  [
    "environment not zone-redundant",
    "azure",
    "env",
    (p) => void (p.zoneRedundant = false),
    "prod-high-availability",
  ],
  [
    "public database",
    "azure",
    "db",
    (p) => void (p.network = { publicNetworkAccess: "Enabled" }),
    "azure-postgres-private",
  ],
  [
    "public database (stack view)",
    "azure",
    "db",
    (p) => void (p.network = { publicNetworkAccess: "Enabled" }),
    "network-reachability",
  ],
  [
    "0-day backups",
    "azure",
    "db",
    (p) => void (p.backup = { backupRetentionDays: 0, geoRedundantBackup: "Enabled" }),
    "azure-postgres-backup-retention",
  ],
  [
    "backups missing",
    "azure",
    "db",
    (p) => void (p.backup = { geoRedundantBackup: "Enabled" }),
    "azure-postgres-backup-retention",
  ],
  [
    "no geo backup",
    "azure",
    "db",
    (p) => void (p.backup = { backupRetentionDays: 35 }),
    "azure-postgres-geo-redundant-backup",
  ],
  [
    "HA disabled",
    "azure",
    "db",
    (p) => void (p.highAvailability = { mode: "Disabled" }),
    "azure-postgres-high-availability",
  ],
  ["HA missing (stack view)", "azure", "db", (p) => void delete p.highAvailability, "prod-high-availability"],
  [
    "burstable SKU in prod",
    "azure",
    "db",
    (p) => void (p.sku = { name: "Standard_B1ms", tier: "Burstable" }),
    "cost-database-size",
  ],
  ["database not protected", "azure", "db", () => undefined, "stateful-resources-protected"],
  ["registry admin user", "azure", "acr", (p) => void (p.adminUserEnabled = true), "azure-acr-no-admin-user"],
  [
    "vault with access policies",
    "azure",
    "kv",
    (p) => void delete (p.properties as Props).enableRbacAuthorization,
    "azure-keyvault-rbac",
  ],
  [
    "vault without purge protection",
    "azure",
    "kv",
    (p) => void ((p.properties as Props).enablePurgeProtection = false),
    "azure-keyvault-purge-protection",
  ],
  ["vault not protected", "azure", "kv", () => undefined, "stateful-resources-protected"],
  [
    "allow-all firewall rule",
    "azure",
    "db",
    (_p, all) => void all.push(firewall("0.0.0.0", "255.255.255.255")),
    "azure-postgres-no-allow-all-firewall",
  ],
  [
    "allow Azure services firewall rule",
    "azure",
    "db",
    (_p, all) => void all.push(firewall("0.0.0.0", "0.0.0.0")),
    "azure-postgres-no-allow-all-firewall",
  ],
  [
    "any firewall rule (stack view)",
    "azure",
    "db",
    (_p, all) => void all.push(firewall("203.0.113.5", "203.0.113.5")),
    "network-reachability",
  ],
];

function firewall(start: string, end: string): EvaluatedResource {
  return res("azure-native:dbforpostgresql:FirewallRule", `fw-${start}-${end}`, {
    startIpAddress: start,
    endIpAddress: end,
  });
}
function externalApp(): EvaluatedResource {
  return res("azure-native:app:ContainerApp", "admin", {
    configuration: { ingress: { external: true, allowInsecure: false } },
    template: { containers: [], scale: { minReplicas: 2, maxReplicas: 2 } },
    tags: tags("prod"),
  });
}

describe("each rule blocks its violation (prod config: mandatory)", () => {
  it("covers every policy in the pack", () => {
    const covered = new Set(mutations.map((m) => m[4]));
    const uncovered = policies
      .map((p) => p.name)
      .filter(
        (n) => !covered.has(n) && !["environment-config-match", "azure-keyvault-network-deny"].includes(n),
      );
    expect(uncovered).toEqual([]);
  });

  for (const [title, cloud, name, mutate, policy] of mutations) {
    it(`${cloud}: ${title} → ${policy}`, () => {
      const stack = structuredClone(cloud === "aws" ? awsStack("prod") : azureStack("prod"));
      const target = find(stack, name);
      mutate(target.props, stack);
      if (title.includes("not protected")) target.opts = { protect: false };
      const violations = byPolicy(run(refresh(stack)), policy);
      expect(violations.length, `expected ${policy} to report`).toBeGreaterThan(0);
      expect(violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
      expect(violations[0]!.message.length).toBeGreaterThan(20);
    });
  }
});

describe("edge cases", () => {
  it("an HTTP listener whose only action redirects to HTTPS passes; a redirect plus a forward does not", () => {
    const stack = awsStack("prod");
    expect(byPolicy(run(stack), "aws-lb-listener-https")).toEqual([]);
    const http = find(stack, "http");
    (http.props.defaultActions as Props[]).push({ type: "forward", targetGroupArn: "tg" });
    expect(byPolicy(run(stack), "aws-lb-listener-https")).toHaveLength(1);
  });

  it("an egress-only standalone rule is ignored; SG egress to the world is fine", () => {
    const stack = awsStack("prod");
    stack.push(
      res("aws:ec2/securityGroupRule:SecurityGroupRule", "egress", {
        type: "egress",
        securityGroupId: "svc-sg-id",
        protocol: "-1",
        fromPort: 0,
        toPort: 0,
        cidrBlocks: ["0.0.0.0/0"],
      }),
    );
    expect(summary(run(stack))).toEqual([]);
  });

  it("world ingress on the database port is also reported by the reachability stack policy", () => {
    const stack = awsStack("prod");
    find(stack, "db-from-svc").props = {
      securityGroupId: "db-sg-id",
      cidrIpv4: "0.0.0.0/0",
      ipProtocol: "tcp",
      fromPort: 5432,
      toPort: 5432,
    };
    const v = run(refresh(stack));
    expect(byPolicy(v, "aws-sg-no-world-ingress")[0]?.message).toMatch(/5432/);
    expect(byPolicy(v, "network-reachability").length).toBeGreaterThan(0);
  });

  it("resolves security groups through dependencies when outputs carry no id", () => {
    const stack = awsStack("prod").map((r) => ({ ...r, outputs: r.props }));
    const urn = (n: string) => find(stack, n).urn;
    find(stack, "alb").dependencies = [urn("alb-sg")];
    find(stack, "service").dependencies = [urn("svc-sg"), urn("private-a"), urn("private-b")];
    find(stack, "db").dependencies = [urn("db-sg"), urn("pg")];
    find(stack, "svc-from-alb").dependencies = [urn("svc-sg"), urn("alb-sg")];
    find(stack, "svc-from-alb").propertyDependencies = {
      securityGroupId: [urn("svc-sg")],
      sourceSecurityGroupId: [urn("alb-sg")],
    };
    find(stack, "db-from-svc").dependencies = [urn("db-sg"), urn("svc-sg")];
    find(stack, "db-from-svc").propertyDependencies = {
      securityGroupId: [urn("db-sg")],
      referencedSecurityGroupId: [urn("svc-sg")],
    };
    expect(summary(run(stack))).toEqual([]);
    // and a world-open 443 on the service group is still found
    find(stack, "svc-sg").props.ingress = [
      { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
    ];
    expect(byPolicy(run(stack), "network-reachability")).toHaveLength(1);
  });

  it("containerDefinitions that is not JSON is reported, not a crash", () => {
    const stack = awsStack("prod");
    find(stack, "task").props.containerDefinitions = "not json";
    expect(byPolicy(run(stack), "aws-ecs-readonly-root-filesystem")).toHaveLength(1);
  });

  it("Flexible Server VNet-integrated without an explicit publicNetworkAccess is private", () => {
    const stack = azureStack("prod");
    find(stack, "db").props.network = { delegatedSubnetResourceId: "/subnets/db" };
    expect(summary(run(refresh(stack)))).toEqual([]);
  });

  it("a Flexible Server with no network block at all is public", () => {
    const stack = azureStack("prod");
    delete find(stack, "db").props.network;
    expect(byPolicy(run(refresh(stack)), "azure-postgres-private")).toHaveLength(1);
  });

  it("a narrow firewall rule passes the resource rule but not the reachability rule", () => {
    const stack = [...azureStack("prod"), firewall("203.0.113.5", "203.0.113.5")];
    const v = run(stack);
    expect(byPolicy(v, "azure-postgres-no-allow-all-firewall")).toEqual([]);
    expect(byPolicy(v, "network-reachability")).toHaveLength(1);
  });

  it("types without tags in their schema (SG rules, firewall rules) need no tags", () => {
    const v = run([...awsStack("prod"), firewall("10.0.0.1", "10.0.0.1")]);
    expect(byPolicy(v, "required-tags")).toEqual([]);
  });

  it("AWS provider defaultTags count as the resource's tags", () => {
    const provider = res("pulumi:providers:aws", "aws", {
      region: "eu-west-1",
      defaultTags: { tags: tags("prod") },
    });
    const repo = find(awsStack("prod"), "repo");
    delete repo.props.tags;
    repo.opts = { provider: `${provider.urn}::provider-id` };
    expect(byPolicy(run([provider, repo]), "required-tags")).toEqual([]);
    repo.opts = {};
    expect(byPolicy(run([provider, repo]), "required-tags")).toHaveLength(1);
  });

  it("a value unknown during preview yields an advisory 'can't run' instead of passing or crashing", () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const stack = awsStack("prod");
    find(stack, "db").props.publiclyAccessible = UNKNOWN;
    const v = byPolicy(run(stack), "aws-rds-not-public");
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ enforcementLevel: "advisory" });
    expect(v[0]!.message).toMatch(/during preview/);
  });

  it("an unknown security-group id does not hide a definite violation elsewhere", () => {
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const stack = awsStack("prod");
    find(stack, "svc-from-alb").props.sourceSecurityGroupId = UNKNOWN;
    find(stack, "db").props.publiclyAccessible = true;
    const v = byPolicy(run(refresh(stack)), "network-reachability");
    expect(v.some((x) => x.enforcementLevel === "mandatory" && /publicly accessible/.test(x.message))).toBe(
      true,
    );
  });
});

describe("required tags during preview", () => {
  it("an unknown tag map is a can't-run advisory, not a missing-tag violation", () => {
    const stack = awsStack("prod");
    find(stack, "repo").props.tags = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";
    const v = byPolicy(run(stack), "required-tags");
    expect(v.map((x) => x.enforcementLevel)).toEqual(["advisory"]);
  });
});

describe("advisory-by-design rules", () => {
  it("Key Vault networks that allow by default are advisory in every environment", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const stack = azureStack(env);
      (find(stack, "kv").props.properties as Props).networkAcls = { defaultAction: "Allow" };
      const v = byPolicy(run(stack, { environment: env }), "azure-keyvault-network-deny");
      expect(v.map((x) => x.enforcementLevel)).toEqual(["advisory"]);
      expect(v[0]!.message).toMatch(/defaultAction: "Deny"/);
    }
  });
});

describe("the VPC's default security group", () => {
  it("world ingress on it is blocked by the resource and the stack rule", () => {
    const stack = awsStack("prod");
    stack.push(
      res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", {
        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        tags: tags("prod"),
      }),
    );
    const v = run(stack);
    expect(byPolicy(v, "aws-sg-no-world-ingress")).toHaveLength(1);
    expect(byPolicy(v, "network-reachability")).toHaveLength(1);
  });
});
