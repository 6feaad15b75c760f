/**
 * Facts worth comparing across clouds, read from one resource's (sanitized) inputs: the cells of the concern
 * table (concerns.ts) beyond the resource counts.
 */
import { parse } from "yaml";
import type { Concern } from "./concerns.js";
import { formatValue, getPath, isPlainObject, type PlanResource } from "./model.js";

export type Fact = { concern: Concern; text: string };
const has = (v: unknown) => v !== undefined && v !== null && v !== "";
const fmt = (v: unknown) => formatValue(v, 60);

/** Facts worth comparing across clouds, read from one resource's (sanitized) inputs. */
export function factsOf(resource: PlanResource): Fact[] {
  const p = resource.props;
  const g = (path: string) => getPath(p, path);
  const facts: Fact[] = [];
  const add = (concern: Concern, text: string | undefined) => {
    if (text) facts.push({ concern, text });
  };
  switch (resource.type) {
    case "aws:ec2/vpc:Vpc":
      add("network", `VPC ${fmt(g("cidrBlock"))}`);
      break;
    case "awsx:ec2:Vpc":
      add(
        "network",
        `VPC ${fmt(g("cidrBlock"))}, ${fmt(g("numberOfAvailabilityZones"))} AZs, NAT gateways ${fmt(g("natGateways.strategy") ?? "default")}`,
      );
      break;
    case "aws:ec2/flowLog:FlowLog":
      add("network", `VPC flow logs (${fmt(g("trafficType"))})`);
      break;
    case "azure-native:network:Subnet":
      add(
        "network",
        `subnet ${fmt(g("addressPrefix"))}${has(g("delegations.0.serviceName")) ? ` → ${fmt(g("delegations.0.serviceName"))}` : ""}`,
      );
      break;
    case "azure-native:network:PrivateEndpoint":
      add("network", "private endpoint");
      break;
    case "azure-native:network:VirtualNetwork":
      add("network", `VNet ${fmt(g("addressSpace.addressPrefixes"))}`);
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      add(
        "ingress/TLS",
        `${g("internal") ? "internal" : "internet-facing"} ${fmt(g("loadBalancerType") ?? "application")} LB, idle ${fmt(g("idleTimeout") ?? 60)} s${g("enableDeletionProtection") ? ", deletion-protected" : ""}`,
      );
      break;
    case "aws:lb/listener:Listener":
      add(
        "ingress/TLS",
        `listener ${fmt(g("protocol"))}:${fmt(g("port"))}${has(g("sslPolicy")) ? ` (${fmt(g("sslPolicy"))})` : ""}${g("defaultActions.0.type") === "redirect" ? " → redirect" : ""}`,
      );
      break;
    case "aws:wafv2/webAcl:WebAcl":
      add(
        "ingress/TLS",
        `WAF web ACL, ${Array.isArray(g("rules")) ? (g("rules") as unknown[]).length : 0} rule(s)`,
      );
      break;
    case "aws:amp/workspace:Workspace":
      add(
        "SLO alerting",
        `Amazon Managed Service for Prometheus workspace${g("kmsKeyArn") ? ", own KMS key" : ""}`,
      );
      break;
    case "aws:amp/ruleGroupNamespace:RuleGroupNamespace":
      add("SLO alerting", ruleCounts(g("data")));
      break;
    case "aws:amp/alertManagerDefinition:AlertManagerDefinition":
      add("SLO alerting", "alert manager → SNS alert topic (SigV4)");
      break;
    case "aws:route53/healthCheck:HealthCheck":
      add(
        "uptime checks",
        `Route 53 health check ${fmt(g("type"))} ${fmt(g("resourcePath"))} every ${fmt(g("requestInterval"))} s per checker`,
      );
      break;
    case "azure-native:monitor:AzureMonitorWorkspace":
      add("SLO alerting", "Azure Monitor workspace (managed Prometheus)");
      break;
    case "azure-native:monitor:DataCollectionRule":
    case "azure-native:insights:DataCollectionRule":
      if (JSON.stringify(g("dataFlows") ?? "").includes("Microsoft-PrometheusMetrics"))
        add("SLO alerting", "data collection rule: Prometheus remote write → workspace (Entra ID)");
      break;
    case "azure-native:applicationinsights:WebTest":
    case "azure-native:insights:WebTest": {
      const locations = g("locations");
      add(
        "uptime checks",
        `Application Insights ${fmt(g("webTestKind") ?? g("kind"))} test ${fmt(g("request.httpVerb") ?? "GET")} every ${fmt(g("frequency"))} s from ${Array.isArray(locations) ? locations.length : 0} locations`,
      );
      break;
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      add(
        "compute",
        `Fargate task ${fmt(g("cpu"))} CPU units / ${fmt(g("memory"))} MiB, ${fmt(g("runtimePlatform.cpuArchitecture") ?? "X86_64")}`,
      );
      const containers = ecsContainers(g("containerDefinitions"));
      const collector = containers.find((c) => /otel-collector/.test(String(c.image)));
      const config = collector?.environment?.find((e) => e.name === "ADOT_CONFIG")?.value;
      if (config?.includes("prometheusremotewrite")) {
        add("SLO alerting", "ADOT collector sidecar scrapes the metrics port → remote write (SigV4)");
      }
      if (containers.some((c) => c.secrets?.some((e) => e.name === "SENTRY_DSN"))) {
        add("error tracking", "Sentry, DSN from Secrets Manager (ECS secrets)");
      }
      // The container definitions embed computed values (image digest, ARNs), so a plan shows them as
      // computed: the migrator is told by its family.
      if (/-migrate$/.test(String(g("family") ?? "")))
        add(
          "database identity",
          `migrator ECS task ${fmt(g("family"))} (dist/api/cli/migrate.js as the RDS master user), run by the deploy pipeline with aws ecs run-task`,
        );
      break;
    }
    case "aws:iam/rolePolicy:RolePolicy":
      for (const user of rdsDbUsers(g("policy")))
        add(
          "database identity",
          `${/-task$/.test(resource.name) ? "the API's task role" : `IAM policy ${resource.name}`}: rds-db:connect on one database user (${user}), a token per connection, no password`,
        );
      // The AMP policy document names the workspace's ARN (unknown offline): the policy's name says what it is for.
      if (resource.name.endsWith("-task-prometheus"))
        add(
          "SLO alerting",
          "task role: aps:RemoteWrite on the workspace (the ADOT collector sidecar's remote write)",
        );
      break;
    case "aws:ecs/service:Service":
      add(
        "compute",
        `ECS service, desired ${fmt(g("desiredCount"))}${g("deploymentCircuitBreaker.rollback") ? ", circuit-breaker rollback" : ""}${g("enableExecuteCommand") ? ", exec enabled" : ""}`,
      );
      break;
    case "aws:appautoscaling/target:Target":
      add("scaling", `replicas ${fmt(g("minCapacity"))}–${fmt(g("maxCapacity"))}`);
      break;
    case "aws:appautoscaling/policy:Policy":
      add(
        "scaling",
        `target tracking ${fmt(g("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"))} = ${fmt(g("targetTrackingScalingPolicyConfiguration.targetValue"))}`,
      );
      break;
    case "azure-native:app:ContainerApp": {
      add(
        "ingress/TLS",
        `Container Apps ingress ${g("configuration.ingress.external") ? "external" : "internal"}, port ${fmt(g("configuration.ingress.targetPort"))}, ${g("configuration.ingress.allowInsecure") ? "HTTP allowed" : "HTTPS only"}`,
      );
      add(
        "compute",
        `container app ${fmt(g("template.containers.0.resources.cpu"))} vCPU / ${fmt(g("template.containers.0.resources.memory"))}, revisions ${fmt(g("configuration.activeRevisionsMode") ?? "Single")}`,
      );
      add(
        "scaling",
        `replicas ${fmt(g("template.scale.minReplicas"))}–${fmt(g("template.scale.maxReplicas"))}`,
      );
      const rules = g("template.scale.rules");
      if (Array.isArray(rules)) {
        const kinds = rules.map((r) =>
          isPlainObject(r)
            ? Object.keys(r)
                .filter((k) => k !== "name")
                .join("/") || "rule"
            : "rule",
        );
        add("scaling", `scale rules: ${kinds.join(", ")}`);
      }
      if (has(g("identity.type"))) add("identity", `app identity ${fmt(g("identity.type"))}`);
      const secrets = g("configuration.secrets");
      if (Array.isArray(secrets)) {
        const fromVault = secrets.filter((s) => isPlainObject(s) && has(s.keyVaultUrl)).length;
        add("secrets", `${secrets.length} app secret(s), ${fromVault} from Key Vault`);
      }
      const containers = g("template.containers");
      const env = (Array.isArray(containers) ? containers : []).flatMap((c) =>
        isPlainObject(c) && Array.isArray(c.env) ? (c.env as unknown[]) : [],
      );
      if (env.some((e) => isPlainObject(e) && e.name === "SENTRY_DSN")) {
        add("error tracking", "Sentry, DSN from Key Vault (app secret)");
      }
      if (env.some((e) => isPlainObject(e) && e.name === "OTELCOL_CONFIG")) {
        add(
          "SLO alerting",
          "OpenTelemetry Collector sidecar scrapes the metrics port → remote write (managed identity)",
        );
      }
      add("database identity", azureDatabaseLogin("API", env));
      break;
    }
    case "azure-native:app:Job": {
      const containers = g("template.containers");
      const list = Array.isArray(containers) ? containers.filter(isPlainObject) : [];
      const migrator = list.find((c) => isMigrator(c.args) || isMigrator(c.command));
      if (migrator) {
        const env = Array.isArray(migrator.env) ? (migrator.env as unknown[]) : [];
        const user = env.find((e) => isPlainObject(e) && e.name === "DATABASE_USER");
        add(
          "database identity",
          `migrator Container Apps Job (${fmt(g("configuration.triggerType"))} trigger) as ${fmt(isPlainObject(user) ? user.value : undefined)}, run by the deploy pipeline`,
        );
      }
      break;
    }
    case "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra":
      add(
        "database identity",
        `Entra administrator: ${fmt(g("principalName"))} (${fmt(g("principalType"))}), the migrator's identity`,
      );
      break;
    case "azure-native:authorization:RoleAssignment":
      add("identity", `role assignment (${fmt(g("principalType"))})`);
      break;
    case "azure-native:authorization:ManagementLockByScope":
      add("backups/DR", `management lock ${fmt(g("level"))}`);
      break;
    case "azure-native:app:ManagedEnvironment":
      add(
        "compute",
        `Container Apps environment${g("zoneRedundant") ? ", zone-redundant" : ""}${g("vnetConfiguration.internal") ? ", internal" : ""}`,
      );
      break;
    case "aws:rds/instance:Instance":
      add(
        "database",
        `RDS ${fmt(g("engine"))} ${fmt(g("engineVersion"))}, ${fmt(g("instanceClass"))}, ${fmt(g("allocatedStorage"))} GiB${g("multiAz") ? ", Multi-AZ" : ", single-AZ"}${g("storageEncrypted") ? ", encrypted" : ""}${g("publiclyAccessible") ? ", PUBLIC" : ", private"}`,
      );
      add(
        "backups/DR",
        `automated backups ${fmt(g("backupRetentionPeriod"))} days${g("deletionProtection") ? ", deletion protection" : ""}`,
      );
      if (Array.isArray(g("enabledCloudwatchLogsExports"))) {
        add("logs", `database logs exported: ${(g("enabledCloudwatchLogsExports") as unknown[]).join(", ")}`);
      }
      if (g("manageMasterUserPassword") === true)
        add("secrets", "database password managed by RDS in Secrets Manager");
      if (g("iamDatabaseAuthenticationEnabled") === true)
        add("database identity", "IAM database authentication");
      if (has(g("caCertIdentifier")))
        add(
          "database identity",
          `server certificate from ${fmt(g("caCertIdentifier"))}, whose regional root the image ships (verify-full)`,
        );
      break;
    case "aws:backup/plan:Plan": {
      const rules = g("rules");
      const copies = Array.isArray(rules)
        ? rules.filter((r) => isPlainObject(r) && Array.isArray(r.copyActions) && r.copyActions.length > 0)
            .length
        : 0;
      add("backups/DR", `AWS Backup plan${copies > 0 ? ", copies to a second region's vault" : ""}`);
      break;
    }
    case "aws:iam/role:Role":
      add("identity", `IAM role: ${fmt(g("description") ?? resource.name)}`);
      break;
    case "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
      add("backups/DR", `cross-region backup replication, ${fmt(g("retentionPeriod"))} days`);
      break;
    case "azure-native:dbforpostgresql:Server":
      add(
        "database",
        `Flexible Server PostgreSQL ${fmt(g("version"))}, ${fmt(g("sku.name"))} (${fmt(g("sku.tier"))}), ${fmt(g("storage.storageSizeGB"))} GiB, HA ${fmt(g("highAvailability.mode") ?? "Disabled")}, public access ${fmt(g("network.publicNetworkAccess") ?? "-")}`,
      );
      add(
        "backups/DR",
        `PITR backups ${fmt(g("backup.backupRetentionDays"))} days, geo-redundant ${fmt(g("backup.geoRedundantBackup") ?? "Disabled")}`,
      );
      if (g("authConfig.activeDirectoryAuth") === "Enabled")
        add(
          "database identity",
          `Microsoft Entra ID authentication${g("authConfig.passwordAuth") === "Enabled" ? " (password auth kept for the break-glass administrator)" : ""}`,
        );
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      add("logs", `CloudWatch log group, ${fmt(g("retentionInDays") ?? "never expire")} days`);
      break;
    case "azure-native:insights:DiagnosticSetting":
    case "azure-native:monitor:DiagnosticSetting": {
      const logs = g("logs");
      const categories = Array.isArray(logs)
        ? logs.map((l) => (isPlainObject(l) ? (l.category ?? l.categoryGroup) : undefined)).filter(has)
        : [];
      add(
        "logs",
        `diagnostic setting → Log Analytics: ${categories.length > 0 ? categories.join(", ") : "metrics"}`,
      );
      break;
    }
    case "azure-native:operationalinsights:Workspace":
      add("logs", `Log Analytics workspace, ${fmt(g("retentionInDays"))} days`);
      break;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      if (g("namespace") === "AWS/Route53" && g("metricName") === "HealthCheckStatus")
        add("uptime checks", `alarm when unhealthy ${fmt(g("evaluationPeriods"))} × ${fmt(g("period"))} s`);
      add(
        "metrics/alerts",
        `alarm ${fmt(g("metricName") ?? "(metric math)")} ${fmt(g("comparisonOperator"))} ${fmt(g("threshold"))}`,
      );
      break;
    case "azure-native:insights:MetricAlert":
    case "azure-native:monitor:MetricAlert":
      if (g("criteria.odataType") === "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria") {
        add("uptime checks", `alert when ${fmt(g("criteria.failedLocationCount"))}+ locations fail`);
        add("metrics/alerts", "alert availability test failed locations");
        break;
      }
      add(
        "metrics/alerts",
        `alert ${fmt(g("criteria.allOf.0.metricName"))} ${fmt(g("criteria.allOf.0.operator"))} ${fmt(g("criteria.allOf.0.threshold"))}`,
      );
      break;
    case "azure-native:insights:ScheduledQueryRule":
    case "azure-native:monitor:ScheduledQueryRule":
      add(
        "metrics/alerts",
        `log alert ${fmt(g("criteria.allOf.0.metricMeasureColumn") ?? "query")} ${fmt(g("criteria.allOf.0.operator"))} ${fmt(g("criteria.allOf.0.threshold"))}`,
      );
      break;
    case "aws:sns/topicSubscription:TopicSubscription":
      add("metrics/alerts", `notify via ${fmt(g("protocol"))}`);
      break;
    case "aws:cloudwatch/eventRule:EventRule":
      // The pattern names the database's ARN, unknown before deploy: the description says what it watches.
      if (/AWS Backup/.test(String(g("description") ?? "")))
        add("backups/DR", "failed backup/copy jobs → alert topic (EventBridge rule)");
      break;
    case "azure-native:insights:ActionGroup":
    case "azure-native:monitor:ActionGroup": {
      const receivers = g("emailReceivers");
      add(
        "metrics/alerts",
        `action group, ${Array.isArray(receivers) ? receivers.length : 0} email receiver(s)`,
      );
      break;
    }
    case "aws:ecr/repository:Repository":
      add(
        "registry",
        `ECR, tags ${fmt(g("imageTagMutability") ?? "MUTABLE")}, scan on push ${fmt(g("imageScanningConfiguration.scanOnPush") ?? false)}`,
      );
      break;
    case "azure-native:containerregistry:Registry":
      add("registry", `ACR ${fmt(g("sku.name"))}, admin user ${fmt(g("adminUserEnabled") ?? false)}`);
      break;
    case "azure-native:keyvault:Vault":
      add(
        "secrets",
        `Key Vault${g("properties.enableRbacAuthorization") ? ", RBAC" : ""}${g("properties.enablePurgeProtection") ? ", purge protection" : ""}`,
      );
      break;
    case "aws:kms/key:Key":
      add("secrets", `KMS key${g("enableKeyRotation") ? ", rotation on" : ""}`);
      break;
    default:
      break;
  }
  return facts;
}

