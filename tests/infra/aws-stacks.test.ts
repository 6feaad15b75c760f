/**
 * The AWS program for each shipped stack (dev, staging with `cloud: aws`, prod), run once per stack under
 * Pulumi mocks with the real Pulumi.<stack>.yaml values. Asserts what each tier creates, the security-group
 * chain, secret handling, the database identities (the API with IAM authentication and no password, the
 * migrator with the master secret), and that both task definitions satisfy the API's own config schemas.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  apiEnvironmentSchema,
  DEFAULT_METRICS_PORT,
  DEFAULT_PORT,
  HEALTH_PATHS,
  SECRET_ENV_VARS,
} from "../../api/config.js";
import { AWS_RDS_CA_BUNDLE } from "../../api/db/rds-ca.js";
import { apiRoleEnvironmentSchema } from "../../api/db/roles.js";
import { awsAlarms } from "../../infra/aws/monitoring/alarms.js";
import { rdsInstanceClass } from "../../infra/aws/sizes.js";
import type { MigrationTarget, StackOutputs } from "../../infra/outputs.js";
import { program } from "../../infra/program.js";
import type { ServiceSpec } from "../../infra/spec/index.js";
import { mockInvokes } from "../../tools/mock/aws.js";
import { type CapturedResource, fakeId, type MockRunResult, runUnderMocks } from "../../tools/mock/run.js";
import { specOfConfig, stackConfig } from "../support/stacks.js";

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];

interface StackRun {
  spec: ServiceSpec;
  result: MockRunResult<StackOutputs>;
  all(type: string): CapturedResource[];
  one(type: string, name?: string): CapturedResource;
  /** The API task definition's containers. */
  containers(): ContainerDefinition[];
  /** The migrator task definition's containers. */
  migratorContainers(): ContainerDefinition[];
}

interface ContainerDefinition {
  name: string;
  image: string;
  user?: string;
  essential?: boolean;
  command?: string[];
  privileged?: boolean;
  readonlyRootFilesystem?: boolean;
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  portMappings?: { containerPort: number }[];
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  healthCheck?: { command: string[] };
  stopTimeout?: number;
  logConfiguration?: { logDriver: string; options: Record<string, string> };
}

