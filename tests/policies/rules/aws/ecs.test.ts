// biome-ignore-all lint/suspicious/noAssignInExpressions: the mutation table assigns inside one-line arrow functions.
/** policies/rules/aws/ecs.ts: containers of task definitions, services, clusters. */
import { describe, expect, it } from "vitest";
import { awsStack, byPolicy, find, type Props, refresh, run } from "../../fixtures.js";
import { blocksEach } from "../mutations.js";

/** Replaces the task definition's containers. */
const containers =
  (...defs: Props[]) =>
  (p: Props) =>
    void (p.containerDefinitions = JSON.stringify(defs));

/** Edits the fixture's own containers (parsed, changed, written back). */
const editContainers = (edit: (defs: Props[]) => void) => (p: Props) => {
  const defs = JSON.parse(String(p.containerDefinitions)) as Props[];
  edit(defs);
  p.containerDefinitions = JSON.stringify(defs);
};
type Variable = { name: string; value?: string; valueFrom?: string };
const envOf = (c: Props) => c.environment as Variable[];
const setEnv = (c: Props, name: string, value: string) =>
  void (envOf(c).find((v) => v.name === name)!.value = value);
const MASTER_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1a2b-AbCdEf";

blocksEach("aws/ecs", [
  [
    "privileged container",
    "aws",
    "task",
    containers({ name: "api", privileged: true, readonlyRootFilesystem: true }),
    "aws-ecs-no-privileged-containers",
  ],
  [
    "writable root filesystem",
    "aws",
    "task",
    containers({ name: "api" }),
    "aws-ecs-readonly-root-filesystem",
  ],
  [
    "plaintext DATABASE_PASSWORD env var",
    "aws",
    "task",
    containers({
      name: "api",
      readonlyRootFilesystem: true,
      environment: [{ name: "DATABASE_PASSWORD", value: "x" }],
    }),
    "aws-ecs-no-plaintext-secrets",
  ],
  [
    "plaintext api_token env var (case-insensitive)",
    "aws",
    "task",
    containers({
      name: "api",
      readonlyRootFilesystem: true,
      environment: [{ name: "stripe_api_token", value: "x" }],
    }),
    "aws-ecs-no-plaintext-secrets",
  ],
  [
    "database TLS require (no verification) on the API",
    "aws",
    "task",
    editContainers(([api]) => setEnv(api!, "DATABASE_SSL", "require")),
    "aws-ecs-database-tls-verify-full",
  ],
  [
    "database TLS verify-full without a CA file on the API",
    "aws",
    "task",
    editContainers(([api]) => {
      const env = envOf(api!);
      env.splice(
        env.findIndex((v) => v.name === "DATABASE_CA_FILE"),
        1,
      );
    }),
    "aws-ecs-database-tls-verify-full",
  ],
  [
    "database TLS unset (the API's default, prefer) on the migrator",
    "aws",
    "migrator-task",
    editContainers(([migrate]) => {
      migrate!.environment = envOf(migrate!).filter((v) => v.name !== "DATABASE_SSL");
    }),
    "aws-ecs-database-tls-verify-full",
  ],
  [
    "API connects as the administrator (the RDS master user)",
    "aws",
    "task",
    editContainers(([api]) => setEnv(api!, "DATABASE_USER", "twincloud_app")),
    "aws-ecs-api-database-identity",
  ],
  [
    "API receives DATABASE_PASSWORD as a secret",
    "aws",
    "task",
    editContainers(([api]) => {
      (api!.secrets as Variable[]).push({
        name: "DATABASE_PASSWORD",
        valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-db-password-AbCdEf",
      });
    }),
    "aws-ecs-api-database-identity",
  ],
  [
    "API receives the RDS-managed master secret under another name",
    "aws",
    "task",
    editContainers(([api]) => {
      (api!.secrets as Variable[]).push({ name: "PGPASSWORD", valueFrom: `${MASTER_SECRET}:password::` });
    }),
    "aws-ecs-api-database-identity",
  ],
  [
    "API receives a DATABASE_URL",
    "aws",
    "task",
    editContainers(([api]) => {
      (api!.secrets as Variable[]).push({ name: "DATABASE_URL", valueFrom: `${MASTER_SECRET}:url::` });
    }),
    "aws-ecs-api-database-identity",
  ],
  [
    "a task that is not the migrator (another command) reads the master secret",
    "aws",
    "migrator-task",
    editContainers(([migrate]) => void (migrate!.command = ["dist/api/cli/seed.js"])),
    "aws-ecs-database-password-migrator-only",
  ],
  [
    "the migrator's command after a replaced entry point reads the master secret",
    "aws",
    "migrator-task",
    editContainers(([migrate]) => void (migrate!.entryPoint = ["sh", "-c"])),
    "aws-ecs-database-password-migrator-only",
  ],
  [
    "the migrator's command with an extra argument reads the master secret",
    "aws",
    "migrator-task",
    editContainers(([migrate]) => void (migrate!.command = ["dist/api/cli/migrate.js", "--then-serve"])),
    "aws-ecs-database-password-migrator-only",
  ],
  [
    "a second container of the migrator's task reads the master secret under another name",
    "aws",
    "migrator-task",
    editContainers((defs) =>
      defs.push({
        name: "sidecar",
        readonlyRootFilesystem: true,
        secrets: [{ name: "PG_SECRET", valueFrom: `${MASTER_SECRET}:password::` }],
      }),
    ),
    "aws-ecs-database-password-migrator-only",
  ],
  [
    "a sidecar of the API's task gets a DATABASE_URL",
    "aws",
    "task",
    editContainers((defs) =>
      defs.push({
        name: "otel-collector",
        readonlyRootFilesystem: true,
        secrets: [{ name: "DATABASE_URL", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/db-url" }],
      }),
    ),
    "aws-ecs-database-password-migrator-only",
  ],
  [
    "service with public IP",
    "aws",
    "service",
    (p) => void ((p.networkConfiguration as Props).assignPublicIp = true),
    "aws-ecs-service-no-public-ip",
  ],
  [
    "cluster without Container Insights",
    "aws",
    "cluster",
    (p) => void delete p.settings,
    "aws-ecs-container-insights",
  ],
]);

describe("the database identity and TLS rules", () => {
  it("pass the compliant stack: the API as its role with verify-full, the migrator as the administrator", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      const violations = run(awsStack(env)).filter((v) =>
        ["aws-ecs-api-database-identity", "aws-ecs-database-tls-verify-full"].includes(v.policyName),
      );
      expect(violations, env).toEqual([]);
    }
  });

  it("leave the migrator its administrator and master secret: only the API container is held to its role", () => {
    const stack = awsStack("prod");
    const migrator = JSON.parse(String(find(stack, "migrator-task").props.containerDefinitions)) as Props[];
    expect(envOf(migrator[0]!).find((v) => v.name === "DATABASE_USER")?.value).toBe("twincloud_app");
    expect(JSON.stringify(migrator)).toContain(MASTER_SECRET);
    expect(byPolicy(run(stack), "aws-ecs-api-database-identity")).toEqual([]);
  });

  it("are advisory in dev and mandatory in staging and prod (identity); TLS is mandatory everywhere", () => {
    const levels = (env: "dev" | "staging" | "prod") => {
      const stack = awsStack(env);
      editContainers(([api]) => {
        setEnv(api!, "DATABASE_USER", "twincloud_app");
        setEnv(api!, "DATABASE_SSL", "require");
      })(find(stack, "task").props);
      const violations = run(refresh(stack), { environment: env });
      return {
        identity: byPolicy(violations, "aws-ecs-api-database-identity").map((v) => v.enforcementLevel),
        tls: byPolicy(violations, "aws-ecs-database-tls-verify-full").map((v) => v.enforcementLevel),
      };
    };
    expect(levels("dev")).toEqual({ identity: ["advisory"], tls: ["mandatory"] });
    expect(levels("staging")).toEqual({ identity: ["mandatory"], tls: ["mandatory"] });
    expect(levels("prod")).toEqual({ identity: ["mandatory"], tls: ["mandatory"] });
  });
});

