/** Concerns: the same spec on each cloud, side by side, derived from the resources each cloud declares. */
import { factsOf, prometheusRuleGroupsFact } from "./facts.js";
import type { Plan, PlanCloudName } from "./model.js";

export const CONCERNS = [
  "network",
  "ingress/TLS",
  "compute",
  "scaling",
  "database",
  "database identity",
  "backups/DR",
  "secrets",
  "identity",
  "logs",
  "metrics/alerts",
  "SLO alerting",
  "uptime checks",
  "error tracking",
  "registry",
] as const;
export type Concern = (typeof CONCERNS)[number];

/** Which concern a resource type belongs to (first match wins). */
const CONCERN_OF_TYPE: [RegExp, Concern][] = [
  [
    /^aws:(ec2\/(vpc|subnet|natGateway|internetGateway|eip|routeTable|routeTableAssociation|route|vpcEndpoint|securityGroup|securityGroupRule|flowLog|defaultSecurityGroup|networkAcl)|vpc\/)|^awsx:ec2/,
    "network",
  ],
  [
    /^azure-native:(network:(VirtualNetwork|Subnet|NetworkSecurityGroup|NatGateway|PublicIPAddress|PrivateZone|VirtualNetworkLink|PrivateEndpoint|RouteTable)|privatedns:)/,
    "network",
  ],
  [/^aws:(lb\/|alb\/|wafv2\/|acm\/|cloudfront\/)|^awsx:lb/, "ingress/TLS"],
  [
    /^azure-native:(cdn:|network:(ApplicationGateway|FrontDoor)|app:(ManagedCertificate|Certificate))/,
    "ingress/TLS",
  ],
  [/^aws:appautoscaling\//, "scaling"],
  [/^aws:ecs\/|^awsx:ecs/, "compute"],
  [/^azure-native:app:(ContainerApp|ManagedEnvironment|Job)/, "compute"],
  [/^aws:backup\/|^aws:rds\/instanceAutomatedBackupsReplication|^azure-native:dataprotection:/, "backups/DR"],
  [/^azure-native:dbforpostgresql:Administrators/, "database identity"],
  [/^aws:rds\/|^azure-native:dbforpostgresql:/, "database"],
  [/^aws:(secretsmanager|ssm|kms)\/|^azure-native:keyvault:|^random:/, "secrets"],
  [/^azure-native:authorization:ManagementLock/, "backups/DR"],
  [/^aws:iam\/|^azure-native:(managedidentity|authorization):/, "identity"],
  [
    /^aws:cloudwatch\/(logGroup|logStream|logSubscription|queryDefinition)|^aws:s3\/|^azure-native:operationalinsights:|^azure-native:(insights|monitor):DiagnosticSetting/,
    "logs",
  ],
  // Managed Prometheus: the workspace, its rules and alert manager (AWS); Azure Monitor workspace, data
  // collection and Prometheus rule groups (Azure).
  [
    /^aws:amp\/|^azure-native:(monitor:(AzureMonitorWorkspace|DataCollection\w*)|insights:DataCollection\w*|alertsmanagement:PrometheusRuleGroup)$/,
    "SLO alerting",
  ],
  [
    /^aws:(route53\/healthCheck|synthetics\/)|^azure-native:(insights|applicationinsights):WebTest/,
    "uptime checks",
  ],
  [
    /^aws:(cloudwatch|sns)\/|^azure-native:(insights|portal|dashboard|monitor|alertsmanagement):/,
    "metrics/alerts",
  ],
  [/^aws:ecr\/|^docker(-build)?:|^azure-native:containerregistry:/, "registry"],
];

function concernOf(type: string): Concern | undefined {
  return CONCERN_OF_TYPE.find(([pattern]) => pattern.test(type))?.[1];
}

/** Concerns a stack may leave out (a tier or a cloud without them): an empty cell says so. */
const OPTIONAL_CONCERNS = [
  "SLO alerting",
  "uptime checks",
  "error tracking",
] as const satisfies readonly Concern[];
const EMPTY_CELL: Record<(typeof OPTIONAL_CONCERNS)[number], string> = {
  "SLO alerting": "none in this stack (twincloud:cloudMetrics)",
  "uptime checks": "none in this stack (twincloud:cloudMetrics)",
  // The DSN is a secret stack value an offline plan of the shipped stacks does not have.
  "error tracking": "none in this stack (Sentry when twincloud:sentryDsn is set)",
};

/** Human names for the type tokens, e.g. `aws:ecs/service:Service` → `ecs Service`. */
export function shortType(type: string): string {
  const [provider = "", module = "", kind = ""] = type.split(":");
  const mod = module.split("/")[0] ?? "";
  return provider === "azure-native" ? `${mod} ${kind}` : `${mod === "index" ? provider : mod} ${kind}`;
}

export interface ConcernCell {
  resources: { type: string; count: number }[];
  facts: string[];
}

export type ConcernTable = Record<Concern, Partial<Record<PlanCloudName, ConcernCell>>>;

export function concernTable(plan: Plan): ConcernTable {
  const table = Object.fromEntries(CONCERNS.map((c) => [c, {}])) as ConcernTable;
  for (const cloud of plan.clouds) {
    for (const concern of CONCERNS) table[concern][cloud.cloud] = { resources: [], facts: [] };
    for (const resource of cloud.resources) {
      const concern = concernOf(resource.type);
      if (concern) {
        const cell = table[concern][cloud.cloud]!;
        const entry = cell.resources.find((r) => r.type === resource.type);
        if (entry) entry.count++;
        else cell.resources.push({ type: resource.type, count: 1 });
      }
      for (const fact of factsOf(resource)) {
        const cell = table[fact.concern][cloud.cloud]!;
        if (!cell.facts.includes(fact.text)) cell.facts.push(fact.text);
      }
    }
    const ruleGroups = prometheusRuleGroupsFact(
      cloud.resources.filter((r) =>
        /^azure-native:(alertsmanagement|insights):PrometheusRuleGroup$/.test(r.type),
      ),
    );
    if (ruleGroups) table["SLO alerting"][cloud.cloud]!.facts.push(ruleGroups);
    for (const concern of OPTIONAL_CONCERNS) {
      const cell = table[concern][cloud.cloud]!;
      if (cell.facts.length === 0 && cell.resources.length === 0) cell.facts.push(EMPTY_CELL[concern]);
    }
  }
  return table;
}