/** A container whose command (or args after the image's node entrypoint) runs the migrator. */
function isMigrator(command: unknown): boolean {
  return Array.isArray(command) && command.some((part) => /cli\/migrate\.js$/.test(String(part)));
}

/** The database users an IAM policy document lets `rds-db:connect` (`...:dbuser:<resource id>/<user>`). */
function rdsDbUsers(policy: unknown): string[] {
  if (typeof policy !== "string") return [];
  try {
    const doc = JSON.parse(policy) as { Statement?: { Action?: unknown; Resource?: unknown }[] };
    return (doc.Statement ?? [])
      .filter((st) => ([] as unknown[]).concat(st.Action).includes("rds-db:connect"))
      .flatMap((st) => ([] as unknown[]).concat(st.Resource))
      .map((arn) => /:dbuser:[^/]+\/(.+)$/.exec(String(arn))?.[1] ?? String(arn));
  } catch {
    return [];
  }
}

/** How an Azure container logs in to PostgreSQL, from its env (`[{ name, value }]`). */
function azureDatabaseLogin(who: string, env: unknown[]): string | undefined {
  const value = (name: string) => {
    const entry = env.find((e) => isPlainObject(e) && e.name === name);
    return isPlainObject(entry) ? entry.value : undefined;
  };
  if (value("DATABASE_AUTH") !== "azure-entra") return undefined;
  const tls = value("DATABASE_SSL");
  return `${who} connects as ${fmt(value("DATABASE_USER"))} with the app's user-assigned managed identity's Entra ID token, no password${tls ? `; TLS ${fmt(tls)}, CA file ${fmt(value("DATABASE_CA_FILE"))}` : ""}`;
}