async function runStack(stack: Stack): Promise<StackRun> {
  const config = stackConfig(stack, "aws");
  const result = await runUnderMocks<StackOutputs>(program, { stack, config });
  const spec = specOfConfig(stack, config);
  const all = (type: string) => result.resources.filter((r) => r.type === type);
  const one = (type: string, name?: string) => {
    const matches = all(type).filter((r) => name === undefined || r.name === name);
    if (matches.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${matches.length}`);
    return matches[0] as CapturedResource;
  };
  const containersOf = (family: string) =>
    JSON.parse(
      String(one("aws:ecs/taskDefinition:TaskDefinition", family).props.containerDefinitions),
    ) as ContainerDefinition[];
  return {
    spec,
    result,
    all,
    one,
    containers: () => containersOf(`${spec.name}-api`),
    migratorContainers: () => containersOf(`${spec.name}-migrate`),
  };
}

const T = {
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  waf: "aws:wafv2/webAcl:WebAcl",
  wafAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
  bucket: "aws:s3/bucket:Bucket",
  db: "aws:rds/instance:Instance",
  parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  vpc: "awsx:ec2:Vpc",
  service: "aws:ecs/service:Service",
  cluster: "aws:ecs/cluster:Cluster",
  taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  backupVault: "aws:backup/vault:Vault",
  backupPlan: "aws:backup/plan:Plan",
  backupSelection: "aws:backup/selection:Selection",
  backupReplication: "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
  provider: "pulumi:providers:aws",
  repository: "aws:ecr/repository:Repository",
  image: "docker:index/image:Image",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  kmsKey: "aws:kms/key:Key",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
} as const;

/** AWS types that have no `tags` argument (everything else must carry spec.tags). */
const UNTAGGABLE = new Set([
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:wafv2/webAclAssociation:WebAclAssociation",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:appautoscaling/policy:Policy",
  "aws:backup/selection:Selection",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
]);

/** The CA file both AWS tasks verify the database against: the bundle `npm run build` writes, under /app. */
const CA_FILE = `/app/${AWS_RDS_CA_BUNDLE}`;

/** A container's plain environment as a map. */
const envOf = (container: ContainerDefinition | undefined): Record<string, string> =>
  Object.fromEntries((container?.environment ?? []).map((v) => [v.name, v.value]));

const runs = new Map<Stack, StackRun>();
function stackRun(stack: Stack): StackRun {
  const run = runs.get(stack);
  if (!run) throw new Error(`stack ${stack} did not run`);
  return run;
}

describe.each(STACKS)("AWS stack %s", (stack) => {
  beforeAll(async () => {
    runs.set(stack, await runStack(stack));
  });

  it("only calls invokes the mocks answer", () => {
    const { result } = stackRun(stack);
    expect(result.invokes.length).toBeGreaterThan(0);
    for (const token of result.invokes) expect(Object.keys(mockInvokes)).toContain(token);
  });

  it("returns the stack outputs: URL on the domain or the ALB, image by digest, database host, alerts, dashboard", () => {
    const { result, spec } = stackRun(stack);
    const o = result.outputs;
    expect(o.cloud).toBe("aws");
    expect(o.environment).toBe(spec.environment);
    expect(o.endpointUrl).toMatch(
      spec.perCloud.aws.certificateArn
        ? /^https:\/\/.+\.elb\.amazonaws\.com$/
        : /^http:\/\/.+\.elb\.amazonaws\.com$/,
    );
    // HTTPS is served under the name the certificate covers, never the ALB's own name.
    expect(o.url).toBe(spec.ingress.domain ? `https://${spec.ingress.domain.name}` : o.endpointUrl);
    if (spec.perCloud.aws.certificateArn) expect(spec.ingress.domain).toBeDefined();
    expect(o.imageDigest).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/);
    expect(o.databaseHost).toMatch(/\.rds\.amazonaws\.com$/);
    expect(o.alertTarget).toMatch(/^arn:aws:sns:/);
    expect(o.dashboardUrl).toMatch(
      /^https:\/\/.+console\.aws\.amazon\.com\/cloudwatch\/.+#dashboards\/dashboard\//,
    );
  });

  it("returns the migration the pipeline runs: the migrator's task definition in the private subnets", () => {
    const { result, one, all, spec } = stackRun(stack);
    const migrator = one(T.taskDefinition, `${spec.name}-migrate`);
    // The API tasks' group: the only one the database admits (tests of the chain below).
    const group = all(T.sg).find((g) => g.name === `${spec.name}-service`)!;
    expect(result.outputs.migration).toEqual({
      cloud: "aws",
      cluster: one(T.cluster).state.name,
      taskDefinitionArn: migrator.state.arn,
      containerName: "migrate",
      // The service's private subnets.
      subnetIds: (one(T.service).props.networkConfiguration as { subnets: string[] }).subnets,
      securityGroupIds: [fakeId(group)],
    });
    // Resolved under the mocks: the plain value the pipeline reads with `pulumi stack output migration`.
    const migration = result.outputs.migration as unknown as Extract<MigrationTarget, { cloud: "aws" }>;
    expect(migration.subnetIds.length).toBe(spec.network.availabilityZones);
    for (const subnet of migration.subnetIds) expect(subnet).toMatch(/^subnet-prv/);
    expect(migration.taskDefinitionArn).toMatch(
      /^arn:aws:ecs:eu-west-1:\d{12}:task-definition\/.+-migrate:\d+$/,
    );
  });

  it("declares every resource under one twincloud:aws:Service component, the same tree as on Azure", () => {
    const { result, spec } = stackRun(stack);
    const component = result.resources.find((r) => r.type === "twincloud:aws:Service");
    expect(component?.name).toBe(spec.name);
    const direct = result.resources.filter(
      (r) => r !== component && r.type !== "pulumi:pulumi:Stack" && !r.parent?.includes("awsx:ec2:Vpc"),
    );
    for (const r of direct) {
      expect(`${r.type} ${r.name}: ${r.parent}`).toBe(`${r.type} ${r.name}: ${component?.urn}`);
      // Each was a child of the stack before the component existed: the alias keeps its deployed URN.
      expect(r.opts.aliases, `${r.type} ${r.name}`).toContainEqual({ noParent: true });
    }
  });

  it("tags every taggable AWS resource with the spec's tags", () => {
    const { result, spec } = stackRun(stack);
    const awsResources = result.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    expect(awsResources.length).toBeGreaterThan(40);
    for (const resource of awsResources) {
      if (UNTAGGABLE.has(resource.type)) continue;
      expect({ resource: `${resource.type} ${resource.name}`, tags: resource.props.tags }).toMatchObject({
        tags: spec.tags,
      });
    }
    expect(stackRun(stack).one(T.vpc).props.tags).toMatchObject(spec.tags);
  });

  it("builds the image for linux/amd64 from the root Dockerfile into an immutable, scanned ECR repository", () => {
    const { one, containers, result } = stackRun(stack);
    const repository = one(T.repository);
    expect(repository.props).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(one("aws:ecr/lifecyclePolicy:LifecyclePolicy").props.policy).toBeTruthy();
    const image = one(T.image);
    expect(image.props.build).toMatchObject({
      context: ".",
      dockerfile: "Dockerfile",
      platform: "linux/amd64",
    });
    // A content-derived tag: immutable tags reject re-pushing a fixed one.
    expect(image.props.imageName).toMatch(/:ctx-[0-9a-f]{20}$/);
    // Registry credentials come from ECR's token and stay secret in state.
    expect(image.props.registry).toMatchObject({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { username: "AWS", server: repository.state.repositoryUrl },
    });
    // The task runs the pushed digest, never a tag.
    const api = containers().find((c) => c.name === "api");
    expect(api?.image).toBe(result.outputs.imageDigest);
  });

  it("spans the spec's availability zones with public and private subnets and the tier's NAT strategy", () => {
    const { one, spec } = stackRun(stack);
    const vpc = one(T.vpc);
    expect(vpc.props.numberOfAvailabilityZones).toBe(spec.network.availabilityZones);
    expect(vpc.props.natGateways).toEqual({ strategy: stack === "prod" ? "OnePerAz" : "Single" });
    const types = (vpc.props.subnetSpecs as { type: string }[]).map((s) => s.type).sort();
    expect(types).toEqual(["Private", "Public"]);
    expect(spec.network.availabilityZones).toBe(stack === "prod" ? 3 : 2);
  });

  it("forms one security-group chain: internet → ALB 80/443 → service app port → database 5432", () => {
    const { all, one, spec } = stackRun(stack);
    const groups = new Map(all(T.sg).map((sg) => [fakeId(sg), sg.name]));
    const alb = `${spec.name}-alb`;
    const service = `${spec.name}-service`;
    const database = `${spec.name}-database`;
    expect([...groups.values()].sort()).toEqual([alb, database, service].sort());
    for (const sg of all(T.sg)) {
      expect(sg.props.ingress ?? []).toEqual([]);
      expect(sg.props.egress ?? []).toEqual([]);
    }
    const edge = (rule: CapturedResource) => {
      const p = rule.props as Record<string, unknown>;
      return {
        group: groups.get(String(p.securityGroupId)),
        peer: p.cidrIpv4 ?? p.cidrIpv6 ?? p.prefixListId ?? groups.get(String(p.referencedSecurityGroupId)),
        protocol: p.ipProtocol,
        from: p.fromPort,
        to: p.toPort,
      };
    };
    const ingress = all(T.ingress).map(edge);
    const publicPorts = spec.perCloud.aws.certificateArn ? [80, 443] : [80];
    expect(ingress.filter((e) => e.peer === "0.0.0.0/0").map((e) => [e.group, e.from, e.to])).toEqual(
      publicPorts.map((port) => [alb, port, port]),
    );
    expect(ingress.filter((e) => e.peer !== "0.0.0.0/0")).toEqual(
      expect.arrayContaining([
        { group: service, peer: alb, protocol: "tcp", from: DEFAULT_PORT, to: DEFAULT_PORT },
        { group: database, peer: service, protocol: "tcp", from: 5432, to: 5432 },
      ]),
    );
    expect(ingress).toHaveLength(publicPorts.length + 2);
    // Nothing reaches the metrics port, no IPv6 or other CIDR anywhere.
    for (const e of ingress) {
      expect(e.from).not.toBe(DEFAULT_METRICS_PORT);
      expect(e.protocol).toBe("tcp");
    }
    const egress = all(T.egress).map(edge);
    expect(egress).toEqual(
      expect.arrayContaining([
        { group: alb, peer: service, protocol: "tcp", from: DEFAULT_PORT, to: DEFAULT_PORT },
        { group: service, peer: database, protocol: "tcp", from: 5432, to: 5432 },
        { group: service, peer: "0.0.0.0/0", protocol: "tcp", from: 443, to: 443 },
      ]),
    );
    expect(egress).toHaveLength(3);
    // Each tier uses its group and nothing is public except the load balancer.
    expect(one(T.alb).props).toMatchObject({
      internal: false,
      securityGroups: [fakeId({ type: T.sg, name: alb })],
    });
    expect(one(T.service).props.networkConfiguration).toEqual({
      subnets: expect.arrayContaining([expect.stringMatching(/^subnet-prv/)]),
      securityGroups: [fakeId({ type: T.sg, name: service })],
      assignPublicIp: false,
    });
    expect(one(T.db).props).toMatchObject({
      publiclyAccessible: false,
      vpcSecurityGroupIds: [fakeId({ type: T.sg, name: database })],
    });
    expect(one(T.alb).props.subnets).toEqual(expect.arrayContaining([expect.stringMatching(/^subnet-pub/)]));
    // The VPC's default group is taken over and left without rules.
    const defaultGroup = one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(defaultGroup.props.ingress ?? []).toEqual([]);
    expect(defaultGroup.props.egress ?? []).toEqual([]);
  });

  it("logs VPC flows to a log group with the spec's retention", () => {
    const { one, spec } = stackRun(stack);
    const flowLog = one("aws:ec2/flowLog:FlowLog");
    const group = one(T.logGroup, `${spec.name}-vpc-flow-logs`);
    expect(flowLog.props).toMatchObject({ trafficType: "ALL", logDestination: group.state.arn });
    expect(group.props.retentionInDays).toBe(spec.logs.retentionDays);
  });

  it("keeps secrets out of the plain environment: the bootstrap key only through `secrets`, no database password", () => {
    const { containers, one, spec } = stackRun(stack);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]?.secretArn;
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:/);
    const bootstrapArn = String(
      one("aws:secretsmanager/secret:Secret", `${spec.name}-bootstrap-api-key`).state.arn,
    );
    const bootstrapVersion = String(
      one("aws:secretsmanager/secretVersion:SecretVersion", `${spec.name}-bootstrap-api-key`).state.versionId,
    );
    for (const container of containers()) {
      for (const variable of container.environment ?? []) {
        expect(SECRET_ENV_VARS as readonly string[]).not.toContain(variable.name);
        expect(variable.value).not.toMatch(/password|mock-ecr/i);
      }
    }
    const api = containers().find((c) => c.name === "api");
    // No DATABASE_PASSWORD, nothing from the master secret: the API signs IAM tokens.
    expect(api?.secrets).toEqual([
      { name: "BOOTSTRAP_API_KEY", valueFrom: `${bootstrapArn}:::${bootstrapVersion}` },
    ]);
    expect(JSON.stringify(containers())).not.toContain(secretArn);
    // The API's execution role reads exactly that secret; its task role reads none.
    const secretStatements = policyOf(stack, `${spec.name}-task-execution`).Statement.filter((s) =>
      JSON.stringify(s.Action).includes("secretsmanager"),
    );
    expect(secretStatements).toEqual([
      {
        Sid: "BootstrapKeySecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: bootstrapArn,
      },
    ]);
    expect(JSON.stringify(policyOf(stack, `${spec.name}-task`))).not.toContain("secretsmanager");
    expect(JSON.stringify(one(T.db).props)).not.toMatch(/"password"/);
    expect(one(T.db).props.manageMasterUserPassword).toBe(true);
  });

  it("lets only the migrator's execution role read the database's master secret", () => {
    const { all, one, spec } = stackRun(stack);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    const readers = all(T.rolePolicy).filter((p) => String(p.props.policy).includes(secretArn));
    expect(readers.map((p) => p.name)).toEqual([`${spec.name}-migrator-execution`]);
    const migratorRole = one(T.role, `${spec.name}-migrator-execution`);
    expect(readers[0]!.props.role).toBe(fakeId(migratorRole));
    expect(policyOf(stack, `${spec.name}-migrator-execution`).Statement).toEqual([
      expect.objectContaining({ Sid: "EcrAuth" }),
      expect.objectContaining({ Sid: "EcrPull", Resource: one(T.repository).state.arn }),
      expect.objectContaining({
        Sid: "Logs",
        Resource: `${one(T.logGroup, `${spec.name}-api-logs`).state.arn}:*`,
      }),
      {
        Sid: "DatabaseMasterSecret",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: secretArn,
      },
    ]);
    // Which role is whose: the migrator's task definition runs with it, the API's never does.
    expect(one(T.taskDefinition, `${spec.name}-migrate`).props.executionRoleArn).toBe(migratorRole.state.arn);
    const apiTask = one(T.taskDefinition, `${spec.name}-api`).props;
    expect([apiTask.executionRoleArn, apiTask.taskRoleArn]).not.toContain(migratorRole.state.arn);
  });

  it("gives the API an environment (plus its secrets) that satisfies apiEnvironmentSchema: IAM auth, verify-full", () => {
    const { containers, one, spec } = stackRun(stack);
    const api = containers().find((c) => c.name === "api");
    const env = envOf(api);
    for (const secret of api?.secrets ?? [])
      env[secret.name] = "dummy-secret-value-for-the-schema-check-0123456789";
    const parsed = apiEnvironmentSchema.safeParse(env);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(env.DATABASE_HOST).toBe(one(T.db).state.address);
    expect(env).toMatchObject({
      PORT: String(DEFAULT_PORT),
      DATABASE_PORT: "5432",
      // The least-privilege role, never the administrator (the RDS master user).
      DATABASE_USER: spec.database.apiRole,
      DATABASE_AUTH: "aws-iam",
      AWS_REGION: "eu-west-1",
      DATABASE_SSL: "verify-full",
      DATABASE_CA_FILE: CA_FILE,
      MIGRATE_ON_START: "false",
    });
    expect(env.DATABASE_USER).not.toBe(one(T.db).props.username);
    expect(env.DATABASE_PASSWORD).toBeUndefined();
  });

  it("lets the task role rds-db:connect as exactly the API's database user of this instance", () => {
    const { one, spec } = stackRun(stack);
    const db = one(T.db);
    expect(db.state.resourceId).toMatch(/^db-[A-Z0-9]+$/);
    const connect = policyOf(stack, `${spec.name}-task`).Statement.filter((s) =>
      JSON.stringify(s.Action).includes("rds-db:"),
    );
    expect(connect).toEqual([
      {
        Sid: "RdsIamConnect",
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: `arn:aws:rds-db:eu-west-1:123456789012:dbuser:${db.state.resourceId}/${spec.database.apiRole}`,
      },
    ]);
    // No other role may connect with IAM.
    const others = stackRunPolicies(stack).filter((p) => JSON.stringify(p).includes("rds-db:"));
    expect(others).toHaveLength(1);
    // And the instance accepts IAM tokens, with its certificate from the CA whose root the image ships.
    expect(db.props).toMatchObject({
      iamDatabaseAuthenticationEnabled: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
    });
  });

  it("defines the migrator: the same image and user, spec.migration's command, env and size, the master password", () => {
    const { migratorContainers, containers, one, spec } = stackRun(stack);
    const task = one(T.taskDefinition, `${spec.name}-migrate`);
    expect(task.props).toMatchObject({
      family: `${spec.name}-migrate`,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: String(spec.migration.cpu),
      memory: String(spec.migration.memoryMiB),
    });
    // It calls no AWS API: no task role.
    expect(task.props.taskRoleArn).toBeUndefined();
    const [migrate, ...others] = migratorContainers();
    expect(others).toEqual([]);
    const api = containers().find((c) => c.name === "api")!;
    expect(migrate).toMatchObject({
      name: "migrate",
      essential: true,
      image: api.image,
      user: api.user,
      privileged: false,
      readonlyRootFilesystem: true,
      command: ["dist/api/cli/migrate.js"],
    });
    expect(migrate!.command).toEqual([...spec.migration.command]);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    expect(migrate!.secrets).toEqual([{ name: "DATABASE_PASSWORD", valueFrom: `${secretArn}:password::` }]);
    const env = envOf(migrate);
    expect(env).toEqual({
      ...spec.migration.environment,
      DATABASE_HOST: one(T.db).state.address,
      DATABASE_AUTH: "password",
      DATABASE_API_AUTH: "aws-iam",
      DATABASE_CA_FILE: CA_FILE,
    });
    // The administrator migrates and creates the API's role for IAM authentication, verifying the server.
    expect(env).toMatchObject({
      DATABASE_USER: one(T.db).props.username,
      DATABASE_API_ROLE: spec.database.apiRole,
      DATABASE_SSL: "verify-full",
    });
    // Both of the migrator's schemas accept it (api/config.ts, api/db/roles.ts).
    const withSecret = { ...env, DATABASE_PASSWORD: "dummy-master-password-0123456789" };
    const config = apiEnvironmentSchema.safeParse(withSecret);
    expect(config.success, JSON.stringify(config.error?.issues)).toBe(true);
    const roles = apiRoleEnvironmentSchema.safeParse(withSecret);
    expect(roles.success, JSON.stringify(roles.error?.issues)).toBe(true);
    expect(roles.data).toMatchObject({
      DATABASE_API_ROLE: spec.database.apiRole,
      DATABASE_API_AUTH: "aws-iam",
    });
    // Its own log stream prefix in the API's log group.
    expect(migrate!.logConfiguration).toMatchObject({
      logDriver: "awslogs",
      options: {
        "awslogs-group": one(T.logGroup, `${spec.name}-api-logs`).state.name,
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "migrate",
      },
    });
  });

  it("runs the API container read-only, non-root, unprivileged, with the spec's ports, stop timeout and logs", () => {
    const { containers, one, spec } = stackRun(stack);
    const api = containers().find((c) => c.name === "api") as ContainerDefinition;
    expect(api).toMatchObject({
      readonlyRootFilesystem: true,
      privileged: false,
      stopTimeout: spec.container.stopTimeoutSeconds,
    });
    expect(api.user).toMatch(/^[1-9]\d*:\d+$/);
    expect(api.portMappings?.map((p) => p.containerPort)).toEqual([DEFAULT_PORT, DEFAULT_METRICS_PORT]);
    expect(api.mountPoints).toEqual(
      expect.arrayContaining([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]),
    );
    expect(api.healthCheck?.command[0]).toBe("CMD");
    expect(api.healthCheck?.command.join(" ")).toMatch(/healthcheck\.js/);
    const logGroup = one(T.logGroup, `${spec.name}-api-logs`);
    expect(logGroup.props.retentionInDays).toBe(spec.logs.retentionDays);
    expect(api.logConfiguration).toMatchObject({
      logDriver: "awslogs",
      options: { "awslogs-group": logGroup.state.name, "awslogs-region": "eu-west-1" },
    });
    const task = one(T.taskDefinition, `${spec.name}-api`);
    expect(task.props).toMatchObject({
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: String(spec.container.cpu * 1024),
      memory: String(spec.container.memoryMiB),
    });
    expect(one(T.cluster).props.settings).toEqual([{ name: "containerInsights", value: "enhanced" }]);
  });

  it("health-checks the target group on the readiness path and the container port", () => {
    const { one, spec } = stackRun(stack);
    const tg = one(T.targetGroup);
    expect(tg.props).toMatchObject({
      targetType: "ip",
      port: DEFAULT_PORT,
      protocol: "HTTP",
      deregistrationDelay: spec.container.deregistrationDelaySeconds,
      healthCheck: { path: HEALTH_PATHS.ready, matcher: "200" },
    });
    expect(one(T.service).props.loadBalancers).toEqual([
      { targetGroupArn: tg.state.arn, containerName: "api", containerPort: DEFAULT_PORT },
    ]);
  });

  it("configures the ALB: invalid headers dropped, idle timeout from the spec, listeners per certificate", () => {
    const { one, all, spec } = stackRun(stack);
    expect(one(T.alb).props).toMatchObject({
      dropInvalidHeaderFields: true,
      idleTimeout: spec.ingress.idleTimeoutSeconds,
      enableDeletionProtection: stack === "prod",
    });
    const listeners = all(T.listener);
    const http = listeners.find((l) => l.props.port === 80);
    if (spec.perCloud.aws.certificateArn) {
      expect(listeners).toHaveLength(2);
      const https = listeners.find((l) => l.props.port === 443);
      expect(https?.props).toMatchObject({
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn: spec.perCloud.aws.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: one(T.targetGroup).state.arn }],
      });
      // The HTTP listener only redirects, permanently, to HTTPS.
      expect(http?.props.defaultActions).toEqual([
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ]);
    } else {
      expect(listeners).toHaveLength(1);
      expect(http?.props).toMatchObject({ protocol: "HTTP", defaultActions: [{ type: "forward" }] });
    }
  });

  it("enables WAF and encrypted, private, expiring access logs only in staging and prod", () => {
    const { all, one, spec } = stackRun(stack);
    const hardened = stack !== "dev";
    expect(all(T.waf)).toHaveLength(hardened ? 1 : 0);
    expect(all(T.wafAssociation)).toHaveLength(hardened ? 1 : 0);
    expect(all(T.bucket)).toHaveLength(hardened ? 1 : 0);
    if (!hardened) {
      expect(one(T.alb).props.accessLogs).toBeUndefined();
      return;
    }
    const waf = one(T.waf);
    expect(waf.props.scope).toBe("REGIONAL");
    const rules = waf.props.rules as Record<string, unknown>[];
    expect(rules.map((r) => r.name)).toEqual([
      "rate-limit-per-ip",
      "AWSManagedRulesCommonRuleSet",
      "AWSManagedRulesKnownBadInputsRuleSet",
    ]);
    expect(rules[0]).toMatchObject({
      action: { block: {} },
      statement: {
        rateBasedStatement: { aggregateKeyType: "IP", limit: spec.ingress.waf.requestsPerFiveMinutesPerIp },
      },
    });
    for (const rule of rules) expect(rule.visibilityConfig).toMatchObject({ cloudwatchMetricsEnabled: true });
    expect(one(T.wafAssociation).props).toMatchObject({
      resourceArn: one(T.alb).state.arn,
      webAclArn: waf.state.arn,
    });

    const bucket = one(T.bucket);
    expect(one(T.alb).props.accessLogs).toEqual({
      bucket: bucket.state.bucket,
      prefix: "alb",
      enabled: true,
    });
    expect(one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").props).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").props
        .rules,
    ).toEqual([expect.objectContaining({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } })]);
    expect(one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").props.rule).toEqual({
      objectOwnership: "BucketOwnerEnforced",
    });
    expect(one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").props.rules).toEqual([
      expect.objectContaining({
        status: "Enabled",
        expiration: { days: spec.ingress.accessLogs.retentionDays },
      }),
    ]);
    const policy = JSON.parse(String(one("aws:s3/bucketPolicy:BucketPolicy").props.policy)) as {
      Statement: { Effect: string; Principal: unknown; Action: string }[];
    };
    expect(policy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
        }),
      ]),
    );
  });

  it("runs the service with rollback, zero-downtime deploys, autoscaling-owned desired count", () => {
    const { one, all, spec } = stackRun(stack);
    const service = one(T.service);
    expect(service.props).toMatchObject({
      launchType: "FARGATE",
      desiredCount: spec.scaling.minReplicas,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableExecuteCommand: stack !== "prod",
      propagateTags: "SERVICE",
    });
    expect(service.opts.ignoreChanges).toEqual(["desiredCount"]);
    const listener = all(T.listener).find((l) => JSON.stringify(l.props.defaultActions).includes("forward"));
    expect(service.dependencies).toContain(listener?.urn);

    expect(one(T.scalingTarget).props).toMatchObject({
      minCapacity: spec.scaling.minReplicas,
      maxCapacity: spec.scaling.maxReplicas,
      scalableDimension: "ecs:service:DesiredCount",
    });
    const policies = all(T.scalingPolicy).map(
      (p) => p.props.targetTrackingScalingPolicyConfiguration as Record<string, unknown>,
    );
    expect(policies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          targetValue: spec.scaling.cpuTargetPercent,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleOutCooldown: spec.scaling.scaleOutCooldownSeconds,
          scaleInCooldown: spec.scaling.scaleInCooldownSeconds,
        }),
        expect.objectContaining({
          targetValue: spec.scaling.requestsPerReplicaPerMinute,
          predefinedMetricSpecification: {
            predefinedMetricType: "ALBRequestCountPerTarget",
            resourceLabel: `${one(T.alb).state.arnSuffix}/${one(T.targetGroup).state.arnSuffix}`,
          },
        }),
      ]),
    );
    expect(policies).toHaveLength(2);
  });

  it("grants the task role only what the tier uses (ECS Exec channels outside prod)", () => {
    const { all, spec } = stackRun(stack);
    const taskPolicy = all(T.rolePolicy).find((p) => p.name === `${spec.name}-task`);
    const actions = taskPolicy ? JSON.stringify(JSON.parse(String(taskPolicy.props.policy))) : "";
    expect(actions.includes("ssmmessages:")).toBe(spec.operations.execEnabled);
    expect(actions.includes("xray:")).toBe(spec.tracing.enabled);
    // Wildcard resources only for actions that have no resource-level permissions.
    const wildcardAllowed = /^(ecr:GetAuthorizationToken|xray:[A-Za-z]+|ssmmessages:[A-Za-z]+)$/;
    for (const policy of stackRunPolicies(stack)) {
      for (const statement of policy.Statement) {
        const actions = ([] as unknown[]).concat(statement.Action).map(String);
        for (const action of actions) expect(action).not.toMatch(/\*$/);
        if (statement.Resource === "*") for (const action of actions) expect(action).toMatch(wildcardAllowed);
      }
    }
  });

  it("runs PostgreSQL 17 privately, encrypted, TLS-only, with the tier's backups and protections", () => {
    const { one, spec } = stackRun(stack);
    const db = one(T.db);
    const prod = stack === "prod";
    expect(db.props).toMatchObject({
      engine: "postgres",
      engineVersion: "17",
      instanceClass: rdsInstanceClass(spec.database.size),
      allocatedStorage: spec.database.storageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      publiclyAccessible: false,
      iamDatabaseAuthenticationEnabled: true,
      performanceInsightsEnabled: true,
      backupRetentionPeriod: spec.database.backupRetentionDays,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      multiAz: prod,
      deletionProtection: prod,
      skipFinalSnapshot: !prod,
      dbName: spec.database.name,
      username: spec.database.username,
    });
    expect((db.props.maxAllocatedStorage as number) > spec.database.storageGiB).toBe(true);
    expect(db.props.backupWindow).toBeTruthy();
    expect(db.props.maintenanceWindow).toBeTruthy();
    expect(db.opts.protect).toBe(prod);
    if (prod) expect(db.props.finalSnapshotIdentifier).toBe(`${spec.name}-db-final`);
    else expect(db.props.finalSnapshotIdentifier).toBeUndefined();
    const parameterGroup = one(T.parameterGroup);
    expect(parameterGroup.props.family).toBe("postgres17");
    expect(parameterGroup.props.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "rds.force_ssl", value: "1" })]),
    );
  });

  it("copies backups to a second region only in prod", () => {
    const { all, one, spec } = stackRun(stack);
    // The uptime check's us-east-1 provider (cloud metrics) is not a DR region.
    const drProviders = all(T.provider).filter((p) => p.name !== `${spec.name}-us-east-1`);
    if (stack !== "prod") {
      for (const type of [T.backupVault, T.backupPlan, T.backupSelection, T.backupReplication])
        expect(all(type)).toHaveLength(0);
      expect(drProviders).toHaveLength(0);
      return;
    }
    expect(drProviders).toHaveLength(1);
    const provider = drProviders[0]!;
    expect(provider.props.region).toBe(spec.perCloud.aws.drRegion);
    expect(provider.props.region).not.toBe("eu-west-1");
    const vaults = all(T.backupVault);
    expect(vaults).toHaveLength(2);
    const drVault = vaults.find((v) => v.opts.provider?.startsWith(provider.urn));
    expect(drVault).toBeDefined();
    for (const vault of vaults) expect(vault.opts.protect).toBe(true);
    const rule = (one(T.backupPlan).props.rules as Record<string, unknown>[])[0];
    expect(rule).toMatchObject({
      lifecycle: { deleteAfter: spec.database.backupRetentionDays },
      copyActions: [{ destinationVaultArn: drVault?.state.arn }],
    });
    expect(one(T.backupSelection).props.resources).toEqual([one(T.db).state.arn]);

    // RDS also replicates the automated backups (snapshots + transaction logs) to the DR region, encrypted
    // with a key of that region: point-in-time restore there, minutes behind the primary.
    const replication = one(T.backupReplication);
    expect(replication.opts.provider?.startsWith(provider.urn)).toBe(true);
    expect(replication.opts.protect).toBe(true);
    const drKey = all(T.kmsKey).find((k) => k.state.arn === replication.props.kmsKeyId);
    expect(drKey?.opts.provider?.startsWith(provider.urn)).toBe(true);
    expect(drKey?.props.enableKeyRotation).toBe(true);
    expect(replication.props).toMatchObject({
      sourceDbInstanceArn: one(T.db).state.arn,
      retentionPeriod: spec.database.backupRetentionDays,
    });
  });

  it("leaves RDS's password rotation alone: nothing redeploys the API (it has no password), the migrator reads it per run", () => {
    const { all, one, spec } = stackRun(stack);
    const secretArn = (one(T.db).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    expect(all(T.stateMachine)).toEqual([]);
    expect(all(T.eventRule).map((r) => r.props.name)).not.toContain(`${spec.name}-redeploy-on-rotation`);
    for (const rule of all(T.eventRule)) expect(String(rule.props.eventPattern)).not.toContain(secretArn);
    // ECS resolves `<arn>:password::` (AWSCURRENT) when it starts the migrator's task: a rotated password
    // is the one the next run gets.
    expect(stackRun(stack).migratorContainers()[0]!.secrets![0]!.valueFrom).toBe(`${secretArn}:password::`);
  });

  it("pages the alert topic when a backup or cross-region copy of the database fails (prod)", () => {
    const { all, one, spec } = stackRun(stack);
    const rules = all(T.eventRule).filter((r) => r.props.name === `${spec.name}-backup-job-failed`);
    if (!spec.database.crossRegionBackup.enabled) {
      expect(rules).toHaveLength(0);
      // No topic policy unless a service besides CloudWatch publishes (AMP's alert manager, with cloud metrics).
      const policies = all(T.topicPolicy);
      expect(policies).toHaveLength(spec.cloudMetrics.enabled ? 1 : 0);
      for (const policy of policies)
        expect(String(policy.props.policy)).not.toContain("events.amazonaws.com");
      return;
    }
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.props.description).toMatch(/docs\/runbook\.md#backup-job-failed$/);
    expect(JSON.parse(String(rule.props.eventPattern))).toEqual({
      source: ["aws.backup"],
      "detail-type": ["Backup Job State Change", "Copy Job State Change"],
      detail: { state: ["FAILED", "ABORTED", "EXPIRED"], resourceArn: [one(T.db).state.arn] },
    });
    const topic = one(T.topic, `${spec.name}-alerts`);
    const target = all(T.eventTarget).find((t) => t.props.rule === rule.state.name)!;
    expect(target.props).toMatchObject({ rule: rule.state.name, arn: topic.state.arn });
    expect(String((target.props.inputTransformer as { inputTemplate: string }).inputTemplate)).toMatch(
      /^".*<kind> <state> \(<reason>\).*"$/,
    );

    // Only this rule may publish besides the account's own principals (CloudWatch alarms), never over HTTP.
    const policy = JSON.parse(String(one(T.topicPolicy).props.policy)) as {
      Statement: { Sid: string; Effect: string; Principal: unknown; Condition?: unknown }[];
    };
    const bySid = Object.fromEntries(policy.Statement.map((st) => [st.Sid, st]));
    expect(bySid.AccountPrincipals?.Condition).toEqual({
      StringEquals: { "AWS:SourceOwner": expect.stringMatching(/^\d{12}$/) },
    });
    expect(bySid.BackupJobFailures).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Condition: { ArnEquals: { "aws:SourceArn": rule.state.arn } },
    });
    expect(bySid.DenyPlainHttp).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // The topic is encrypted with our key: EventBridge needs to use it too.
    const key = all(T.kmsKey).find((k) => k.state.arn === topic.props.kmsMasterKeyId);
    const keyPolicy = JSON.parse(String(key?.props.policy)) as { Statement: { Principal: unknown }[] };
    expect(keyPolicy.Statement.map((st) => st.Principal)).toContainEqual({ Service: "events.amazonaws.com" });
  });

  it("alarms on every failure mode into an SNS topic, each with a runbook anchor", () => {
    const { all, one, spec } = stackRun(stack);
    const topic = one(T.topic, `${spec.name}-alerts`);
    expect(topic.props.kmsMasterKeyId).toBeTruthy();
    // An email subscription exactly when the stack has an alert address (prod must; dev and staging ship without).
    expect(
      all(T.subscription)
        .filter((s) => s.props.topic === topic.state.arn)
        .map((s) => s.props),
    ).toEqual(
      spec.alerts.email ? [expect.objectContaining({ protocol: "email", endpoint: spec.alerts.email })] : [],
    );
    // The uptime alarm lives in us-east-1 (Route 53's metrics) and notifies a topic there, same subscriber.
    const uptimeTopic = all(T.topic).find((t) => t.name === `${spec.name}-uptime-alerts`);
    expect(uptimeTopic !== undefined).toBe(spec.cloudMetrics.enabled);
    if (spec.environment === "prod") expect(spec.alerts.email).toBeTruthy();
    const alarms = all(T.alarm);
    const expected = awsAlarms(spec);
    expect(alarms.map((a) => a.props.name).sort()).toEqual(expected.map((a) => a.name).sort());
    for (const alarm of alarms) {
      // Alarms about the alert path itself also open an OpsItem (tests/infra/aws-signals.test.ts).
      const definition = expected.find((a) => a.name === alarm.props.name);
      const target = definition?.metricsRegion ? uptimeTopic : topic;
      expect(alarm.props.alarmActions).toEqual(
        definition?.opsItemFallback
          ? [target?.state.arn, expect.stringMatching(/:opsitem:/)]
          : [target?.state.arn],
      );
      expect(alarm.props.alarmDescription).toMatch(/docs\/runbook\.md#[a-z0-9-]+$/);
    }
    const byId = (id: string) => alarms.find((a) => a.props.name === `${spec.name}-${id}`)?.props ?? {};
    expect(byId("api-latency-p95")).toMatchObject({
      extendedStatistic: "p95",
      threshold: spec.alerts.latencyP95Ms / 1000,
    });
    expect(byId("api-5xx-rate")).toMatchObject({ threshold: spec.alerts.http5xxRatePercent });
    expect(JSON.stringify(byId("api-5xx-rate").metricQueries)).toMatch(
      /HTTPCode_Target_5XX_Count.*HTTPCode_ELB_5XX_Count.*RequestCount/,
    );
    expect(byId("api-unhealthy-targets")).toMatchObject({ metricName: "UnHealthyHostCount", threshold: 0 });
    expect(all("aws:cloudwatch/dashboard:Dashboard")).toHaveLength(1);
  });
});