describe("the database password reaches only the migrator", () => {
  it("the compliant migrator (its command, the master secret as DATABASE_PASSWORD) passes everywhere", () => {
    for (const env of ["dev", "staging", "prod"] as const) {
      expect(
        byPolicy(run(awsStack(env), { environment: env }), "aws-ecs-database-password-migrator-only"),
        env,
      ).toEqual([]);
    }
  });

  it("the API container's password is its own rule's, not reported twice", () => {
    const stack = awsStack("prod");
    editContainers(([api]) => {
      (api!.secrets as Variable[]).push({
        name: "DATABASE_PASSWORD",
        valueFrom: `${MASTER_SECRET}:password::`,
      });
    })(find(stack, "task").props);
    const violations = run(refresh(stack));
    expect(byPolicy(violations, "aws-ecs-api-database-identity")).toHaveLength(1);
    expect(byPolicy(violations, "aws-ecs-database-password-migrator-only")).toEqual([]);
  });

  it("is advisory in dev and mandatory in staging and prod", () => {
    for (const [env, level] of [
      ["dev", "advisory"],
      ["staging", "mandatory"],
      ["prod", "mandatory"],
    ] as const) {
      const stack = awsStack(env);
      editContainers(([migrate]) => void (migrate!.command = ["dist/api/cli/seed.js"]))(
        find(stack, "migrator-task").props,
      );
      const v = byPolicy(
        run(refresh(stack), { environment: env }),
        "aws-ecs-database-password-migrator-only",
      );
      expect(
        v.map((x) => x.enforcementLevel),
        env,
      ).toEqual([level]);
    }
  });
});

describe("edge cases", () => {
  it("containerDefinitions that is not JSON is reported, not a crash", () => {
    const stack = awsStack("prod");
    find(stack, "task").props.containerDefinitions = "not json";
    expect(byPolicy(run(stack), "aws-ecs-readonly-root-filesystem")).toHaveLength(1);
  });
});