interface EcsContainer {
  image?: unknown;
  environment?: { name: string; value: string }[];
  secrets?: { name: string }[];
}

/** The task definition's containers (a JSON string; unknown during a preview). */
function ecsContainers(value: unknown): EcsContainer[] {
  if (typeof value !== "string") return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? (parsed as EcsContainer[]) : [];
  } catch {
    return [];
  }
}

/** `N recording + M alert rules` of a Prometheus rules document. */
function ruleCounts(data: unknown): string {
  const rules =
    typeof data === "string"
      ? ((parse(data) as { groups?: { rules?: { alert?: string }[] }[] })?.groups ?? []).flatMap(
          (group) => group.rules ?? [],
        )
      : [];
  const alerts = rules.filter((rule) => rule.alert).length;
  return `rules of observability/prometheus/rules.yml: ${rules.length - alerts} recording, ${alerts} alerting`;
}

/** Azure's Prometheus rule groups together (one per group of the rules file), as AMP's one namespace reads. */
export function prometheusRuleGroupsFact(groups: PlanResource[]): string | undefined {
  if (groups.length === 0) return undefined;
  const rules = groups.flatMap((group) => {
    const list = getPath(group.props, "rules");
    return Array.isArray(list) ? list.filter(isPlainObject) : [];
  });
  const alerts = rules.filter((rule) => has(rule.alert)).length;
  const intervals = [...new Set(groups.map((group) => fmt(getPath(group.props, "interval") ?? "PT1M")))];
  return `${groups.length} Prometheus rule groups of observability/prometheus/rules.yml: ${rules.length - alerts} recording, ${alerts} alerting, every ${intervals.join("/")}; alerts → action group`;
}