/** The policy document of the role policy named `name`. */
function policyOf(stack: Stack, name: string): { Statement: Record<string, unknown>[] } {
  return JSON.parse(String(stackRun(stack).one(T.rolePolicy, name).props.policy));
}

function stackRunPolicies(
  stack: Stack,
): { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] }[] {
  return stackRun(stack)
    .all(T.rolePolicy)
    .map((p) => JSON.parse(String(p.props.policy)));
}

describe("tiers compared", () => {
  it("keeps dev cheap and prod protected", () => {
    const dev = stackRun("dev");
    const prod = stackRun("prod");
    expect(rdsInstanceClass(dev.spec.database.size)).toBe("db.t4g.micro");
    expect(dev.one(T.db).props.multiAz).toBe(false);
    expect(dev.one(T.vpc).props.natGateways).toEqual({ strategy: "Single" });
    expect(dev.all(T.waf)).toHaveLength(0);
    expect(dev.result.resources.some((r) => r.opts.protect)).toBe(false);
    expect(prod.one(T.db).opts.protect).toBe(true);
    expect(prod.one(T.db).props.deletionProtection).toBe(true);
    expect(prod.one(T.alb).props.enableDeletionProtection).toBe(true);
    expect(prod.one(T.service).props.enableExecuteCommand).toBe(false);
    expect(prod.one(T.repository).props.forceDelete).toBe(false);
  });
});
