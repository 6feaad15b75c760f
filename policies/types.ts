/**
 * Every Pulumi type token the pack judges, written once and shaped like the provider SDKs: `aws.rds.Instance`
 * here is the token of `@pulumi/aws`'s `aws.rds.Instance` class. Rules name types the way awsguard's
 * `validateResourceOfType(aws.rds.Instance, …)` does, without loading the provider SDKs into the policy host
 * (the offline evaluator compares tokens, not classes). tests/policies/types.test.ts checks every token
 * against the installed provider class.
 */
export const aws = {
  appautoscaling: { Policy: "aws:appautoscaling/policy:Policy", Target: "aws:appautoscaling/target:Target" },
  backup: { Vault: "aws:backup/vault:Vault" },
  cloudwatch: {
    Dashboard: "aws:cloudwatch/dashboard:Dashboard",
    LogGroup: "aws:cloudwatch/logGroup:LogGroup",
    MetricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  },
  ec2: {
    DefaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    SecurityGroup: "aws:ec2/securityGroup:SecurityGroup",
    SecurityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    Subnet: "aws:ec2/subnet:Subnet",
  },
  ecr: { Repository: "aws:ecr/repository:Repository" },
  ecs: {
    Cluster: "aws:ecs/cluster:Cluster",
    Service: "aws:ecs/service:Service",
    TaskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  },
  lb: { Listener: "aws:lb/listener:Listener", LoadBalancer: "aws:lb/loadBalancer:LoadBalancer" },
  rds: {
    Instance: "aws:rds/instance:Instance",
    InstanceAutomatedBackupsReplication:
      "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    ParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  },
  vpc: {
    SecurityGroupEgressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    SecurityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  },
} as const;

export const azure = {
  app: {
    ContainerApp: "azure-native:app:ContainerApp",
    Job: "azure-native:app:Job",
    ManagedEnvironment: "azure-native:app:ManagedEnvironment",
  },
  applicationinsights: { WebTest: "azure-native:applicationinsights:WebTest" },
  containerregistry: { Registry: "azure-native:containerregistry:Registry" },
  dataprotection: { BackupVault: "azure-native:dataprotection:BackupVault" },
  dbforpostgresql: {
    Database: "azure-native:dbforpostgresql:Database",
    FirewallRule: "azure-native:dbforpostgresql:FirewallRule",
    Server: "azure-native:dbforpostgresql:Server",
  },
  keyvault: { Vault: "azure-native:keyvault:Vault" },
  monitor: {
    MetricAlert: "azure-native:monitor:MetricAlert",
    ScheduledQueryRule: "azure-native:monitor:ScheduledQueryRule",
  },
} as const;

/** The engine's own types: the stack resource every program registers first. */
export const pulumi = { Stack: "pulumi:pulumi:Stack" } as const;
